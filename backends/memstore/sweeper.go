package memstore

import (
	"context"
	"fmt"
	"time"
)

// sweeper runs a function every interval on its own goroutine until stopped.
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
// progress sees the same ctx and ends early.
func (sw *sweeper) run(ctx context.Context, interval time.Duration, sweep func(context.Context) error) {
	defer close(sw.done)
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			_ = sweep(ctx) // the only error is ctx's, when stopping
		}
	}
}

// stop ends the goroutine and waits until it has returned. It may be called
// any number of times, from any goroutine.
func (sw *sweeper) stop() {
	sw.cancel()
	<-sw.done
}

// Close stops the background sweeper and waits for it to return. The Store
// stays usable: expired records are still never returned. Close is safe to
// call more than once and always returns nil.
func (s *Store) Close() error {
	if s.sweeper != nil {
		s.cleanup.Stop()
		s.sweeper.stop()
	}
	return nil
}

// DeleteExpired removes every expired record now. The sweeper calls it on
// its schedule; call it yourself when the sweeper is off. It stops early,
// returning an error that wraps ctx.Err(), when ctx ends.
func (s *Store) DeleteExpired(ctx context.Context) error {
	return s.records.deleteExpired(ctx)
}

// deleteExpired removes expired records one shard at a time, so that no
// lock is held for long.
func (r *records) deleteExpired(ctx context.Context) error {
	for i := range r.shards {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("memstore: delete expired: %w", err)
		}
		now := r.now()
		sh := &r.shards[i]
		sh.mu.Lock()
		for k, e := range sh.m {
			if e.expires <= now {
				delete(sh.m, k)
			}
		}
		sh.mu.Unlock()
	}
	return nil
}
