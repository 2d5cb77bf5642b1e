package memstore

import (
	"context"
	"errors"
	"runtime"
	"testing"
	"time"

	"github.com/serversession/serversession/internal/sweep/sweeptest"
	"github.com/serversession/serversession/sessions"
)

// count returns how many entries the store holds, expired or not.
func (s *Store) count() int {
	n := 0
	for i := range s.records.shards {
		sh := &s.records.shards[i]
		sh.mu.RLock()
		n += len(sh.m)
		sh.mu.RUnlock()
	}
	return n
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, what string, within time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not true after %v", what, within)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestSweeperRemovesExpired: expired entries that nobody loads again are
// removed by the sweeper, and live ones are kept.
func TestSweeperRemovesExpired(t *testing.T) {
	s := New(WithCleanupInterval(10 * time.Millisecond))
	t.Cleanup(func() { _ = s.Close() })
	ctx := t.Context()
	for i := range 100 {
		if err := s.Create(ctx, "dead:"+string(rune('a'+i%26))+string(rune('0'+i/26)), []byte("x"), time.Millisecond); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Create(ctx, "live", []byte("y"), time.Hour); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "sweeper removed the 100 expired entries", 5*time.Second, func() bool { return s.count() == 1 })
	if _, found, err := s.Load(ctx, "live"); err != nil || !found {
		t.Fatalf("Load(live) after a sweep = (found %v, err %v); want the record", found, err)
	}
}

// TestExpiredNeverReturned: with the sweeper off, an expired entry is still
// never returned, and loading it frees it.
func TestExpiredNeverReturned(t *testing.T) {
	s := New(WithCleanupInterval(0))
	ctx := t.Context()
	if err := s.Create(ctx, "k", []byte("x"), time.Millisecond); err != nil {
		t.Fatal(err)
	}
	time.Sleep(5 * time.Millisecond)
	if s.count() != 1 {
		t.Fatalf("count = %d before Load; want the expired entry still held (no sweeper)", s.count())
	}
	if rec, found, err := s.Load(ctx, "k"); err != nil || found || rec.Data != nil {
		t.Fatalf("Load of an expired entry = (%q, %v, %v); want (Record{}, false, nil)", rec.Data, found, err)
	}
	if s.count() != 0 {
		t.Fatalf("count = %d after loading an expired entry; want it removed", s.count())
	}
}

// TestDeleteExpired: the manual cleanup removes expired entries only, and
// stops with the context's error when canceled.
func TestDeleteExpired(t *testing.T) {
	s := New(WithCleanupInterval(0))
	ctx := t.Context()
	for _, k := range []string{"a", "b", "c"} {
		if err := s.Create(ctx, k, []byte(k), time.Millisecond); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Create(ctx, "live", []byte("live"), time.Hour); err != nil {
		t.Fatal(err)
	}
	time.Sleep(5 * time.Millisecond)
	if n, err := s.DeleteExpired(ctx); err != nil || n != 3 {
		t.Fatalf("DeleteExpired = %d, %v; want 3 removed", n, err)
	}
	if n := s.count(); n != 1 {
		t.Fatalf("count after DeleteExpired = %d; want 1", n)
	}
	canceled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := s.DeleteExpired(canceled); err == nil {
		t.Fatal("DeleteExpired with a canceled context returned nil; want an error")
	}
}

// TestNonPositiveTTL: a TTL of zero or less is refused rather than stored
// dead.
func TestNonPositiveTTL(t *testing.T) {
	s := New(WithCleanupInterval(0))
	ctx := t.Context()
	for _, ttl := range []time.Duration{0, -time.Second} {
		if err := s.Create(ctx, "k", []byte("x"), ttl); err == nil {
			t.Errorf("Create with ttl %v returned nil; want an error", ttl)
		}
		if err := s.Replace(ctx, "k", sessions.Record{Data: []byte("x")}, []byte("x"), ttl); err == nil || errors.Is(err, sessions.ErrConflict) {
			t.Errorf("Replace with ttl %v returned %v; want an error about the ttl", ttl, err)
		}
		if _, _, err := s.LoadTouch(ctx, "k", ttl); err == nil {
			t.Errorf("LoadTouch with ttl %v returned nil; want an error", ttl)
		}
	}
	if err := s.Create(ctx, "max", []byte("x"), time.Duration(1<<63-1)); err != nil {
		t.Fatalf("Create with the largest ttl: %v", err)
	}
	if _, found, err := s.Load(ctx, "max"); err != nil || !found {
		t.Fatalf("Load after Create with the largest ttl = (found %v, err %v); want the record (no overflow)", found, err)
	}
}

// TestCloseStopsSweeper: Close returns only once the sweeper goroutine has
// returned, may be called many times and concurrently, and leaves the store
// usable.
func TestCloseStopsSweeper(t *testing.T) {
	s := New(WithCleanupInterval(time.Millisecond))
	time.Sleep(5 * time.Millisecond) // let it sweep a few times
	sweeptest.CloseStops(t, s.Close, s.sweeper.Done())
	ctx := t.Context()
	if err := s.Create(ctx, "k", []byte("x"), time.Hour); err != nil {
		t.Fatalf("Create after Close: %v", err)
	}
	if _, found, err := s.Load(ctx, "k"); err != nil || !found {
		t.Fatalf("Load after Close = (found %v, err %v); want the record", found, err)
	}
}

// TestNoGoroutineLeft: closing stores brings the goroutine count back, and
// so does dropping them without Close once the collector frees them.
func TestNoGoroutineLeft(t *testing.T) {
	base := runtime.NumGoroutine()
	stores := make([]*Store, 10)
	for i := range stores {
		stores[i] = New(WithCleanupInterval(time.Millisecond))
	}
	if n := runtime.NumGoroutine(); n < base+len(stores) {
		t.Fatalf("%d goroutines after starting %d sweepers on top of %d; the test cannot see them", n, len(stores), base)
	}
	for _, s := range stores {
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "goroutines back to the base after Close", 5*time.Second, func() bool {
		return runtime.NumGoroutine() <= base
	})

	func() {
		for range 10 {
			_ = New(WithCleanupInterval(time.Millisecond)) // dropped without Close
		}
	}()
	waitFor(t, "goroutines back to the base after the stores were collected", 5*time.Second, func() bool {
		runtime.GC()
		return runtime.NumGoroutine() <= base
	})
}
