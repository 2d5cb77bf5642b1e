// Package sweep runs a function on a schedule, on a goroutine of its own,
// for the stores that remove expired records in the background (memstore,
// filestore, gormstore).
package sweep

import (
	"context"
	"time"
)

// Sweeper calls a function every interval on its own goroutine until Stop.
// Create it with Start.
type Sweeper struct {
	cancel context.CancelFunc // ends the goroutine's context
	done   chan struct{}      // closed by the goroutine when it has returned
}

// Start starts a goroutine that calls fn every interval, which must be
// positive, until Stop; the first call comes one interval after Start.
// Calls never overlap: a call that takes longer than interval delays the
// next. fn's context is canceled by Stop, so that a call in progress can end
// early. fn gets no say over the schedule: what it does with its errors
// (ignore them, log them) is up to it.
//
// The goroutine holds fn and nothing else: a store that stops its Sweeper
// from a runtime.AddCleanup function must give Start an fn that does not
// reach the store itself.
func Start(interval time.Duration, fn func(ctx context.Context)) *Sweeper {
	ctx, cancel := context.WithCancel(context.Background())
	s := &Sweeper{cancel: cancel, done: make(chan struct{})}
	go s.run(ctx, interval, fn)
	return s
}

// run is the goroutine. It returns when ctx ends.
func (s *Sweeper) run(ctx context.Context, interval time.Duration, fn func(context.Context)) {
	defer close(s.done)
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			fn(ctx)
		}
	}
}

// Stop ends the goroutine, canceling the context of a call in progress, and
// waits until the goroutine has returned. It is idempotent and safe to call
// from many goroutines at once: every call returns once the goroutine has
// ended.
func (s *Sweeper) Stop() {
	s.cancel()
	<-s.done
}

// Done returns a channel that is closed once the goroutine has returned,
// for tests that check that Stop waited for it.
func (s *Sweeper) Done() <-chan struct{} { return s.done }
