package redisstore_test

import (
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/serversession/serversession/backends/redisstore"
	"github.com/serversession/serversession/backends/storetest"
	"github.com/serversession/serversession/internal/testserver"
	"github.com/serversession/serversession/sessions"
)

// TestConformance runs the shared store suite against the real Redis (the
// suite gives every subtest keys of its own; nothing is flushed) and against
// a port where nothing listens.
func TestConformance(t *testing.T) {
	storetest.Run(t, storetest.Harness{
		New: func(t *testing.T) sessions.Store {
			return redisstore.New(newClient(t, redisAddr(t)))
		},
		Unreachable: func(t *testing.T) sessions.Store {
			rdb := redis.NewClient(&redis.Options{Addr: testserver.DeadAddr(t), MaxRetries: -1, DialerRetries: 1})
			t.Cleanup(func() { _ = rdb.Close() })
			return redisstore.New(rdb)
		},
	})
}
