package storetest

import (
	"bytes"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/serversession/serversession/sessions"
)

// The helpers below fail the subtest with a message that names the call, the
// key and what was expected, so that a failure reads as a sentence about the
// store. They use t.Fatalf: they are only called from the subtest's own
// goroutine (the concurrency subtests report through t.Errorf instead).

// mustCreate creates the record under key, which must not hold a live one,
// or fails the subtest.
func (e *env) mustCreate(t *testing.T, key string, data []byte, ttl time.Duration) {
	t.Helper()
	e.note(key)
	if err := e.store.Create(e.ctx, key, data, ttl); err != nil {
		t.Fatalf("Create(%q, %d bytes, ttl %v) of a key with no live record returned error: %v", key, len(data), ttl, err)
	}
}

// mustReplace replaces the record under key, which must still be old, or
// fails the subtest.
func (e *env) mustReplace(t *testing.T, key string, old sessions.Record, data []byte, ttl time.Duration) {
	t.Helper()
	if err := e.store.Replace(e.ctx, key, old, data, ttl); err != nil {
		hint := ""
		if old.Version == 0 {
			hint = "; a Record with a zero Version (as after the caller's own Create or Replace) must be compared by its Data"
		}
		t.Fatalf("Replace(%q, %s, %d bytes, ttl %v) over the record it names returned error: %v%s",
			key, describeRecord(old), len(data), ttl, err, hint)
	}
}

// mustDeleteIf removes the record under key, which must still be old, or
// fails the subtest.
func (e *env) mustDeleteIf(t *testing.T, key string, old sessions.Record) {
	t.Helper()
	if err := e.store.DeleteIf(e.ctx, key, old); err != nil {
		hint := ""
		if old.Version == 0 {
			hint = "; a Record with a zero Version (as after the caller's own Create or Replace) must be compared by its Data"
		}
		t.Fatalf("DeleteIf(%q, %s) over the record it names returned error: %v%s", key, describeRecord(old), err, hint)
	}
}

// checkKept fails the subtest unless the record under key is still there
// and holds want, after a write whose condition failed. what names that
// write, e.g. `a DeleteIf over stale bytes`.
func (e *env) checkKept(t *testing.T, key string, want []byte, what string) {
	t.Helper()
	rec, found := e.load(t, key)
	if !found {
		t.Fatalf("Load(%q) after %s reported not found; a write whose condition fails must change nothing, and "+
			"DeleteIf must compare the record with old before it deletes", key, what)
	}
	checkData(t, "Load after "+what, rec.Data, want)
}

// load loads key, failing the subtest on an error.
func (e *env) load(t *testing.T, key string) (sessions.Record, bool) {
	t.Helper()
	rec, found, err := e.store.Load(e.ctx, key)
	if err != nil {
		t.Fatalf("Load(%q) returned error: %v", key, err)
	}
	return rec, found
}

// mustLoad loads key, fails the subtest unless it is found, and returns its
// data.
func (e *env) mustLoad(t *testing.T, key string) []byte {
	t.Helper()
	return e.mustLoadRecord(t, key).Data
}

// mustLoadRecord loads key, fails the subtest unless it is found, and
// returns the record.
func (e *env) mustLoadRecord(t *testing.T, key string) sessions.Record {
	t.Helper()
	rec, found := e.load(t, key)
	if !found {
		t.Fatalf("Load(%q) reported not found; want the record written under it", key)
	}
	return rec
}

// mustMiss loads key and fails the subtest unless the store answers
// (Record{}, false, nil).
func (e *env) mustMiss(t *testing.T, key string, why string) {
	t.Helper()
	rec, found, err := e.store.Load(e.ctx, key)
	if err != nil {
		t.Fatalf("Load(%q) returned error: %v; want (Record{}, false, nil) since %s", key, err, why)
	}
	if found {
		t.Fatalf("Load(%q) found %s; want not found since %s", key, describe(rec.Data), why)
	}
	if rec.Data != nil || rec.Version != 0 {
		t.Errorf("Load(%q) reported not found but returned %s; want a zero Record", key, describeRecord(rec))
	}
}

// mustDelete deletes key or fails the subtest.
func (e *env) mustDelete(t *testing.T, key string) {
	t.Helper()
	if err := e.store.Delete(e.ctx, key); err != nil {
		t.Fatalf("Delete(%q) returned error: %v", key, err)
	}
}

// checkConflict reports an error unless err wraps sessions.ErrConflict.
// call names the call and why it had to fail, e.g. `Create("k") over a live
// record`.
func checkConflict(t *testing.T, call string, err error) {
	t.Helper()
	switch {
	case err == nil:
		t.Errorf("%s returned nil; want an error wrapping sessions.ErrConflict, and no write", call)
	case !errors.Is(err, sessions.ErrConflict):
		t.Errorf("%s returned error %v, which does not wrap sessions.ErrConflict; a failed condition must be "+
			"reported with an error for which errors.Is(err, sessions.ErrConflict) holds (e.g. fmt.Errorf(\"…: %%w\", "+
			"sessions.ErrConflict)), or the lifecycle takes it for an outage instead of reloading", call, err)
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

// describeRecord prints a record briefly for a failure message.
func describeRecord(r sessions.Record) string {
	if r.Version == 0 {
		return fmt.Sprintf("Record{Data: %s}", describe(r.Data))
	}
	return fmt.Sprintf("Record{Data: %s, Version: %d}", describe(r.Data), r.Version)
}
