package storetest

import (
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/serversession/serversession/sessions"
)

// testUnreachable: when the server is gone, every method returns an error.
// Load in particular must not answer "not found": the lifecycle would then
// start a new empty session and log the user out, where an error lets it
// keep the stored record safe. Create and Replace must not answer
// "conflict" either, nor DeleteIf: the store did not look, and the lifecycle would reload
// and retry instead of reporting the outage. Nor may UserRecords answer "no
// sessions": a user revoking their sessions would be told there were none
// left. Nor may Ping (for a sessions.Pinger) answer nil.
func testUnreachable(t *testing.T, e *env) {
	e.mustFail(t, e.keys.key("k"))
	e.pingMustFail(t)
}

// mustFail reports an error for every method of the store that does not
// fail on k, for a Load or LoadTouch that fails but returns data or found,
// for a UserRecords that fails but returns records, and for a Create,
// Replace or DeleteIf whose error claims a conflict. It is what Unreachable
// and ServerComesBack check while the server is gone.
func (e *env) mustFail(t *testing.T, k string) {
	t.Helper()
	checkWriteFails := func(call string, err error) {
		t.Helper()
		switch {
		case err == nil:
			t.Errorf("%s on an unreachable store returned nil; want an error", call)
		case errors.Is(err, sessions.ErrConflict):
			t.Errorf("%s on an unreachable store returned %v, which wraps sessions.ErrConflict; want an error that "+
				"says the store could not be reached (a conflict means the store answered that the record changed)", call, err)
		}
	}
	checkWriteFails("Create("+quote(k)+")", e.store.Create(e.ctx, k, []byte("nowhere to go"), time.Hour))
	checkWriteFails("Replace("+quote(k)+")", e.store.Replace(e.ctx, k, sessions.Record{Data: []byte("kept through the outage")},
		[]byte("nowhere to go"), time.Hour))
	checkWriteFails("DeleteIf("+quote(k)+")", e.store.DeleteIf(e.ctx, k, sessions.Record{Data: []byte("kept through the outage")}))
	rec, found, err := e.store.Load(e.ctx, k)
	switch {
	case err == nil && !found:
		t.Errorf("Load(%q) on an unreachable store reported not found with a nil error; want an error, or users are logged out whenever the server is down", k)
	case err == nil:
		t.Errorf("Load(%q) on an unreachable store found %s; want an error", k, describe(rec.Data))
	case found || rec.Data != nil:
		t.Errorf("Load(%q) on an unreachable store returned (%s, found %v) with its error; want (Record{}, false)", k, describeRecord(rec), found)
	}
	if err := e.store.Delete(e.ctx, k); err == nil {
		t.Errorf("Delete(%q) on an unreachable store returned nil; want an error", k)
	}
	if lt, ok := e.store.(sessions.LoadToucher); ok {
		rec, found, err := lt.LoadTouch(e.ctx, k, time.Hour)
		switch {
		case err == nil && !found:
			t.Errorf("LoadTouch(%q) on an unreachable store reported not found with a nil error; want an error", k)
		case err == nil:
			t.Errorf("LoadTouch(%q) on an unreachable store found %s; want an error", k, describe(rec.Data))
		case found || rec.Data != nil:
			t.Errorf("LoadTouch(%q) on an unreachable store returned (%s, found %v) with its error; want (Record{}, false)", k, describeRecord(rec), found)
		}
	}
	if ix := e.index; ix != nil {
		user := e.keys.user("unreachable")
		if err := ix.Tie(e.ctx, user, k, time.Hour); err == nil {
			t.Errorf("Tie(%q, %q) on an unreachable store returned nil; want an error", user, k)
		}
		if err := ix.Untie(e.ctx, user, k); err == nil {
			t.Errorf("Untie(%q, %q) on an unreachable store returned nil; want an error", user, k)
		}
		recs, err := ix.UserRecords(e.ctx, user)
		switch {
		case err == nil && len(recs) == 0:
			t.Errorf("UserRecords(%q) on an unreachable store returned no records with a nil error; want an error, "+
				"or a user's sessions look all gone (and are never revoked) whenever the server is down", user)
		case err == nil:
			t.Errorf("UserRecords(%q) on an unreachable store returned %d records; want an error", user, len(recs))
		case len(recs) != 0:
			t.Errorf("UserRecords(%q) on an unreachable store returned %d records with its error; want none", user, len(recs))
		}
	}
}

// quote is %q of s.
func quote(s string) string { return strconv.Quote(s) }
