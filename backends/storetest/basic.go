package storetest

import (
	"testing"
	"time"

	"github.com/serversession/serversession/sessions"
)

// testRoundTrip: what is created is what is loaded, per key.
func testRoundTrip(t *testing.T, e *env) {
	a, b := e.keys.key("a"), e.keys.key("b")
	e.mustCreate(t, a, []byte("value of a"), time.Hour)
	e.mustCreate(t, b, []byte("value of b"), time.Hour)
	checkData(t, "Load(a)", e.mustLoad(t, a), []byte("value of a"))
	checkData(t, "Load(b)", e.mustLoad(t, b), []byte("value of b"))
}

// testMissingKey: a key never written is (Record{}, false, nil), not an
// error.
func testMissingKey(t *testing.T, e *env) {
	e.mustMiss(t, e.keys.key("never-saved"), "the key was never written")
}

// testOverwrite: Replace replaces the record whole, over the record Load
// returned and over the bytes of the previous write alike. A shorter value
// after a longer one catches stores that write in place without truncating.
func testOverwrite(t *testing.T, e *env) {
	k := e.keys.key("k")
	steps := []string{
		"the first value, which is the longest of the three",
		"second, shorter",
		"third value, longer than the second",
		"fourth",
	}
	e.mustCreate(t, k, []byte(steps[0]), time.Hour)
	checkData(t, "Load after Create", e.mustLoad(t, k), []byte(steps[0]))
	for i := 1; i < len(steps); i++ {
		old := sessions.Record{Data: []byte(steps[i-1])}
		if i%2 == 0 {
			old = e.mustLoadRecord(t, k)
		}
		e.mustReplace(t, k, old, []byte(steps[i]), time.Hour)
		checkData(t, "Load after Replace #"+string(rune('1'+i-1)), e.mustLoad(t, k), []byte(steps[i]))
	}
}

// testDelete: Delete removes the record, leaves other keys alone, and is not
// an error for a missing record (twice, or never written).
func testDelete(t *testing.T, e *env) {
	k, other := e.keys.key("k"), e.keys.key("other")
	e.mustCreate(t, k, []byte("doomed"), time.Hour)
	e.mustCreate(t, other, []byte("survivor"), time.Hour)
	e.mustDelete(t, k)
	e.mustMiss(t, k, "it was deleted")
	checkData(t, "Load(other) after Delete(k)", e.mustLoad(t, other), []byte("survivor"))
	if err := e.store.Delete(e.ctx, k); err != nil {
		t.Errorf("Delete(%q) of an already deleted record returned error %v; want nil", k, err)
	}
	never := e.keys.key("never-saved")
	if err := e.store.Delete(e.ctx, never); err != nil {
		t.Errorf("Delete(%q) of a key never written returned error %v; want nil", never, err)
	}
	e.mustMiss(t, never, "Delete must not create records")
	e.mustCreate(t, k, []byte("created again after Delete"), time.Hour)
	checkData(t, "Load after Create of a deleted key", e.mustLoad(t, k), []byte("created again after Delete"))
}
