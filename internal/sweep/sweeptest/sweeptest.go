// Package sweeptest checks the Close method of a store that runs a
// sweep.Sweeper.
package sweeptest

import (
	"sync"
	"testing"
)

// CloseStops calls closeFn from 8 goroutines at once, then once more, and
// fails t unless every call returns nil and done (the sweeper's Done) is
// closed as soon as the concurrent calls have returned: Close must wait for
// the sweeper's goroutine to end, and be idempotent and safe for concurrent
// use.
func CloseStops(t testing.TB, closeFn func() error, done <-chan struct{}) {
	t.Helper()
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if err := closeFn(); err != nil {
				t.Errorf("Close: %v", err)
			}
		})
	}
	wg.Wait()
	select {
	case <-done:
	default:
		t.Fatal("Close returned while the sweeper goroutine was still running")
	}
	if err := closeFn(); err != nil {
		t.Fatalf("Close after Close: %v", err)
	}
}
