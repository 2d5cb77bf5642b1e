package sweep

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestCallsUntilStop checks that fn is called again and again, and never
// after Stop has returned.
func TestCallsUntilStop(t *testing.T) {
	var calls atomic.Int64
	s := Start(time.Millisecond, func(context.Context) { calls.Add(1) })
	deadline := time.Now().Add(5 * time.Second)
	for calls.Load() < 3 {
		if time.Now().After(deadline) {
			t.Fatalf("%d calls in 5s at a 1ms interval; want at least 3", calls.Load())
		}
		time.Sleep(time.Millisecond)
	}
	s.Stop()
	n := calls.Load()
	time.Sleep(20 * time.Millisecond)
	if m := calls.Load(); m != n {
		t.Fatalf("%d calls after Stop returned; want none", m-n)
	}
}

// TestStopCancelsAndWaits checks that Stop cancels the context of a call in
// progress and returns only once the call and the goroutine have ended, and
// that Stop is idempotent and safe from many goroutines at once.
func TestStopCancelsAndWaits(t *testing.T) {
	started := make(chan struct{})
	var ended atomic.Bool
	s := Start(time.Millisecond, func(ctx context.Context) {
		select {
		case started <- struct{}{}:
		default:
		}
		<-ctx.Done()
		time.Sleep(10 * time.Millisecond) // a call that takes a while to wind down
		ended.Store(true)
	})
	<-started
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			s.Stop()
			if !ended.Load() {
				t.Error("Stop returned before the call in progress ended")
			}
		})
	}
	wg.Wait()
	select {
	case <-s.Done():
	default:
		t.Fatal("Stop returned while the goroutine was still running")
	}
	s.Stop() // once more, after the goroutine has ended
}
