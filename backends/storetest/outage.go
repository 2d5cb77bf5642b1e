package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/serversession/serversession/sessions"
)

// Server is the server of a store under test, which the test can take away
// and bring back: typically a TCP proxy between the store's client and the
// real server.
type Server interface {
	// Stop takes the server away: open connections close and new ones are
	// refused. It returns once clients can no longer reach it.
	Stop()
	// Start brings the server back at the same address.
	Start()
}

// ServerComesBack checks what users see when the server of s goes away in
// the middle of its life and comes back. s must reach its server through
// server, and be working when called.
//
// It creates and loads a record; stops server and checks, as the suite's
// Unreachable case does, that every method of s fails (Load and LoadTouch
// never report "not found", Create, Replace and DeleteIf never report a
// conflict);
// then starts server again and checks that the same s, within the given
// time (zero: at the first call), loads the record as it was before the
// outage, and can load, load-touch, replace, create, delete-if and delete again.
// If s is a sessions.UserIndex, the record is tied to a user before the
// outage; while the server is gone Tie, Untie and UserRecords must fail
// too, and once it is back UserRecords must list the record. The record is
// under a key of its own, as the suite's are, and is deleted (and untied)
// at the end.
func ServerComesBack(t *testing.T, s sessions.Store, server Server, within time.Duration) {
	t.Helper()
	e := newEnv(t, s, "ServerComesBack")
	k := e.keys.key("k")
	want := []byte("kept through the outage")
	e.mustCreate(t, k, want, time.Hour)
	checkData(t, "Load before the server went away", e.mustLoad(t, k), want)
	owner := e.keys.user("owner")
	if e.index != nil {
		e.mustTie(t, owner, k, time.Hour)
	}

	server.Stop()
	start := time.Now()
	e.mustFail(t, k)
	t.Logf("the failing calls took %v", time.Since(start).Round(time.Millisecond))

	server.Start()
	start = time.Now()
	rec, found, err := s.Load(e.ctx, k)
	for deadline := start.Add(within); err != nil && time.Now().Before(deadline); {
		time.Sleep(50 * time.Millisecond)
		rec, found, err = s.Load(e.ctx, k)
	}
	if err != nil {
		t.Fatalf("Load(%q) %v after the server came back returned error: %v; want the store to work again within %v",
			k, time.Since(start).Round(time.Millisecond), err, within)
	}
	if !found {
		t.Fatalf("Load(%q) after the server came back reported not found; want the record saved before the outage", k)
	}
	checkData(t, "Load after the server came back", rec.Data, want)
	t.Logf("working again %v after the server came back", time.Since(start).Round(time.Millisecond))

	if lt, ok := s.(sessions.LoadToucher); ok {
		rec, found, err := lt.LoadTouch(e.ctx, k, time.Hour)
		if err != nil || !found {
			t.Fatalf("LoadTouch(%q, 1h) after the server came back = (found %v, err %v); want the record", k, found, err)
		}
		checkData(t, "LoadTouch after the server came back", rec.Data, want)
	}
	if e.index != nil {
		e.expect(t, owner, map[string][]byte{k: want}, nil, "after the server came back",
			"the index must keep the ties made before the outage")
	}
	again := []byte("replaced after the outage")
	e.mustReplace(t, k, rec, again, time.Hour)
	checkData(t, "Load after a Replace once the server came back", e.mustLoad(t, k), again)
	checkConflict(t, fmt.Sprintf("Create(%q) over the live record once the server came back", k),
		s.Create(e.ctx, k, []byte("must not be written"), time.Hour))
	e.mustDeleteIf(t, k, sessions.Record{Data: again})
	e.mustMiss(t, k, "DeleteIf once the server came back must remove the record")
	e.mustDelete(t, k)
	if e.index != nil {
		e.mustUntie(t, owner, k)
		e.expect(t, owner, nil, nil, "after its one record was deleted and untied, once the server came back", "")
	}
	fresh := e.keys.key("created-after")
	e.mustCreate(t, fresh, want, time.Hour)
	checkData(t, "Load after a Create once the server came back", e.mustLoad(t, fresh), want)
	e.mustDelete(t, fresh)
}
