package sessions

import (
	"context"
	"sync"
	"time"
)

// LoadTimeout bounds the loads of a request's session, and the listings and
// revocations of a user's sessions, whose context has no earlier deadline,
// so that a store that hangs cannot hold a request forever. Saves have
// SaveTimeout.
const LoadTimeout = 5 * time.Second

// loadContext is the context of a request's load: the request's context,
// bounded by a deadline. It lives in the Handle and allocates nothing
// unless a store asks for Done (the channel and its timer are made then),
// so a load on a store that only reads the deadline costs no allocation.
type loadContext struct {
	context.Context // the request's
	deadline        time.Time

	once  sync.Once
	mu    sync.Mutex
	done  chan struct{}
	err   error       // why done closed
	timer *time.Timer // closes done at the deadline
	stop  func() bool // stops closing done when the request's context ends
}

// start makes c the request context parent bounded by deadline, or by
// parent's own deadline if that comes first.
func (c *loadContext) start(parent context.Context, deadline time.Time) {
	if d, ok := parent.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	c.Context, c.deadline = parent, deadline
}

// Deadline returns the load's deadline.
func (c *loadContext) Deadline() (time.Time, bool) { return c.deadline, true }

// Done returns a channel closed at the deadline or when the request's
// context ends, made on first call.
func (c *loadContext) Done() <-chan struct{} {
	c.once.Do(func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		c.done = make(chan struct{})
		if err := c.current(); err != nil {
			c.end(err)
			return
		}
		c.timer = time.AfterFunc(time.Until(c.deadline), func() { c.endLocked(context.DeadlineExceeded) })
		c.stop = context.AfterFunc(c.Context, func() { c.endLocked(context.Cause(c.Context)) })
	})
	return c.done
}

// Err returns nil until the deadline or the request's end, then why.
func (c *loadContext) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.done != nil {
		return c.err
	}
	return c.current()
}

// current is the error of the context now, from the clock and the request.
func (c *loadContext) current() error {
	if err := c.Context.Err(); err != nil {
		return err
	}
	if !time.Now().Before(c.deadline) {
		return context.DeadlineExceeded
	}
	return nil
}

// endLocked closes done with err, once.
func (c *loadContext) endLocked(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.end(err)
}

// end closes done with err unless it is closed; the caller holds c.mu.
func (c *loadContext) end(err error) {
	if c.err == nil {
		if err == nil {
			err = context.Canceled
		}
		c.err = err
		close(c.done)
	}
}

// release stops the timer and the watch of the request's context, if Done
// made them.
func (c *loadContext) release() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.timer != nil {
		c.timer.Stop()
	}
	if c.stop != nil {
		c.stop()
	}
}

// bounded returns ctx with a deadline LoadTimeout from now, unless it has
// an earlier one, for the listings and revocations of a user's sessions.
func bounded(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, LoadTimeout)
}
