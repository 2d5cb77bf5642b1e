package storetest

import (
	"testing"
	"time"

	"github.com/serversession/serversession/sessions"
)

// testUnreachable: when the server is gone, every method returns an error.
// Load in particular must not answer "not found": the lifecycle would then
// start a new empty session and log the user out, where an error lets it
// keep the stored record safe (DESIGN §5).
func testUnreachable(t *testing.T, e *env) {
	e.mustFail(t, e.keys.key("k"))
}

// mustFail reports an error for every method of the store that does not
// fail on k, and for a Load or LoadTouch that fails but returns data or
// found. It is what Unreachable and ServerComesBack check while the server
// is gone.
func (e *env) mustFail(t *testing.T, k string) {
	t.Helper()
	if err := e.store.Save(e.ctx, k, []byte("nowhere to go"), time.Hour); err == nil {
		t.Errorf("Save(%q) on an unreachable store returned nil; want an error", k)
	}
	data, found, err := e.store.Load(e.ctx, k)
	switch {
	case err == nil && !found:
		t.Errorf("Load(%q) on an unreachable store reported not found with a nil error; want an error, or users are logged out whenever the server is down", k)
	case err == nil:
		t.Errorf("Load(%q) on an unreachable store found %s; want an error", k, describe(data))
	case found || data != nil:
		t.Errorf("Load(%q) on an unreachable store returned (%s, found %v) with its error; want (nil, false)", k, describe(data), found)
	}
	if err := e.store.Delete(e.ctx, k); err == nil {
		t.Errorf("Delete(%q) on an unreachable store returned nil; want an error", k)
	}
	if toucher, ok := e.store.(sessions.Toucher); ok {
		if err := toucher.Touch(e.ctx, k, time.Hour); err == nil {
			t.Errorf("Touch(%q) on an unreachable store returned nil; want an error", k)
		}
	}
	if lt, ok := e.store.(sessions.LoadToucher); ok {
		data, found, err := lt.LoadTouch(e.ctx, k, time.Hour)
		switch {
		case err == nil && !found:
			t.Errorf("LoadTouch(%q) on an unreachable store reported not found with a nil error; want an error", k)
		case err == nil:
			t.Errorf("LoadTouch(%q) on an unreachable store found %s; want an error", k, describe(data))
		case found || data != nil:
			t.Errorf("LoadTouch(%q) on an unreachable store returned (%s, found %v) with its error; want (nil, false)", k, describe(data), found)
		}
	}
}
