package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/serversession/serversession/sessions"
)

// testDeleteIf: DeleteIf removes the record it names, whichever way the
// caller got it: as Load returned it, as LoadTouch returned it, or as
// Record{Data: d} after its own successful Create or Replace of d, even
// after another caller's LoadTouch. It removes that key only, and the key
// can be created again afterwards.
func testDeleteIf(t *testing.T, e *env) {
	other := e.keys.key("other")
	e.mustCreate(t, other, []byte("survivor"), time.Hour)

	loaded := e.keys.key("loaded")
	e.mustCreate(t, loaded, []byte("deleted over the record Load returned"), time.Hour)
	e.mustDeleteIf(t, loaded, e.mustLoadRecord(t, loaded))
	e.mustMiss(t, loaded, "DeleteIf over the record Load returned must remove it")

	created := e.keys.key("created")
	e.mustCreate(t, created, []byte("deleted over the bytes of the Create"), time.Hour)
	e.mustDeleteIf(t, created, sessions.Record{Data: []byte("deleted over the bytes of the Create")})
	e.mustMiss(t, created, "DeleteIf over Record{Data} of the caller's own Create must remove it")

	replaced := e.keys.key("replaced")
	e.mustCreate(t, replaced, []byte("v1"), time.Hour)
	e.mustReplace(t, replaced, sessions.Record{Data: []byte("v1")}, []byte("v2, deleted over the bytes of the Replace"), time.Hour)
	e.mustDeleteIf(t, replaced, sessions.Record{Data: []byte("v2, deleted over the bytes of the Replace")})
	e.mustMiss(t, replaced, "DeleteIf over Record{Data} of the caller's own Replace must remove it")

	empty := e.keys.key("empty")
	e.mustCreate(t, empty, []byte{}, time.Hour)
	e.mustDeleteIf(t, empty, sessions.Record{Data: []byte{}})
	e.mustMiss(t, empty, "DeleteIf over Record{Data: []byte{}} of a record of zero bytes must remove it")

	if lt, ok := e.store.(sessions.LoadToucher); ok {
		k := e.keys.key("load-touched")
		e.mustCreate(t, k, []byte("deleted over the record LoadTouch returned"), time.Hour)
		rec, found, err := lt.LoadTouch(e.ctx, k, time.Hour)
		if err != nil || !found {
			t.Fatalf("LoadTouch(%q, 1h) = (found %v, err %v); want the record", k, found, err)
		}
		if err := e.store.DeleteIf(e.ctx, k, rec); err != nil {
			t.Fatalf("DeleteIf(%q, %s) over the record LoadTouch returned failed: %v; the Record LoadTouch returns must "+
				"work as old, as Load's does", k, describeRecord(rec), err)
		}
		e.mustMiss(t, k, "DeleteIf over the record LoadTouch returned must remove it")

		// Another request's LoadTouch between this one's load and its
		// DeleteIf changes no data, so it must not make the DeleteIf fail.
		data := []byte("deleted after another request's LoadTouch")
		for _, c := range []struct {
			key, name string
			old       func(k string) sessions.Record
		}{
			{"loaded", "the record Load returned before it", func(k string) sessions.Record { return e.mustLoadRecord(t, k) }},
			{"created", "Record{Data} of the Create before it", func(string) sessions.Record { return sessions.Record{Data: data} }},
		} {
			k := e.keys.key("load-touched-after-" + c.key)
			e.mustCreate(t, k, data, time.Hour)
			old := c.old(k)
			if _, found, err := lt.LoadTouch(e.ctx, k, time.Hour); err != nil || !found {
				t.Fatalf("LoadTouch(%q, 1h) = (found %v, err %v); want the record", k, found, err)
			}
			if err := e.store.DeleteIf(e.ctx, k, old); err != nil {
				t.Fatalf("DeleteIf(%q, %s) over %s failed: %v; LoadTouch changes no data, so the record loaded before it "+
					"must still work as old", k, describeRecord(old), c.name+" a LoadTouch", err)
			}
			e.mustMiss(t, k, "DeleteIf after a LoadTouch must remove the record")
		}
	}

	checkData(t, "Load(other) after DeleteIf of other keys", e.mustLoad(t, other), []byte("survivor"))
	e.mustCreate(t, loaded, []byte("created again after DeleteIf"), time.Hour)
	checkData(t, "Load after Create of a key DeleteIf removed", e.mustLoad(t, loaded), []byte("created again after DeleteIf"))
}

// testDeleteIfStale: DeleteIf over a record that is no longer there as the
// caller knew it (it was replaced since, or the caller's bytes differ in
// any way) fails with an error wrapping sessions.ErrConflict and leaves the
// record byte for byte as it was; DeleteIf of a key never written fails
// the same way and creates nothing.
func testDeleteIfStale(t *testing.T, e *env) {
	k := e.keys.key("k")
	e.mustCreate(t, k, []byte("v1"), time.Hour)
	stale := e.mustLoadRecord(t, k)
	current := []byte("v2, written by another request")
	e.mustReplace(t, k, stale, current, time.Hour)

	for _, c := range staleRecords(stale, current) {
		checkConflict(t, fmt.Sprintf("DeleteIf(%q) over %s", k, c.what), e.store.DeleteIf(e.ctx, k, c.old))
		e.checkKept(t, k, current, "a DeleteIf over "+c.what)
	}
	e.mustDeleteIf(t, k, e.mustLoadRecord(t, k))
	e.mustMiss(t, k, "DeleteIf over a fresh Load, once stale ones failed, must remove the record")

	empty := e.keys.key("empty")
	e.mustCreate(t, empty, []byte{}, time.Hour)
	checkConflict(t, fmt.Sprintf("DeleteIf(%q) of an empty record over Record{Data: \"x\"}", empty),
		e.store.DeleteIf(e.ctx, empty, sessions.Record{Data: []byte("x")}))
	e.checkKept(t, empty, []byte{}, "a DeleteIf over Record{Data: \"x\"}")

	never := e.keys.key("never-saved")
	checkConflict(t, fmt.Sprintf("DeleteIf(%q) of a key never written", never),
		e.store.DeleteIf(e.ctx, never, sessions.Record{Data: []byte("x")}))
	checkConflict(t, fmt.Sprintf("DeleteIf(%q) of a key never written, over an empty Record", never),
		e.store.DeleteIf(e.ctx, never, sessions.Record{Data: []byte{}}))
	e.mustMiss(t, never, "DeleteIf must not create records")
}

// testDeleteIfRace: 16 goroutines race over the same record at once, half
// with DeleteIf and half with Replace (which half changes each round, so
// that whichever goroutine the scheduler runs first, both kinds of call
// get there first in some rounds), round after round.
// Exactly one wins each round and the others get sessions.ErrConflict: a
// DeleteIf that wins leaves the key missing (and the next round creates it
// again), a Replace that wins leaves its own bytes. Even rounds race over
// the record Load returned, odd ones over Record{Data} of the bytes last
// written.
func testDeleteIfRace(t *testing.T, e *env) {
	const op = "DeleteIf and Replace"
	k := e.keys.key("k")
	last := []byte("created before the race")
	e.mustCreate(t, k, last, time.Hour)
	for r := range raceRounds {
		old := sessions.Record{Data: last}
		if r%2 == 0 {
			old = e.mustLoadRecord(t, k)
		}
		res := race(func(w int) error {
			if deletes(r, w) {
				return e.store.DeleteIf(e.ctx, k, old)
			}
			return e.store.Replace(e.ctx, k, old, raceValue("Replace", r, w), time.Hour)
		})
		winner, ok := res.check(t, op, k, r)
		if !ok {
			t.FailNow()
		}
		if deletes(r, winner) {
			e.mustMiss(t, k, fmt.Sprintf("round %d was won by worker %d's DeleteIf, and the losing Replaces must "+
				"not write", r, winner))
			last = fmt.Appendf(nil, "created again after round %d", r)
			e.mustCreate(t, k, last, time.Hour)
		} else {
			last = raceValue("Replace", r, winner)
			rec, found := e.load(t, k)
			if !found {
				t.Fatalf("round %d: Load(%q) reported not found after worker %d's Replace won; a DeleteIf that "+
					"reported a conflict must not delete the record", r, k, winner)
			}
			checkData(t, fmt.Sprintf("Load after round %d, won by worker %d's Replace,", r, winner), rec.Data, last)
		}
		if t.Failed() {
			t.FailNow()
		}
	}
}

// deletes reports whether worker w calls DeleteIf, rather than Replace, in
// round r of testDeleteIfRace.
func deletes(r, w int) bool { return (r+w)%2 == 0 }
