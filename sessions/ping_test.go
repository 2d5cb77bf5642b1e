package sessions

import (
	"context"
	"errors"
	"testing"
	"time"
)

// pingStore is a testStore that answers Ping itself.
type pingStore struct {
	*testStore
	err   error
	calls int
	ctx   context.Context
}

func (s *pingStore) Ping(ctx context.Context) error {
	s.calls++
	s.ctx = ctx
	return s.err
}

func TestPing(t *testing.T) {
	t.Run("load", func(t *testing.T) {
		st := newTestStore()
		m := MustNew(Config{Store: st})
		if err := m.Ping(t.Context()); err != nil {
			t.Fatalf("Ping = %v; want nil", err)
		}
		if got := st.order; len(got) != 1 || got[0] != "load "+DefaultKeyPrefix+pingID {
			t.Errorf("store calls = %q; want one load of a key no session has", got)
		}
		st.failLoad = errors.New("connection refused")
		if err := m.Ping(t.Context()); !errors.Is(err, ErrPing) || !errors.Is(err, st.failLoad) {
			t.Errorf("Ping on a failing store = %v; want ErrPing wrapping the store's error", err)
		}
	})
	t.Run("pinger", func(t *testing.T) {
		st := &pingStore{testStore: newTestStore()}
		m := MustNew(Config{Store: st})
		if err := m.Ping(context.Background()); err != nil {
			t.Fatalf("Ping = %v; want nil", err)
		}
		if st.calls != 1 || st.total() != 0 {
			t.Errorf("Ping made %d pings and %d other calls; want one ping", st.calls, st.total())
		}
		if d, ok := st.ctx.Deadline(); !ok || time.Until(d) > PingTimeout {
			t.Errorf("the store's context has deadline %v (set %v); want one within PingTimeout", d, ok)
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
		defer cancel()
		_ = m.Ping(ctx)
		if d, _ := st.ctx.Deadline(); time.Until(d) < time.Minute {
			t.Errorf("Ping replaced the caller's deadline with %v", d)
		}
		st.err = errors.New("down")
		if err := m.Ping(ctx); !errors.Is(err, ErrPing) || !errors.Is(err, st.err) {
			t.Errorf("Ping on a failing store = %v; want ErrPing wrapping the store's error", err)
		}
	})
	t.Run("no store", func(t *testing.T) {
		m := MustNew(Config{Logger: newTextLogger(&logBuffer{})})
		if err := m.Ping(t.Context()); !errors.Is(err, ErrNoStore) {
			t.Errorf("Ping without a Store = %v; want ErrNoStore", err)
		}
	})
}
