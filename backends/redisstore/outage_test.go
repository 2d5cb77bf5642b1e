package redisstore_test

import (
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/serversession/serversession/backends/redisstore"
	"github.com/serversession/serversession/backends/storetest"
	"github.com/serversession/serversession/internal/testserver"
)

// TestServerGoesAwayAndComesBack runs the store through a proxy that is
// stopped mid-use: every operation errors (Load never reports not-found)
// while it is down, and the same store works again once it is back. It runs
// with a fail-fast client and with go-redis's defaults, under which repeated
// dial failures open a circuit that a background probe closes within about
// a second of the server's return.
func TestServerGoesAwayAndComesBack(t *testing.T) {
	for _, c := range []struct {
		name string
		opt  redis.Options
	}{
		// go-redis retries a failed dial 5 times and a failed command 3 times.
		{"fail-fast", redis.Options{MaxRetries: -1, DialerRetries: 1}},
		{"go-redis-defaults", redis.Options{}},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := testserver.StartProxy(t, redisAddr(t))
			opt := c.opt
			opt.Addr, opt.ContextTimeoutEnabled = p.Addr(), true
			rdb := redis.NewClient(&opt)
			t.Cleanup(func() { _ = rdb.Close() })
			storetest.ServerComesBack(t, redisstore.New(rdb), p, 10*time.Second)
		})
	}
}
