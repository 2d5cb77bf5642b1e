package redisstore_test

import (
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/serversession/serversession/internal/testserver"
)

// redisAddr returns the shared test Redis, or skips (fails when servers are
// required) when it is not running.
func redisAddr(t testing.TB) string {
	t.Helper()
	return testserver.Addr(t, "SERVERSESSION_REDIS_ADDR", "127.0.0.1:6379")
}

// newClient returns a client for addr that honours context deadlines and is
// closed when the test ends.
func newClient(t testing.TB, addr string) *redis.Client {
	t.Helper()
	c := redis.NewClient(&redis.Options{
		Addr:                  addr,
		ContextTimeoutEnabled: true,
		DialTimeout:           2 * time.Second,
		ReadTimeout:           10 * time.Second,
		WriteTimeout:          10 * time.Second,
	})
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// prefix returns a key prefix of the test's own, so that tests never see or
// touch each other's keys on the shared server (nothing is ever flushed).
func prefix(t testing.TB) string {
	t.Helper()
	return testserver.KeyPrefix(t, "redisstore")
}
