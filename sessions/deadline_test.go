package sessions

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"
)

// deadlineStore notes whether each Load and LoadTouch had a deadline, and
// how far away it was.
type deadlineStore struct {
	Store
	left []time.Duration // -1: none
}

func (s *deadlineStore) note(ctx context.Context) {
	d, ok := ctx.Deadline()
	if !ok {
		s.left = append(s.left, -1)
		return
	}
	s.left = append(s.left, time.Until(d))
}

func (s *deadlineStore) Load(ctx context.Context, key string) (Record, bool, error) {
	s.note(ctx)
	return s.Store.Load(ctx, key)
}

func (s *deadlineStore) LoadTouch(ctx context.Context, key string, ttl time.Duration) (Record, bool, error) {
	s.note(ctx)
	return s.Store.(LoadToucher).LoadTouch(ctx, key, ttl)
}

// A load has a deadline of its own, LoadTimeout, as saves have: a store
// that hangs cannot keep the request pending.
func TestLoadHasDeadline(t *testing.T) {
	var ds *deadlineStore
	h := newHarness(t, func(s *testStore) Store { ds = &deadlineStore{Store: withLoadTouch(s)}; return ds }, nil)
	c := h.login(map[string]any{"a": 1})
	ds.left = nil
	h.serve(read("a"), c)
	if len(ds.left) != 1 || ds.left[0] <= 0 || ds.left[0] > LoadTimeout {
		t.Errorf("the load's deadline was %v from now; want within LoadTimeout (%v)", ds.left, LoadTimeout)
	}
}

// The listing and the revocations of a user's sessions have one too.
func TestListingHasDeadline(t *testing.T) {
	h, is := newIndexHarness(t, nil)
	loginAs(h, "ann")
	var left []time.Duration
	is.onList = func(ctx context.Context) {
		d, ok := ctx.Deadline()
		if !ok {
			left = append(left, -1)
			return
		}
		left = append(left, time.Until(d))
	}
	_, _ = h.m.UserSessions(context.Background(), "ann")
	_, _ = h.m.RevokeAll(context.Background(), "ann", "")
	if len(left) < 2 {
		t.Fatalf("listings seen: %v", left)
	}
	for _, l := range left {
		if l <= 0 || l > LoadTimeout {
			t.Errorf("a listing's deadline was %v from now; want within LoadTimeout (%v)", l, LoadTimeout)
		}
	}
}

// A deadline context (the load's, a commit's) ends at its deadline or with
// its parent, and tells which; released, it reads as canceled, as a
// canceled context.WithDeadline does, and it can be started again.
func TestDeadlineContext(t *testing.T) {
	var c deadlineContext
	c.start(context.Background(), time.Now().Add(20*time.Millisecond))
	if c.Err() != nil {
		t.Fatalf("Err before the deadline: %v", c.Err())
	}
	select {
	case <-c.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("Done did not close at the deadline")
	}
	if !errors.Is(c.Err(), context.DeadlineExceeded) {
		t.Errorf("Err after the deadline: %v", c.Err())
	}
	c.release()

	var c2 deadlineContext
	parent, cancel := context.WithCancel(context.WithValue(context.Background(), http.ServerContextKey, "v"))
	deadline := time.Now().Add(time.Hour)
	c2.start(parent, deadline)
	done := c2.Done()
	cancel()
	<-done
	if !errors.Is(c2.Err(), context.Canceled) || c2.Value(http.ServerContextKey) != "v" {
		t.Errorf("after the request's end: Err %v, Value %v", c2.Err(), c2.Value(http.ServerContextKey))
	}
	if d, ok := c2.Deadline(); !ok || !d.Equal(deadline) {
		t.Errorf("deadline %v, %t; want %v", d, ok, deadline)
	}
	c2.release()

	for _, asked := range []bool{false, true} {
		var c3 deadlineContext
		c3.start(context.Background(), time.Now().Add(time.Hour))
		if asked {
			c3.Done() // starts the timer
		}
		c3.release()
		select {
		case <-c3.Done():
		default:
			t.Errorf("Done asked before release %t: not closed after release", asked)
		}
		if !errors.Is(c3.Err(), context.Canceled) {
			t.Errorf("Done asked before release %t: Err after release %v, want context.Canceled", asked, c3.Err())
		}
		c3.start(context.Background(), time.Now().Add(time.Hour))
		if c3.Err() != nil {
			t.Errorf("Done asked before release %t: Err after a new start %v, want nil", asked, c3.Err())
		}
		c3.release()
	}
}
