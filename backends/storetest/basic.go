package storetest

import (
	"testing"
	"time"
)

// testRoundTrip: what is saved is what is loaded, per key.
func testRoundTrip(t *testing.T, e *env) {
	a, b := e.keys.key("a"), e.keys.key("b")
	e.mustSave(t, a, []byte("value of a"), time.Hour)
	e.mustSave(t, b, []byte("value of b"), time.Hour)
	checkData(t, "Load(a)", e.mustLoad(t, a), []byte("value of a"))
	checkData(t, "Load(b)", e.mustLoad(t, b), []byte("value of b"))
}

// testMissingKey: a key never saved is (nil, false, nil), not an error.
func testMissingKey(t *testing.T, e *env) {
	e.mustMiss(t, e.keys.key("never-saved"), "the key was never saved")
}

// testOverwrite: Save replaces the record whole. A shorter value after a
// longer one catches stores that write in place without truncating.
func testOverwrite(t *testing.T, e *env) {
	k := e.keys.key("k")
	steps := []string{
		"the first value, which is the longest of the three",
		"second, shorter",
		"third value, longer than the second",
	}
	for i, v := range steps {
		e.mustSave(t, k, []byte(v), time.Hour)
		checkData(t, "Load after Save #"+string(rune('1'+i)), e.mustLoad(t, k), []byte(v))
	}
}

// testDelete: Delete removes the record, leaves other keys alone, and is not
// an error for a missing record (twice, or never saved).
func testDelete(t *testing.T, e *env) {
	k, other := e.keys.key("k"), e.keys.key("other")
	e.mustSave(t, k, []byte("doomed"), time.Hour)
	e.mustSave(t, other, []byte("survivor"), time.Hour)
	e.mustDelete(t, k)
	e.mustMiss(t, k, "it was deleted")
	checkData(t, "Load(other) after Delete(k)", e.mustLoad(t, other), []byte("survivor"))
	if err := e.store.Delete(e.ctx, k); err != nil {
		t.Errorf("Delete(%q) of an already deleted record returned error %v; want nil", k, err)
	}
	never := e.keys.key("never-saved")
	if err := e.store.Delete(e.ctx, never); err != nil {
		t.Errorf("Delete(%q) of a key never saved returned error %v; want nil", never, err)
	}
	e.mustMiss(t, never, "Delete must not create records")
}
