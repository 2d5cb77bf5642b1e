//go:build darwin || dragonfly || freebsd || linux || netbsd || openbsd

package filestore

import (
	"context"
	"errors"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/serversession/serversession/sessions"
)

// TestFlockWait: a write waits while another process holds its stripe's
// flock, goes ahead once the lock is released, and gives up with the
// context's error, never a conflict, when the context ends first.
func TestFlockWait(t *testing.T) {
	s := newTestStore(t)
	_, stripe := s.path("k")
	// A descriptor of its own stands for another process: flock locks
	// belong to the open file, so this one excludes the store's.
	other, err := s.openLockFile(stripe)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if err := flock(other, syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	err = s.Create(ctx, "k", []byte("v"), time.Hour)
	switch {
	case err == nil:
		t.Fatal("Create while another process holds the stripe's lock returned nil; want it to wait, then fail")
	case !errors.Is(err, context.DeadlineExceeded) || errors.Is(err, sessions.ErrConflict):
		t.Fatalf("Create whose context ended while it waited for the lock = %v; want context.DeadlineExceeded, no conflict", err)
	case !strings.Contains(err.Error(), "waiting for the lock held by another process"):
		t.Errorf("Create whose context ended while it waited for the lock = %q; want it to say what it waited for", err)
	}

	released := time.AfterFunc(20*time.Millisecond, func() { _ = funlock(other) })
	defer released.Stop()
	start := time.Now()
	if err := s.Create(t.Context(), "k", []byte("v"), time.Hour); err != nil {
		t.Fatalf("Create once the other process let go of the lock: %v", err)
	}
	if d := time.Since(start); d < 15*time.Millisecond {
		t.Errorf("Create took %v while the lock was held for 20ms; want it to have waited", d)
	}
	if rec, found, err := s.Load(t.Context(), "k"); err != nil || !found || string(rec.Data) != "v" {
		t.Fatalf("Load after the waited Create = (%q, %v, %v); want v", rec.Data, found, err)
	}
}
