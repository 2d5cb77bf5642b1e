// Package retry is the one wait-and-retry loop of the module: call an
// operation, and while it fails in a way worth another try, wait a delay
// that grows with each try, giving up early when the context ends.
//
// The stores use Do for their own short loops (a statement the database
// rolled back as a deadlock victim, a lock another process holds, a write
// sent to a Cluster node that has just lost its slot). Sleep and Jitter are
// the pieces for a loop that must do more between tries than wait, such as
// drop a lock and reload a record.
//
// It needs nothing outside the standard library.
package retry

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"time"
)

// Policy says how Do retries an operation.
type Policy struct {
	// Attempts is the most times Do calls the operation. Zero means no
	// limit: only the context then ends the loop.
	Attempts int
	// Delay returns how long to wait after the n-th failed call (n counts
	// from 1) before the next. A nil Delay does not wait.
	Delay func(n int) time.Duration
	// Retry reports whether an error is worth another call. A nil Retry
	// retries every error.
	Retry func(error) bool
}

// Do calls op until it returns nil, returns an error p.Retry rejects, or
// has been called p.Attempts times, waiting p.Delay(n) after the n-th
// failed call. It returns op's last error, or nil. The first call is made
// whatever the state of ctx (op is expected to look at ctx itself); if ctx
// ends while Do waits, Do returns at once with an error that wraps op's
// last error and ctx.Err() (and the context's cause, if one was given), so
// that errors.Is finds context.Canceled or context.DeadlineExceeded.
func Do(ctx context.Context, p Policy, op func() error) error {
	for n := 1; ; n++ {
		err := op()
		if err == nil || (p.Retry != nil && !p.Retry(err)) || n == p.Attempts {
			return err
		}
		var d time.Duration
		if p.Delay != nil {
			d = p.Delay(n)
		}
		if cause := Sleep(ctx, d); cause != nil {
			if ctxErr := ctx.Err(); cause != ctxErr {
				return fmt.Errorf("%w (stopped retrying: %w: %w)", err, ctxErr, cause)
			}
			return fmt.Errorf("%w (stopped retrying: %w)", err, cause)
		}
	}
}

// Sleep waits for d, or until ctx ends, whichever comes first. It returns
// nil once d has passed, and context.Cause(ctx) if ctx ended first or had
// already ended. A d of zero or less does not wait.
func Sleep(ctx context.Context, d time.Duration) error {
	if ctx.Err() != nil {
		return context.Cause(ctx)
	}
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}

// Exponential returns a Policy.Delay that waits first after the first
// failed call and factor times longer after each further one, never longer
// than limit (zero: no limit but the largest time.Duration). A factor
// below 1 counts as 1: the same delay each time.
func Exponential(first time.Duration, factor int, limit time.Duration) func(n int) time.Duration {
	f := time.Duration(max(factor, 1))
	if limit <= 0 {
		limit = math.MaxInt64
	}
	return func(n int) time.Duration {
		d := min(first, limit)
		for i := 1; i < n && d < limit && f > 1; i++ {
			if d > limit/f {
				return limit
			}
			d *= f
		}
		return d
	}
}

// Jitter returns a random duration in [0, d), so that processes that
// collided once do not wait the same time and collide again ("full
// jitter"). It returns 0 for a d of zero or less.
func Jitter(d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	return time.Duration(rand.Int64N(int64(d)))
}
