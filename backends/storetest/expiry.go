package storetest

import (
	"testing"
	"time"

	"github.com/serversession/serversession/sessions"
)

// granularitySlack is how much later than its TTL a record may disappear.
// Stores may round TTLs up to whole seconds (memcached, SQL timestamps),
// and a server's clock may tick once more before it notices.
const granularitySlack = 3 * time.Second

// pollInterval is how often the expiry subtests look again.
const pollInterval = 100 * time.Millisecond

// testExpiry: a record is gone after its TTL, a Replace replaces the TTL, a
// record with a long TTL stays, and LoadTouch brings no expired record
// back.
func testExpiry(t *testing.T, e *env) {
	short := e.keys.key("ttl-1s")
	shortened := e.keys.key("ttl-1h-then-1s")
	two := e.keys.key("ttl-2s")
	keep := e.keys.key("ttl-1h")

	start := time.Now()
	e.mustCreate(t, shortened, []byte("long-lived at first"), time.Hour)
	e.mustCreate(t, short, []byte("short-lived"), time.Second)
	e.mustCreate(t, two, []byte("two seconds"), 2*time.Second)
	e.mustCreate(t, keep, []byte("long-lived"), time.Hour)
	e.mustReplace(t, shortened, e.mustLoadRecord(t, shortened), []byte("short-lived now"), time.Second)
	// A 2s record must be there right after Create even on a store that
	// counts whole seconds (a 1s record may not be: memcached can drop it
	// at the next tick of its clock).
	checkData(t, "Load(ttl-2s) right after Create", e.mustLoad(t, two), []byte("two seconds"))

	e.waitGone(t, start, 2*time.Second, "want them expired", short, shortened, two)
	checkData(t, "Load(ttl-1h) after the short records expired", e.mustLoad(t, keep), []byte("long-lived"))

	if lt, ok := e.store.(sessions.LoadToucher); ok {
		for _, k := range []string{short, shortened} {
			rec, found, err := lt.LoadTouch(e.ctx, k, time.Hour)
			if err != nil || found || rec.Data != nil {
				t.Errorf("LoadTouch(%q) of an expired record = (%s, %v, %v); want (Record{}, false, nil)", k, describeRecord(rec), found, err)
			}
			e.mustMiss(t, k, "LoadTouch must not resurrect an expired record")
		}
	}
}

// waitGone polls until every key is reported missing, and fails the subtest
// if one is still found granularitySlack after maxTTL has passed since
// start. why ends the failure message: what the store must do.
func (e *env) waitGone(t *testing.T, start time.Time, maxTTL time.Duration, why string, keys ...string) {
	t.Helper()
	deadline := start.Add(maxTTL + granularitySlack)
	pending := keys
	for {
		var still []string
		for _, k := range pending {
			_, found, err := e.store.Load(e.ctx, k)
			if err != nil {
				t.Fatalf("Load(%q) while waiting for expiry returned error: %v", k, err)
			}
			if found {
				still = append(still, k)
			}
		}
		if len(still) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("records %q are still found %v after they were written with a TTL of at most %v; %s",
				still, time.Since(start).Round(time.Millisecond), maxTTL, why)
		}
		pending = still
		select {
		case <-e.ctx.Done():
			t.Fatalf("waiting for expiry: %v", e.ctx.Err())
		case <-time.After(pollInterval):
		}
	}
}

// testLongTTL: TTLs of 31 days (our default lifetime, past memcached's
// 30-day limit for relative TTLs) and a year work for Create, Replace and
// LoadTouch.
func testLongTTL(t *testing.T, e *env) {
	lt, canLoadTouch := e.store.(sessions.LoadToucher)
	for _, c := range []struct {
		name string
		ttl  time.Duration
	}{
		{"31d", 31 * 24 * time.Hour},
		{"365d", 365 * 24 * time.Hour},
	} {
		k := e.keys.key(c.name)
		want := []byte("lives for " + c.name)
		e.mustCreate(t, k, []byte("created for "+c.name), c.ttl)
		checkData(t, "Load after Create with ttl "+c.name, e.mustLoad(t, k), []byte("created for "+c.name))
		e.mustReplace(t, k, sessions.Record{Data: []byte("created for " + c.name)}, want, c.ttl)
		checkData(t, "Load after Replace with ttl "+c.name, e.mustLoad(t, k), want)
		if canLoadTouch {
			rec, found, err := lt.LoadTouch(e.ctx, k, c.ttl)
			if err != nil || !found {
				t.Fatalf("LoadTouch(%q, %v) = (found %v, err %v); want the record", k, c.ttl, found, err)
			}
			checkData(t, "LoadTouch with ttl "+c.name, rec.Data, want)
			checkData(t, "Load after LoadTouch with ttl "+c.name, e.mustLoad(t, k), want)
		}
	}
}
