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

// loadContext is the request's context bounded by a deadline, for its
// load. Kept in the Handle, it allocates nothing unless a store asks for
// Done, where context.WithDeadline would allocate on every load.
type loadContext struct {
	context.Context // the request's
	deadline        time.Time

	mu    sync.Mutex
	done  chan struct{} // made by the first Done
	err   error         // why done closed
	timer *time.Timer   // closes done at the deadline
	stop  func() bool   // stops closing done when the request's context ends
}

// start bounds parent by deadline, unless parent's own comes first.
func (c *loadContext) start(parent context.Context, deadline time.Time) {
	if d, ok := parent.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	c.Context, c.deadline = parent, deadline
}

func (c *loadContext) Deadline() (time.Time, bool) { return c.deadline, true }

func (c *loadContext) Done() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.done == nil {
		c.done = make(chan struct{})
		if c.err = c.current(); c.err != nil {
			close(c.done)
		} else {
			c.timer = time.AfterFunc(time.Until(c.deadline), func() { c.end(context.DeadlineExceeded) })
			c.stop = context.AfterFunc(c.Context, func() { c.end(c.Context.Err()) })
		}
	}
	return c.done
}

func (c *loadContext) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.done != nil {
		return c.err
	}
	return c.current()
}

// current is the error of the context now, from the request and the clock.
func (c *loadContext) current() error {
	if err := c.Context.Err(); err != nil {
		return err
	}
	if !time.Now().Before(c.deadline) {
		return context.DeadlineExceeded
	}
	return nil
}

// end closes done with err, unless it is closed.
func (c *loadContext) end(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err == nil {
		c.err = err
		close(c.done)
	}
}

// release stops the timer and the watch of the request's context, if Done
// started them.
func (c *loadContext) release() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.timer != nil {
		c.timer.Stop()
		c.stop()
	}
}
