package filestore

import (
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/serversession/serversession/sessions"
)

// exists reports whether key has a file in s.
func exists(t *testing.T, s *Store, key string) bool {
	t.Helper()
	_, err := os.Stat(fileOf(s, key))
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return err == nil
}

// TestThresholdPrunesExpiredFirst: going past the threshold removes the
// expired files, and when that is enough, no live session.
func TestThresholdPrunesExpiredFirst(t *testing.T) {
	s := newTestStore(t, WithThreshold(10))
	ctx := t.Context()
	for i := range 3 {
		if err := s.Create(ctx, fmt.Sprint("dead-", i), []byte("x"), time.Millisecond); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(5 * time.Millisecond)
	for i := range 8 { // the 11th file goes past the threshold
		if err := s.Create(ctx, fmt.Sprint("live-", i), []byte("x"), time.Duration(i+1)*time.Hour); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 3 {
		if exists(t, s, fmt.Sprint("dead-", i)) {
			t.Errorf("expired file dead-%d survived the prune", i)
		}
	}
	for i := range 8 {
		if !exists(t, s, fmt.Sprint("live-", i)) {
			t.Errorf("live-%d was evicted although removing the expired files was enough", i)
		}
	}
	if n := len(names(t, s)); n != 8 {
		t.Errorf("directory holds %d files; want 8", n)
	}
}

// TestThresholdEvictsSoonestToExpire: with no expired file to remove, the
// sessions that expire soonest go, down to 90% of the threshold.
func TestThresholdEvictsSoonestToExpire(t *testing.T) {
	s := newTestStore(t, WithThreshold(10))
	ctx := t.Context()
	// Created in an order unrelated to their expiry.
	order := []int{5, 2, 9, 0, 7, 3, 10, 1, 8, 4, 6}
	for _, i := range order {
		if err := s.Create(ctx, fmt.Sprint("s-", i), []byte("x"), time.Duration(i+1)*time.Hour); err != nil {
			t.Fatal(err)
		}
	}
	// 11 files > 10: evict down to 9, the two soonest to expire.
	for i := range 11 {
		want := i >= 2
		if got := exists(t, s, fmt.Sprint("s-", i)); got != want {
			t.Errorf("s-%d (expires in %dh) present = %v; want %v", i, i+1, got, want)
		}
	}
	if got := s.count.Load(); got != 9 {
		t.Errorf("count after the prune = %d; want 9", got)
	}
}

// TestThresholdKeepsJustCreated: the file being created is never evicted,
// even when it expires soonest.
func TestThresholdKeepsJustCreated(t *testing.T) {
	s := newTestStore(t, WithThreshold(3))
	ctx := t.Context()
	for i, ttl := range []time.Duration{3 * time.Hour, 2 * time.Hour, time.Hour} {
		if err := s.Create(ctx, fmt.Sprint("old-", i), []byte("x"), ttl); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Create(ctx, "new", []byte("x"), time.Minute); err != nil {
		t.Fatal(err)
	}
	if !exists(t, s, "new") {
		t.Error("the session just created was evicted")
	}
	if exists(t, s, "old-2") {
		t.Error("old-2, the oldest other session, survived")
	}
	if n := len(names(t, s)); n != 3 {
		t.Errorf("directory holds %d files; want 3", n)
	}
}

// TestThresholdZeroIsUnlimited: WithThreshold(0) never prunes.
func TestThresholdZeroIsUnlimited(t *testing.T) {
	s := newTestStore(t, WithThreshold(0))
	ctx := t.Context()
	for i := range 30 {
		if err := s.Create(ctx, fmt.Sprint("k-", i), []byte("x"), time.Hour); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(names(t, s)); n != 30 {
		t.Errorf("directory holds %d files; want all 30", n)
	}
}

// TestThresholdCountsExistingFiles: files already in the directory when the
// store is made count toward the threshold, and replacements do not.
func TestThresholdCountsExistingFiles(t *testing.T) {
	s := newTestStore(t, WithThreshold(0))
	ctx := t.Context()
	for i := range 5 {
		if err := s.Create(ctx, fmt.Sprint("k-", i), []byte("x"), time.Hour); err != nil {
			t.Fatal(err)
		}
	}
	s2, err := New(s.dir, WithThreshold(5))
	if err != nil {
		t.Fatal(err)
	}
	if got := s2.count.Load(); got != 5 {
		t.Fatalf("count of a store opened on 5 files = %d", got)
	}
	prev := []byte("x")
	for i := range 3 {
		next := []byte{byte('a' + i)}
		if err := s2.Replace(ctx, "k-0", sessions.Record{Data: prev}, next, time.Hour); err != nil {
			t.Fatal(err)
		}
		prev = next
	}
	if got := s2.count.Load(); got != 5 {
		t.Errorf("count after replacing a file = %d; want 5", got)
	}
	if err := s2.Create(ctx, "k-new", []byte("x"), time.Hour); err != nil {
		t.Fatal(err)
	}
	if n := len(names(t, s2)); n > 5 {
		t.Errorf("directory holds %d files after going past a threshold of 5", n)
	}
}

// TestDeleteExpired removes expired files only, and reports a canceled
// context.
func TestDeleteExpired(t *testing.T) {
	s := newTestStore(t, WithThreshold(0))
	ctx := t.Context()
	for i := range 5 {
		if err := s.Create(ctx, fmt.Sprint("dead-", i), []byte("x"), time.Millisecond); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Create(ctx, "live", []byte("x"), time.Hour); err != nil {
		t.Fatal(err)
	}
	time.Sleep(5 * time.Millisecond)
	if n, err := s.DeleteExpired(ctx); err != nil || n != 5 {
		t.Fatalf("DeleteExpired = %d, %v; want 5 removed", n, err)
	}
	if got := names(t, s); len(got) != 1 || !exists(t, s, "live") {
		t.Errorf("after DeleteExpired the directory holds %q; want only live's file", got)
	}
	if got := s.count.Load(); got != 1 {
		t.Errorf("count after DeleteExpired = %d; want 1", got)
	}
	canceled, cancel := contextWithCancel(t)
	cancel()
	if _, err := s.DeleteExpired(canceled); err == nil {
		t.Error("DeleteExpired with a canceled context returned nil")
	}
}
