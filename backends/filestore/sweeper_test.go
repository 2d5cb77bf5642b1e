package filestore

import (
	"context"
	"testing"
	"time"

	"github.com/serversession/serversession/internal/sweep/sweeptest"
)

// contextWithCancel returns a child of the test's context.
func contextWithCancel(t *testing.T) (context.Context, context.CancelFunc) {
	return context.WithCancel(t.Context())
}

// TestSweeperRemovesExpired: WithCleanupInterval removes expired files that
// nobody reads again.
func TestSweeperRemovesExpired(t *testing.T) {
	s := newTestStore(t, WithCleanupInterval(10*time.Millisecond))
	ctx := t.Context()
	if err := s.Create(ctx, "dead", []byte("x"), time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if err := s.Create(ctx, "live", []byte("x"), time.Hour); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for exists(t, s, "dead") {
		if time.Now().After(deadline) {
			t.Fatal("the sweeper did not remove the expired file within 5s")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if !exists(t, s, "live") {
		t.Error("the sweeper removed a live file")
	}
}

// TestCloseStopsSweeper: Close returns once the goroutine has returned, is
// safe to call concurrently and repeatedly, and leaves the store usable.
func TestCloseStopsSweeper(t *testing.T) {
	s := newTestStore(t, WithCleanupInterval(time.Millisecond))
	time.Sleep(5 * time.Millisecond)
	sweeptest.CloseStops(t, s.Close, s.sweeper.Done())
	if err := s.Create(t.Context(), "k", []byte("x"), time.Hour); err != nil {
		t.Fatalf("Create after Close: %v", err)
	}
	// Without the option, Close is a no-op.
	if err := newTestStore(t).Close(); err != nil {
		t.Fatal(err)
	}
}
