package redisstore_test

import (
	"context"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/serversession/serversession/backends/redisstore"
	"github.com/serversession/serversession/backends/storetest"
	"github.com/serversession/serversession/sessions"
)

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
			return redisstore.New(c)
		},
	})
}

// privateCluster starts n redis-server nodes in cluster mode, splits the
// 16384 hash slots between them and waits until the cluster is up. The
// nodes stop when the test ends.
func privateCluster(t *testing.T, n int) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var addrs []string
	var nodes []*redis.Client
	for i := 0; i < n; i++ {
		addr := privateRedis(t, "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
			"--cluster-node-timeout", "5000")
		c := redis.NewClient(&redis.Options{Addr: addr})
		t.Cleanup(func() { _ = c.Close() })
		addrs, nodes = append(addrs, addr), append(nodes, c)
	}
	const slots = 16384
	for i, c := range nodes {
		args := []any{"cluster", "addslots"}
		for s := i * slots / n; s < (i+1)*slots/n; s++ {
			args = append(args, s)
		}
		if err := c.Do(ctx, args...).Err(); err != nil {
			t.Fatalf("cluster addslots on %s: %v", addrs[i], err)
		}
	}
	for i := 1; i < n; i++ {
		host, port, _ := net.SplitHostPort(addrs[i])
		p, _ := strconv.Atoi(port)
		if err := nodes[0].ClusterMeet(ctx, host, strconv.Itoa(p)).Err(); err != nil {
			t.Fatalf("cluster meet %s: %v", addrs[i], err)
		}
	}
	for i, c := range nodes {
		for {
			info, err := c.ClusterInfo(ctx).Result()
			if err == nil && strings.Contains(info, "cluster_state:ok") && strings.Contains(info, "cluster_known_nodes:"+strconv.Itoa(n)) {
				break
			}
			select {
			case <-ctx.Done():
				t.Fatalf("cluster node %s not ready: %v\n%s", addrs[i], ctx.Err(), info)
			case <-time.After(100 * time.Millisecond):
			}
		}
	}
	return addrs
}
