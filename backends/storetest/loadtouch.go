package storetest

import (
	"testing"
	"time"

	"github.com/serversession/serversession/sessions"
)

// touchedTTL is the TTL of the record that LoadTouch extends. It is two
// seconds, not one, so that a store that counts whole seconds cannot drop
// the record before the LoadTouch reaches it.
const touchedTTL = 2 * time.Second

// testLoadTouch: LoadTouch returns the data and extends the record's life;
// on a missing or deleted record it answers (Record{}, false, nil) and
// creates nothing.
func testLoadTouch(t *testing.T, e *env) {
	lt, ok := e.store.(sessions.LoadToucher)
	if !ok {
		t.Skip("the store does not implement sessions.LoadToucher")
	}
	k := e.keys.key("load-touched")
	want := []byte("loaded and touched")
	start := time.Now()
	e.mustCreate(t, k, want, touchedTTL)
	rec, found, err := lt.LoadTouch(e.ctx, k, time.Hour)
	if err != nil || !found {
		t.Fatalf("LoadTouch(%q, 1h) = (found %v, err %v); want the record", k, found, err)
	}
	checkData(t, "LoadTouch", rec.Data, want)
	e.mustOutlive(t, k, want, start, "LoadTouch")

	missing := e.keys.key("never-saved")
	rec, found, err = lt.LoadTouch(e.ctx, missing, time.Hour)
	if err != nil || found || rec.Data != nil {
		t.Errorf("LoadTouch(%q) of a key never written = (%s, %v, %v); want (Record{}, false, nil)", missing, describeRecord(rec), found, err)
	}
	e.mustMiss(t, missing, "LoadTouch must not create records")

	deleted := e.keys.key("deleted")
	e.mustCreate(t, deleted, []byte("x"), time.Hour)
	e.mustDelete(t, deleted)
	rec, found, err = lt.LoadTouch(e.ctx, deleted, time.Hour)
	if err != nil || found || rec.Data != nil {
		t.Errorf("LoadTouch(%q) of a deleted record = (%s, %v, %v); want (Record{}, false, nil)", deleted, describeRecord(rec), found, err)
	}
	e.mustMiss(t, deleted, "LoadTouch must not resurrect a deleted record")
}

// mustOutlive waits until the record under k, saved at start with a TTL of
// touchedTTL and then extended by op to an hour, would have expired without
// op, and fails the subtest unless it still holds want.
func (e *env) mustOutlive(t *testing.T, k string, want []byte, start time.Time, op string) {
	t.Helper()
	e.sleepPast(t, start, touchedTTL)
	rec, found, err := e.store.Load(e.ctx, k)
	if err != nil {
		t.Fatalf("Load(%q) after %s returned error: %v", k, op, err)
	}
	if !found {
		t.Fatalf("Load(%q) reported not found %v after Create(ttl %v) and %s(1h); %s must extend the record's life",
			k, time.Since(start).Round(time.Millisecond), touchedTTL, op, op)
	}
	checkData(t, "Load after the original TTL passed", rec.Data, want)
}

// sleepPast waits until ttl plus one second of rounding has passed since
// start, so that a record that was not extended would have expired.
func (e *env) sleepPast(t *testing.T, start time.Time, ttl time.Duration) {
	t.Helper()
	wait := time.Until(start.Add(ttl + time.Second))
	select {
	case <-e.ctx.Done():
		t.Fatalf("waiting past the original TTL: %v", e.ctx.Err())
	case <-time.After(wait):
	}
}
