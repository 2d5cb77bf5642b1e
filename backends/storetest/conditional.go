package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/serversession/serversession/sessions"
)

// testCreateConflict: Create writes only where no live record is. Over a
// live record (even one holding the same bytes, even an empty one) it fails
// with an error wrapping sessions.ErrConflict and leaves the record as it
// was.
func testCreateConflict(t *testing.T, e *env) {
	k := e.keys.key("k")
	want := []byte("created first")
	e.mustCreate(t, k, want, time.Hour)
	checkConflict(t, fmt.Sprintf("Create(%q) over a live record", k),
		e.store.Create(e.ctx, k, []byte("created second, must not be written"), time.Hour))
	checkData(t, "Load after a Create over a live record", e.mustLoad(t, k), want)
	checkConflict(t, fmt.Sprintf("Create(%q) over a live record holding the same bytes", k),
		e.store.Create(e.ctx, k, want, time.Hour))
	checkData(t, "Load after a Create of the same bytes over a live record", e.mustLoad(t, k), want)

	empty := e.keys.key("empty")
	e.mustCreate(t, empty, []byte{}, time.Hour)
	checkConflict(t, fmt.Sprintf("Create(%q) over a live record of zero bytes", empty),
		e.store.Create(e.ctx, empty, []byte("must not be written"), time.Hour))
	rec, found := e.load(t, empty)
	if !found {
		t.Fatalf("Load(%q) of a record of zero bytes reported not found; an empty record is still a record", empty)
	}
	checkData(t, "Load of the empty record after a Create over it", rec.Data, []byte{})
}

// testReplace: Replace succeeds over the record it names, whichever way the
// caller got it: as Load returned it, as LoadTouch returned it, or as
// Record{Data: d} after its own successful Create or Replace of d; and
// another caller's LoadTouch in between does not make it stale.
func testReplace(t *testing.T, e *env) {
	k := e.keys.key("k")
	e.mustCreate(t, k, []byte("v1"), time.Hour)
	e.mustReplace(t, k, sessions.Record{Data: []byte("v1")}, []byte("v2, over the bytes of the Create"), time.Hour)
	checkData(t, "Load after Replace over Record{Data} of the Create", e.mustLoad(t, k), []byte("v2, over the bytes of the Create"))

	e.mustReplace(t, k, e.mustLoadRecord(t, k), []byte("v3, over the record Load returned"), time.Hour)
	checkData(t, "Load after Replace over the record Load returned", e.mustLoad(t, k), []byte("v3, over the record Load returned"))

	e.mustReplace(t, k, sessions.Record{Data: []byte("v3, over the record Load returned")}, []byte("v4"), time.Hour)
	checkData(t, "Load after Replace over Record{Data} of the previous Replace", e.mustLoad(t, k), []byte("v4"))

	if lt, ok := e.store.(sessions.LoadToucher); ok {
		rec, found, err := lt.LoadTouch(e.ctx, k, time.Hour)
		if err != nil || !found {
			t.Fatalf("LoadTouch(%q, 1h) = (found %v, err %v); want the record", k, found, err)
		}
		if err := e.store.Replace(e.ctx, k, rec, []byte("v5, over the record LoadTouch returned"), time.Hour); err != nil {
			t.Fatalf("Replace(%q, %s) over the record LoadTouch returned failed: %v; the Record LoadTouch returns must "+
				"work as old, as Load's does", k, describeRecord(rec), err)
		}
		checkData(t, "Load after Replace over the record LoadTouch returned", e.mustLoad(t, k), []byte("v5, over the record LoadTouch returned"))

		// Another request's LoadTouch between this one's load and its
		// Replace changes no data, so it must not make the Replace fail.
		for i, what := range []string{"the record Load returned before", "Record{Data} of the bytes loaded before"} {
			old := e.mustLoadRecord(t, k)
			if i == 1 {
				old = sessions.Record{Data: old.Data}
			}
			if _, found, err := lt.LoadTouch(e.ctx, k, time.Hour); err != nil || !found {
				t.Fatalf("LoadTouch(%q, 1h) = (found %v, err %v); want the record", k, found, err)
			}
			data := []byte(fmt.Sprintf("v%d, over %s a LoadTouch", 6+i, what))
			if err := e.store.Replace(e.ctx, k, old, data, time.Hour); err != nil {
				t.Fatalf("Replace(%q, %s) over %s a LoadTouch failed: %v; LoadTouch changes no data, so the record "+
					"loaded before it must still work as old", k, describeRecord(old), what, err)
			}
			checkData(t, "Load after Replace over "+what+" a LoadTouch", e.mustLoad(t, k), data)
		}
	}

	// The same bytes again, and the empty record, both ways.
	same := e.mustLoad(t, k)
	e.mustReplace(t, k, sessions.Record{Data: same}, same, time.Hour)
	e.mustReplace(t, k, sessions.Record{Data: same}, []byte{}, time.Hour)
	e.mustReplace(t, k, sessions.Record{Data: []byte{}}, []byte("after empty"), time.Hour)
	checkData(t, "Load after Replace over an empty record", e.mustLoad(t, k), []byte("after empty"))
}

// testReplaceStale: Replace over a record that is no longer there as the
// caller knew it (it was replaced since, or the caller's bytes differ in
// any way) fails with an error wrapping sessions.ErrConflict and changes
// nothing; so does Replace of a key never written, which creates nothing.
func testReplaceStale(t *testing.T, e *env) {
	k := e.keys.key("k")
	e.mustCreate(t, k, []byte("v1"), time.Hour)
	stale := e.mustLoadRecord(t, k)
	current := []byte("v2, written by another request")
	e.mustReplace(t, k, stale, current, time.Hour)

	for _, c := range staleRecords(stale, current) {
		checkConflict(t, fmt.Sprintf("Replace(%q) over %s", k, c.what),
			e.store.Replace(e.ctx, k, c.old, []byte("stale write, must not be written"), time.Hour))
		checkData(t, "Load after a Replace over "+c.what, e.mustLoad(t, k), current)
	}
	e.mustReplace(t, k, e.mustLoadRecord(t, k), []byte("v3"), time.Hour)
	checkData(t, "Load after a Replace over a fresh Load, once stale ones failed", e.mustLoad(t, k), []byte("v3"))

	empty := e.keys.key("empty")
	e.mustCreate(t, empty, []byte{}, time.Hour)
	checkConflict(t, fmt.Sprintf("Replace(%q) of an empty record over Record{Data: \"x\"}", empty),
		e.store.Replace(e.ctx, empty, sessions.Record{Data: []byte("x")}, []byte("must not be written"), time.Hour))
	checkData(t, "Load of the empty record after a stale Replace", e.mustLoad(t, empty), []byte{})

	never := e.keys.key("never-saved")
	checkConflict(t, fmt.Sprintf("Replace(%q) of a key never written", never),
		e.store.Replace(e.ctx, never, sessions.Record{Data: []byte("x")}, []byte("must not be written"), time.Hour))
	checkConflict(t, fmt.Sprintf("Replace(%q) of a key never written, over an empty Record", never),
		e.store.Replace(e.ctx, never, sessions.Record{Data: []byte{}}, []byte("must not be written"), time.Hour))
	e.mustMiss(t, never, "Replace must not create records")
}

// testDeletedStaysDeleted: once a record is deleted, neither Replace nor
// DeleteIf (over the record loaded before the Delete, or over its bytes)
// succeeds, and neither they nor LoadTouch brings it back. That is what
// keeps a logged-out session logged out while another request of the same
// user is still running.
func testDeletedStaysDeleted(t *testing.T, e *env) {
	k := e.keys.key("k")
	data := []byte("logged in")
	e.mustCreate(t, k, data, time.Hour)
	loaded := e.mustLoadRecord(t, k)
	e.mustDelete(t, k)

	checkConflict(t, fmt.Sprintf("Replace(%q) over the record loaded before it was deleted", k),
		e.store.Replace(e.ctx, k, loaded, []byte("written after logout"), time.Hour))
	e.mustMiss(t, k, "Replace must not recreate a deleted record")
	checkConflict(t, fmt.Sprintf("Replace(%q) over Record{Data} of a deleted record", k),
		e.store.Replace(e.ctx, k, sessions.Record{Data: data}, []byte("written after logout"), time.Hour))
	e.mustMiss(t, k, "Replace must not recreate a deleted record")
	checkConflict(t, fmt.Sprintf("DeleteIf(%q) over the record loaded before it was deleted", k),
		e.store.DeleteIf(e.ctx, k, loaded))
	e.mustMiss(t, k, "DeleteIf must not recreate a deleted record")
	checkConflict(t, fmt.Sprintf("DeleteIf(%q) over Record{Data} of a deleted record", k),
		e.store.DeleteIf(e.ctx, k, sessions.Record{Data: data}))
	e.mustMiss(t, k, "DeleteIf must not recreate a deleted record")

	if lt, ok := e.store.(sessions.LoadToucher); ok {
		rec, found, err := lt.LoadTouch(e.ctx, k, time.Hour)
		if err != nil || found || rec.Data != nil {
			t.Errorf("LoadTouch(%q) of a deleted record = (%s, %v, %v); want (Record{}, false, nil)", k, describeRecord(rec), found, err)
		}
		e.mustMiss(t, k, "LoadTouch must not recreate a deleted record")
	}
	checkConflict(t, fmt.Sprintf("Replace(%q) of a deleted record after LoadTouch", k),
		e.store.Replace(e.ctx, k, sessions.Record{Data: data}, []byte("written after logout"), time.Hour))
	e.mustMiss(t, k, "a deleted record must stay deleted")
}

// testExpiredRecords: an expired record counts as absent for conditional
// writes, swept or not: Create over it succeeds, Replace and DeleteIf over
// it fail and create nothing. Replace sets the record's TTL to its own ttl, shorter or
// longer, and a Create that fails leaves the TTL alone.
//
// The expired records are never loaded before the writes over them, so that
// a store that drops expired records lazily, when read, is checked with the
// expired record still in place.
func testExpiredRecords(t *testing.T, e *env) {
	var (
		created   = e.keys.key("expired-then-created")
		replaced  = e.keys.key("expired-then-replaced")
		deleted   = e.keys.key("expired-then-deleted-if")
		marker    = e.keys.key("ttl-1s-marker")
		shortened = e.keys.key("replaced-from-1h-to-1s")
		extended  = e.keys.key("replaced-from-2s-to-1h")
		kept      = e.keys.key("1h-after-a-failed-create-with-1s")
	)
	start := time.Now()
	e.mustCreate(t, kept, []byte("kept"), time.Hour)
	e.mustCreate(t, shortened, []byte("long-lived at first"), time.Hour)
	e.mustCreate(t, extended, []byte("short-lived at first"), touchedTTL)
	e.mustCreate(t, created, []byte("expires"), time.Second)
	e.mustCreate(t, replaced, []byte("expires"), time.Second)
	e.mustCreate(t, deleted, []byte("expires"), time.Second)
	e.mustCreate(t, marker, []byte("expires last"), time.Second)
	checkConflict(t, fmt.Sprintf("Create(%q, ttl 1s) over a live record", kept),
		e.store.Create(e.ctx, kept, []byte("must not be written"), time.Second))
	e.mustReplace(t, shortened, sessions.Record{Data: []byte("long-lived at first")}, []byte("short-lived now"), time.Second)
	e.mustReplace(t, extended, sessions.Record{Data: []byte("short-lived at first")}, []byte("long-lived now"), time.Hour)

	// created, replaced and deleted were written before marker with the same TTL,
	// so once marker is gone they have expired too.
	e.waitGone(t, start, time.Second, "records written with a TTL of 1s must expire", marker)
	e.waitGone(t, start, time.Second, "Replace must set the record's TTL to its ttl argument, here 1s", shortened)

	checkConflict(t, fmt.Sprintf("Replace(%q) over an expired record", replaced),
		e.store.Replace(e.ctx, replaced, sessions.Record{Data: []byte("expires")}, []byte("resurrected"), time.Hour))
	e.mustMiss(t, replaced, "Replace must not bring back an expired record")
	checkConflict(t, fmt.Sprintf("DeleteIf(%q) over an expired record, swept or not,", deleted),
		e.store.DeleteIf(e.ctx, deleted, sessions.Record{Data: []byte("expires")}))
	e.mustMiss(t, deleted, "DeleteIf must not bring back an expired record")

	if err := e.store.Create(e.ctx, created, []byte("created over an expired record"), time.Hour); err != nil {
		t.Fatalf("Create(%q) over an expired record returned error %v; want nil: an expired record counts as absent, "+
			"swept or not, or the session ID stays unusable until the sweeper runs", created, err)
	}
	checkData(t, "Load after Create over an expired record", e.mustLoad(t, created), []byte("created over an expired record"))

	e.sleepPast(t, start, touchedTTL)
	rec, found := e.load(t, extended)
	if !found {
		t.Fatalf("Load(%q) reported not found %v after Create(ttl %v) and Replace(ttl 1h); Replace must set the "+
			"record's TTL to its ttl argument", extended, time.Since(start).Round(time.Millisecond), touchedTTL)
	}
	checkData(t, "Load of the record Replace gave a TTL of 1h", rec.Data, []byte("long-lived now"))
	rec, found = e.load(t, kept)
	if !found {
		t.Fatalf("Load(%q) reported not found %v after Create(ttl 1h) and a failed Create(ttl 1s); a Create that "+
			"fails must change nothing, TTL included", kept, time.Since(start).Round(time.Millisecond))
	}
	checkData(t, "Load of the record a failed Create was over", rec.Data, []byte("kept"))
}

// staleCase is a Record that no longer matches the stored record, and how
// it came to be.
type staleCase struct {
	what string
	old  sessions.Record
}

// staleRecords returns the stale Records of testReplaceStale and
// testDeleteIfStale: stale was loaded when the record held "v1", and
// current is what it holds now.
func staleRecords(stale sessions.Record, current []byte) []staleCase {
	return []staleCase{
		{"the record Load returned before another Replace", stale},
		{"Record{Data} of the bytes before another Replace", sessions.Record{Data: []byte("v1")}},
		{"Record{Data} of the current bytes less the last one", sessions.Record{Data: current[:len(current)-1]}},
		{"Record{Data} of the current bytes and one more", sessions.Record{Data: append(append([]byte(nil), current...), 'x')}},
		{"Record{Data} of the current bytes with one changed", sessions.Record{Data: append([]byte("V"), current[1:]...)}},
		{"an empty Record", sessions.Record{Data: []byte{}}},
	}
}
