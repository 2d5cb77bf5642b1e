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
// suite gives every subtest keys of its own, and the store user indexes
// under a prefix of the subtest's own, dropped when it ends; nothing is
// flushed) and against a port where nothing listens.
func TestConformance(t *testing.T) {
	storetest.Run(t, storetest.Harness{
		New: func(t *testing.T) sessions.Store {
			s, _ := indexStore(t, newClient(t, redisAddr(t)))
			return s
		},
		IndexEntries: indexEntries,
		Unreachable: func(t *testing.T) sessions.Store {
			rdb := redis.NewClient(&redis.Options{Addr: testserver.DeadAddr(t), MaxRetries: -1, DialerRetries: 1})
			t.Cleanup(func() { _ = rdb.Close() })
			return redisstore.New(rdb)
		},
	})
}

// TestConformanceCluster runs the suite through a *redis.ClusterClient, on a
// three-node Redis Cluster of the test's own, so that keys spread over
// every node: the Store's commands must carry their key where go-redis
// routes by it.
func TestConformanceCluster(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a three-node Redis Cluster; skipped with -short")
	}
	addrs := privateCluster(t, 3)
	storetest.Run(t, storetest.Harness{
		New: func(t *testing.T) sessions.Store {
			c := redis.NewClusterClient(&redis.ClusterOptions{Addrs: addrs, ContextTimeoutEnabled: true})
			t.Cleanup(func() { _ = c.Close() })
			s, _ := indexStore(t, c)
			return s
		},
		IndexEntries: indexEntries,
	})
}

// indexEntries counts the entries of user's index in s, a Store the
// harness made, with ZCARD: the entries of records that are gone but not
// yet pruned included; never from a client-side cache.
func indexEntries(t *testing.T, s sessions.Store, user string) int {
	t.Helper()
	rs, ok := s.(*redisstore.Store)
	if !ok {
		t.Fatalf("indexEntries: %T is not a *redisstore.Store", s)
	}
	n, err := redisstore.ClientOf(rs).ZCard(redis.WithoutCache(t.Context()), redisstore.UserKeyOf(rs, user)).Result()
	if err != nil {
		t.Fatalf("ZCARD of %q's index: %v", user, err)
	}
	return int(n)
}

// TestConformanceCached runs the suite through a client with go-redis's
// client-side cache, as the package documentation sets it up.
func TestConformanceCached(t *testing.T) {
	storetest.Run(t, storetest.Harness{
		New: func(t *testing.T) sessions.Store {
			s, _ := indexStore(t, cachedClient(t, redisAddr(t)))
			return s
		},
		IndexEntries: indexEntries,
	})
}
