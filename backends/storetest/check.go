package storetest

import (
	"bytes"
	"fmt"
	"testing"
	"time"
)

// The helpers below fail the subtest with a message that names the call, the
// key and what was expected, so that a failure reads as a sentence about the
// store. They use t.Fatalf: they are only called from the subtest's own
// goroutine (the concurrency subtest reports through t.Errorf instead).

// mustSave saves data under key or fails the subtest.
func (e *env) mustSave(t *testing.T, key string, data []byte, ttl time.Duration) {
	t.Helper()
	if err := e.store.Save(e.ctx, key, data, ttl); err != nil {
		t.Fatalf("Save(%q, %d bytes, ttl %v) returned error: %v", key, len(data), ttl, err)
	}
}

// mustLoad loads key, fails the subtest unless it is found, and returns it.
func (e *env) mustLoad(t *testing.T, key string) []byte {
	t.Helper()
	data, found, err := e.store.Load(e.ctx, key)
	if err != nil {
		t.Fatalf("Load(%q) returned error: %v", key, err)
	}
	if !found {
		t.Fatalf("Load(%q) reported not found; want the record saved under it", key)
	}
	return data
}

// mustMiss loads key and fails the subtest unless the store answers
// (nil, false, nil).
func (e *env) mustMiss(t *testing.T, key string, why string) {
	t.Helper()
	data, found, err := e.store.Load(e.ctx, key)
	if err != nil {
		t.Fatalf("Load(%q) returned error: %v; want (nil, false, nil) since %s", key, err, why)
	}
	if found {
		t.Fatalf("Load(%q) found %s; want not found since %s", key, describe(data), why)
	}
	if data != nil {
		t.Errorf("Load(%q) reported not found but returned %s; want nil data", key, describe(data))
	}
}

// mustDelete deletes key or fails the subtest.
func (e *env) mustDelete(t *testing.T, key string) {
	t.Helper()
	if err := e.store.Delete(e.ctx, key); err != nil {
		t.Fatalf("Delete(%q) returned error: %v", key, err)
	}
}

// checkData reports an error unless got equals want. what says where got
// came from, e.g. `Load("k") after Overwrite`.
func checkData(t *testing.T, what string, got, want []byte) {
	t.Helper()
	if d := diff(got, want); d != "" {
		t.Errorf("%s returned the wrong data: %s", what, d)
	}
}

// diff describes how got differs from want, or returns "" when they are
// equal. It never prints more than a few bytes, so a 1 MiB mismatch stays
// readable.
func diff(got, want []byte) string {
	if bytes.Equal(got, want) {
		return ""
	}
	if len(got) <= 64 && len(want) <= 64 {
		return fmt.Sprintf("got %q, want %q", got, want)
	}
	i := 0
	for i < len(got) && i < len(want) && got[i] == want[i] {
		i++
	}
	switch {
	case i == len(got):
		return fmt.Sprintf("got %d bytes, want %d: got is a truncated copy of want", len(got), len(want))
	case i == len(want):
		return fmt.Sprintf("got %d bytes, want %d: got has %d extra bytes at the end", len(got), len(want), len(got)-len(want))
	default:
		return fmt.Sprintf("got %d bytes, want %d: first difference at offset %d (got 0x%02x, want 0x%02x)",
			len(got), len(want), i, got[i], want[i])
	}
}

// describe prints data briefly for a failure message.
func describe(data []byte) string {
	if len(data) <= 64 {
		return fmt.Sprintf("%q", data)
	}
	return fmt.Sprintf("%d bytes starting %q", len(data), data[:32])
}
