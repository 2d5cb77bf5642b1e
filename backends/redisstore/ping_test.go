package redisstore_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/serversession/serversession/backends/redisstore"
	"github.com/serversession/serversession/internal/testserver"
	"github.com/serversession/serversession/sessions"
)

// TestManagerPing pings a running Redis through the Manager, then the same
// one stopped (its proxy closed): the health check fails within its
// deadline, and passes again once the server is back.
func TestManagerPing(t *testing.T) {
	p := testserver.StartProxy(t, redisAddr(t))
	rdb := redis.NewClient(&redis.Options{Addr: p.Addr(), MaxRetries: -1, DialerRetries: 1, ContextTimeoutEnabled: true})
	t.Cleanup(func() { _ = rdb.Close() })
	m := sessions.MustNew(sessions.Config{Store: redisstore.New(rdb)})

	if err := m.Ping(t.Context()); err != nil {
		t.Fatalf("Ping on a running Redis = %v; want nil", err)
	}
	p.Stop()
	ctx, cancel := context.WithTimeout(t.Context(), 500*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := m.Ping(ctx)
	if !errors.Is(err, sessions.ErrPing) {
		t.Errorf("Ping on a stopped Redis = %v; want an error wrapping sessions.ErrPing", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Ping on a stopped Redis took %v; want it bounded by its deadline", d)
	}
	p.Start()
	deadline := time.Now().Add(5 * time.Second)
	for m.Ping(t.Context()) != nil {
		if time.Now().After(deadline) {
			t.Fatal("Ping still fails 5s after Redis came back")
		}
		time.Sleep(50 * time.Millisecond)
	}
}
