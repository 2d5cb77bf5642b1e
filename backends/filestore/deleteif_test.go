package filestore

import (
	"errors"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/serversession/serversession/sessions"
)

// TestDeleteIfKeepsCount: a DeleteIf that removes a session file counts
// one file less, one that conflicts counts nothing, and one that finds an
// expired file removes it and counts it gone; the count matches the
// directory throughout, so the threshold is neither reached early nor
// missed.
func TestDeleteIfKeepsCount(t *testing.T) {
	s := newTestStore(t, WithThreshold(0))
	ctx := t.Context()
	for i := range 4 {
		if err := s.Create(ctx, fmt.Sprint("k-", i), []byte("x"), time.Hour); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Create(ctx, "expiring", []byte("x"), time.Millisecond); err != nil {
		t.Fatal(err)
	}
	check := func(when string, want int64) {
		t.Helper()
		if got := s.count.Load(); got != want {
			t.Errorf("count %s = %d; want %d", when, got, want)
		}
		if n := len(names(t, s)); int64(n) != want {
			t.Errorf("the directory holds %d files %s; want %d", n, when, want)
		}
	}
	check("before any DeleteIf", 5)

	if err := s.DeleteIf(ctx, "k-0", sessions.Record{Data: []byte("x")}); err != nil {
		t.Fatalf("DeleteIf over the record's bytes: %v", err)
	}
	if _, err := os.Stat(fileOf(s, "k-0")); !os.IsNotExist(err) {
		t.Errorf("DeleteIf left the session file in place (stat: %v); want it removed", err)
	}
	check("after a DeleteIf that removed a file", 4)

	if err := s.DeleteIf(ctx, "k-1", sessions.Record{Data: []byte("y")}); !errors.Is(err, sessions.ErrConflict) {
		t.Fatalf("DeleteIf over other bytes returned %v; want a conflict", err)
	}
	check("after a DeleteIf over other bytes", 4)
	for _, key := range []string{"k-0", "never-saved"} {
		if err := s.DeleteIf(ctx, key, sessions.Record{Data: []byte("x")}); !errors.Is(err, sessions.ErrConflict) {
			t.Fatalf("DeleteIf(%q) of a missing file returned %v; want a conflict", key, err)
		}
	}
	check("after DeleteIfs of missing files", 4)

	time.Sleep(5 * time.Millisecond)
	if err := s.DeleteIf(ctx, "expiring", sessions.Record{Data: []byte("x")}); !errors.Is(err, sessions.ErrConflict) {
		t.Fatalf("DeleteIf of an expired file returned %v; want a conflict", err)
	}
	check("after a DeleteIf of an expired file", 3)

	canceled, cancel := contextWithCancel(t)
	cancel()
	if err := s.DeleteIf(canceled, "k-1", sessions.Record{Data: []byte("x")}); err == nil || errors.Is(err, sessions.ErrConflict) {
		t.Errorf("DeleteIf with a canceled context returned %v; want the context's error", err)
	}
	check("after a DeleteIf with a canceled context", 3)
}
