package memcachedstore_test

import (
	"testing"

	"github.com/bradfitz/gomemcache/memcache"

	"github.com/serversession/serversession/backends/memcachedstore"
	"github.com/serversession/serversession/backends/storetest"
	"github.com/serversession/serversession/internal/testserver"
	"github.com/serversession/serversession/sessions"
)

// TestConformance runs the shared store suite against the real memcached
// (the suite gives every subtest keys of its own; nothing is flushed), with
// the item size limit the server reports, and against a port where nothing
// listens.
func TestConformance(t *testing.T) {
	storetest.Run(t, storetest.Harness{
		New: func(t *testing.T) sessions.Store {
			// The test servers run with -I 4m, for the suite's 1 MiB
			// record; the Store must know it, or it refuses that record
			// against the default 1 MiB limit.
			addr := mcAddr(t)
			return memcachedstore.New(newClient(t, addr), memcachedstore.WithItemSizeLimit(itemSizeMax(t, addr)))
		},
		Unreachable: func(t *testing.T) sessions.Store {
			c := memcache.New(testserver.DeadAddr(t))
			t.Cleanup(func() { _ = c.Close() })
			return memcachedstore.New(c)
		},
	})
}
