package storetest

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/serversession/serversession/sessions"
)

// largeValueSize is the size of the large value: 1 MiB, well past the 4096
// bytes that cookie-based sessions are limited to.
const largeValueSize = 1 << 20

// testLargeValue: a 1 MiB record round-trips byte for byte, and Replace and
// DeleteIf compare all of it.
func testLargeValue(t *testing.T, e *env) {
	want := make([]byte, largeValueSize)
	rng := rand.NewChaCha8([32]byte{'s', 't', 'o', 'r', 'e', 't', 'e', 's', 't'})
	_, _ = rng.Read(want) // ChaCha8.Read never fails.
	k := e.keys.key("1MiB")
	e.mustCreate(t, k, want, time.Hour)
	checkData(t, "Load of the 1 MiB record", e.mustLoad(t, k), want)
	// Replace and DeleteIf compare all of it: over the same bytes they
	// succeed, over a copy with the last byte changed they conflict.
	stale := append([]byte(nil), want...)
	stale[len(stale)-1]++
	checkConflict(t, "Replace of the 1 MiB record over a copy whose last byte differs",
		e.store.Replace(e.ctx, k, sessions.Record{Data: stale}, []byte("must not be written"), time.Hour))
	checkConflict(t, "DeleteIf of the 1 MiB record over a copy whose last byte differs",
		e.store.DeleteIf(e.ctx, k, sessions.Record{Data: stale}))
	e.checkKept(t, k, want, "a DeleteIf of the 1 MiB record over a copy whose last byte differs")
	next := append([]byte(nil), want...)
	next[0]++
	e.mustReplace(t, k, sessions.Record{Data: want}, next, time.Hour)
	checkData(t, "Load of the 1 MiB record after Replace", e.mustLoad(t, k), next)
	e.mustDeleteIf(t, k, sessions.Record{Data: next})
	e.mustMiss(t, k, "DeleteIf of the 1 MiB record over its own bytes must remove it")
}

// testBinaryData: every byte value survives, including NUL, bytes that are
// not UTF-8, and a leading or trailing NUL or newline.
func testBinaryData(t *testing.T, e *env) {
	all := make([]byte, 256)
	for i := range all {
		all[i] = byte(i)
	}
	reversed := make([]byte, 256)
	for i := range reversed {
		reversed[i] = byte(255 - i)
	}
	for _, c := range []struct {
		name string
		data []byte
	}{
		{"all-256-bytes", all},
		{"all-256-bytes-reversed", reversed},
		{"nul-only", []byte{0}},
		{"nul-ends", []byte("\x00middle\x00")},
		{"newline-ends", []byte("\r\nmiddle\r\n")},
		{"invalid-utf8", []byte{0xff, 0xfe, 0xc3, 0x28, 0xa0, 0xa1}},
		{"msgpack-map", []byte{0x81, 0xaa, '_', 'p', 'e', 'r', 'm', 'a', 'n', 'e', 'n', 't', 0xc3}},
	} {
		k := e.keys.key(c.name)
		e.mustCreate(t, k, c.data, time.Hour)
		checkData(t, "Load("+c.name+")", e.mustLoad(t, k), c.data)
		e.mustReplace(t, k, sessions.Record{Data: c.data}, append([]byte("replaced:"), c.data...), time.Hour)
		checkData(t, "Load("+c.name+") after Replace over its bytes", e.mustLoad(t, k), append([]byte("replaced:"), c.data...))
	}
}

// testNoAliasing: the store keeps its own copy of what it is given, and
// hands out bytes that the caller may change, for Create, Replace, Load and
// LoadTouch.
func testNoAliasing(t *testing.T, e *env) {
	k := e.keys.key("k")
	want := []byte("original bytes")
	buf := append([]byte(nil), want...)
	e.mustCreate(t, k, buf, time.Hour)
	scribble(buf)
	checkData(t, "Load after the caller changed the slice it passed to Create", e.mustLoad(t, k), want)

	got := e.mustLoad(t, k)
	scribble(got)
	checkData(t, "Load after the caller changed the slice an earlier Load returned", e.mustLoad(t, k), want)

	if lt, ok := e.store.(sessions.LoadToucher); ok {
		rec, found, err := lt.LoadTouch(e.ctx, k, time.Hour)
		if err != nil || !found {
			t.Fatalf("LoadTouch(%q) = (found %v, err %v); want the record", k, found, err)
		}
		scribble(rec.Data)
		checkData(t, "Load after the caller changed the slice LoadTouch returned", e.mustLoad(t, k), want)
	}

	r := e.keys.key("replaced")
	e.mustCreate(t, r, want, time.Hour)
	replaced := []byte("replaced bytes")
	buf = append([]byte(nil), replaced...)
	e.mustReplace(t, r, sessions.Record{Data: want}, buf, time.Hour)
	scribble(buf)
	checkData(t, "Load after the caller changed the slice it passed to Replace", e.mustLoad(t, r), replaced)
}

// scribble overwrites b in place.
func scribble(b []byte) {
	for i := range b {
		b[i] = 'X'
	}
}
