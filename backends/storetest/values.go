package storetest

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/serversession/serversession/sessions"
)

// largeValueSize is the size of the large value: 1 MiB, well past the 4096
// bytes that cookie stores are limited to (gin-contrib/sessions #119).
const largeValueSize = 1 << 20

// testLargeValue: a 1 MiB record round-trips byte for byte.
func testLargeValue(t *testing.T, e *env) {
	want := make([]byte, largeValueSize)
	rng := rand.NewChaCha8([32]byte{'s', 't', 'o', 'r', 'e', 't', 'e', 's', 't'})
	_, _ = rng.Read(want) // ChaCha8.Read never fails.
	k := e.keys.key("1MiB")
	e.mustSave(t, k, want, time.Hour)
	checkData(t, "Load of the 1 MiB record", e.mustLoad(t, k), want)
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
		e.mustSave(t, k, c.data, time.Hour)
		checkData(t, "Load("+c.name+")", e.mustLoad(t, k), c.data)
	}
}

// testNoAliasing: the store keeps its own copy of what it is given, and
// hands out bytes that the caller may change, for Save, Load and
// LoadTouch.
func testNoAliasing(t *testing.T, e *env) {
	k := e.keys.key("k")
	want := []byte("original bytes")
	buf := append([]byte(nil), want...)
	e.mustSave(t, k, buf, time.Hour)
	scribble(buf)
	checkData(t, "Load after the caller changed the slice it passed to Save", e.mustLoad(t, k), want)

	got := e.mustLoad(t, k)
	scribble(got)
	checkData(t, "Load after the caller changed the slice an earlier Load returned", e.mustLoad(t, k), want)

	if lt, ok := e.store.(sessions.LoadToucher); ok {
		data, found, err := lt.LoadTouch(e.ctx, k, time.Hour)
		if err != nil || !found {
			t.Fatalf("LoadTouch(%q) = (found %v, err %v); want the record", k, found, err)
		}
		scribble(data)
		checkData(t, "Load after the caller changed the slice LoadTouch returned", e.mustLoad(t, k), want)
	}
}

// scribble overwrites b in place.
func scribble(b []byte) {
	for i := range b {
		b[i] = 'X'
	}
}
