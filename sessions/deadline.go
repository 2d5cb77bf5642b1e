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

// deadlineContext is a context bounded by a deadline that allocates
// nothing unless a store asks for Done, where context.WithDeadline would
// allocate on every use. The Handle keeps two: one for the load, one for
// the store calls of a commit. One is started before each use and released
// after it.
type deadlineContext struct {
	context.Context // the request's, or for a save the request's without its cancellation
	deadline        time.Time

	mu    sync.Mutex
	done  chan struct{} // made by the first Done
	err   error         // why done closed
	timer *time.Timer   // closes done at the deadline
	stop  func() bool   // stops closing done when the parent context ends
}

// start bounds parent by deadline, unless parent's own comes first. It
// may start c again after a release (a request's second commit); a store
// must not keep a context past its call, and the lock keeps one that does
// from racing with the restart.
func (c *deadlineContext) start(parent context.Context, deadline time.Time) {
	if d, ok := parent.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.Context, c.deadline = parent, deadline
	c.done, c.err, c.timer, c.stop = nil, nil, nil, nil
}

func (c *deadlineContext) Deadline() (time.Time, bool) { return c.deadline, true }

func (c *deadlineContext) Done() <-chan struct{} {
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

func (c *deadlineContext) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.done != nil {
		return c.err
	}
	return c.current()
}

// current is the error of the context now, from the request and the clock.
func (c *deadlineContext) current() error {
	if err := c.Context.Err(); err != nil {
		return err
	}
	if !time.Now().Before(c.deadline) {
		return context.DeadlineExceeded
	}
	return nil
}

// end closes done with err, unless it is closed.
func (c *deadlineContext) end(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err == nil {
		c.err = err
		close(c.done)
	}
}

// release ends c, as a context.WithDeadline's cancel would, so that no
// work a store started with it outlives the call, and stops the timer and
// the watch of the parent context if Done started them.
func (c *deadlineContext) release() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.timer != nil {
		c.timer.Stop()
		c.stop()
	}
	if c.done == nil {
		c.done = closedChan
	} else if c.err == nil {
		close(c.done)
	}
	if c.err == nil {
		c.err = context.Canceled
	}
}

// closedChan is the Done of a context released before anyone asked for it.
var closedChan = func() chan struct{} {
	c := make(chan struct{})
	close(c)
	return c
}()
