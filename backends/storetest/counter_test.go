package storetest_test

import (
	"context"
	"testing"
	"time"

	"github.com/serversession/serversession/backends/memstore"
	"github.com/serversession/serversession/backends/storetest"
	"github.com/serversession/serversession/sessions"
)

// plainStore hides memstore's Touch and LoadTouch.
type plainStore struct{ s *memstore.Store }

func (p plainStore) Load(ctx context.Context, k string) ([]byte, bool, error) {
	return p.s.Load(ctx, k)
}
func (p plainStore) Save(ctx context.Context, k string, d []byte, ttl time.Duration) error {
	return p.s.Save(ctx, k, d, ttl)
}
func (p plainStore) Delete(ctx context.Context, k string) error { return p.s.Delete(ctx, k) }

func TestCount(t *testing.T) {
	ms := memstore.New()
	t.Cleanup(func() { ms.Close() })
	ctx := context.Background()

	c, s := storetest.Count(ms)
	if _, ok := s.(sessions.LoadToucher); !ok {
		t.Fatal("the wrapper of a LoadToucher is not one")
	}
	s.Save(ctx, "k", []byte("v"), time.Hour)
	s.Load(ctx, "k")
	s.(sessions.Toucher).Touch(ctx, "k", time.Hour)
	s.(sessions.LoadToucher).LoadTouch(ctx, "k", time.Hour)
	s.Delete(ctx, "k")
	if n := c.Calls(); n != 5 {
		t.Errorf("Calls() = %d, want 5", n)
	}
	c.Reset()
	if c.Calls() != 0 {
		t.Error("Reset did not reset")
	}

	_, plain := storetest.Count(plainStore{ms})
	if _, ok := plain.(sessions.Toucher); ok {
		t.Error("the wrapper of a plain store claims Touch")
	}
	if _, ok := plain.(sessions.LoadToucher); ok {
		t.Error("the wrapper of a plain store claims LoadTouch")
	}
}
