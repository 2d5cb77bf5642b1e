package filestore

import (
	"context"
	"time"
)

// sweeper calls DeleteExpired every interval on its own goroutine until
// stopped.
type sweeper struct {
	cancel context.CancelFunc // ends the goroutine's context
	done   chan struct{}      // closed by the goroutine when it has returned
}

// startSweeper starts the goroutine that calls sweep every interval.
func startSweeper(interval time.Duration, sweep func(context.Context) error) *sweeper {
	ctx, cancel := context.WithCancel(context.Background())
	sw := &sweeper{cancel: cancel, done: make(chan struct{})}
	go sw.run(ctx, interval, sweep)
	return sw
}

// run is the sweeper goroutine. It returns when ctx ends; a sweep in
// progress sees the same ctx and stops early.
func (sw *sweeper) run(ctx context.Context, interval time.Duration, sweep func(context.Context) error) {
	defer close(sw.done)
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			// An error (a directory that cannot be listed) is retried at
			// the next tick; the methods report it to their callers.
			_ = sweep(ctx)
		}
	}
}

// stop ends the goroutine and waits until it has returned. It may be called
// any number of times, from any goroutine.
func (sw *sweeper) stop() {
	sw.cancel()
	<-sw.done
}

// Close stops the background sweep started by WithCleanupInterval and waits
// for it to return; without that option it does nothing. The Store stays
// usable. Close is safe to call more than once and always returns nil.
// A Store made with WithCleanupInterval must be closed, or its goroutine
// runs until the process exits.
func (s *Store) Close() error {
	if s.sweeper != nil {
		s.sweeper.stop()
	}
	return nil
}
