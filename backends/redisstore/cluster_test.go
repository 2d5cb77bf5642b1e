package redisstore_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/serversession/serversession/backends/redisstore"
	"github.com/serversession/serversession/sessions"
)

// TestClusterConditionalWrites runs Create, Replace, DeleteIf and their
// refusals through a *redis.ClusterClient on a three-node Redis Cluster of
// the test's own, for keys in slots on every node: the Replace and DeleteIf
// scripts name their one key, so go-redis sends them to the node that holds
// it, and each call is one round trip there.
func TestClusterConditionalWrites(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a three-node Redis Cluster; skipped with -short")
	}
	addrs := privateCluster(t, 3)
	c := redis.NewClusterClient(&redis.ClusterOptions{Addrs: addrs, ContextTimeoutEnabled: true})
	t.Cleanup(func() { _ = c.Close() })
	s := redisstore.New(c)
	ctx := context.Background()
	nodes := map[string]bool{}
	for i := 0; i < 30; i++ {
		key := fmt.Sprintf("%s%d", prefix(t), i)
		if err := s.Create(ctx, key, []byte("v1"), time.Hour); err != nil {
			t.Fatalf("Create(%s): %v", key, err)
		}
		if err := s.Create(ctx, key, []byte("x"), time.Hour); !errors.Is(err, sessions.ErrConflict) {
			t.Fatalf("Create(%s) over a live record = %v; want ErrConflict", key, err)
		}
		old, ok, err := s.Load(ctx, key)
		if err != nil || !ok {
			t.Fatalf("Load(%s) = %v, %v", key, ok, err)
		}
		if err := s.Replace(ctx, key, old, []byte("v2"), time.Hour); err != nil {
			t.Fatalf("Replace(%s): %v", key, err)
		}
		if err := s.Replace(ctx, key, old, []byte("v3"), time.Hour); !errors.Is(err, sessions.ErrConflict) {
			t.Fatalf("Replace(%s) from a stale record = %v; want ErrConflict", key, err)
		}
		if rec, _, _ := s.Load(ctx, key); string(rec.Data) != "v2" {
			t.Fatalf("Load(%s) = %q; want v2", key, rec.Data)
		}
		if err := s.DeleteIf(ctx, key, old); !errors.Is(err, sessions.ErrConflict) {
			t.Fatalf("DeleteIf(%s) from a stale record = %v; want ErrConflict", key, err)
		}
		if rec, _, _ := s.Load(ctx, key); string(rec.Data) != "v2" {
			t.Fatalf("Load(%s) after a refused DeleteIf = %q; want v2", key, rec.Data)
		}
		if err := s.DeleteIf(ctx, key, sessions.Record{Data: []byte("v2")}); err != nil {
			t.Fatalf("DeleteIf(%s): %v", key, err)
		}
		if n := c.Exists(ctx, key).Val(); n != 0 {
			t.Fatalf("DeleteIf(%s) left the key", key)
		}
		if err := s.DeleteIf(ctx, key, sessions.Record{Data: []byte("v2")}); !errors.Is(err, sessions.ErrConflict) {
			t.Fatalf("DeleteIf(%s) after DeleteIf = %v; want ErrConflict", key, err)
		}
		if err := s.Create(ctx, key, []byte("v2"), time.Hour); err != nil {
			t.Fatalf("Create(%s) after DeleteIf: %v", key, err)
		}
		if err := s.Delete(ctx, key); err != nil {
			t.Fatalf("Delete(%s): %v", key, err)
		}
		if err := s.Replace(ctx, key, sessions.Record{Data: []byte("v2")}, []byte("v4"), time.Hour); !errors.Is(err, sessions.ErrConflict) {
			t.Fatalf("Replace(%s) after Delete = %v; want ErrConflict", key, err)
		}
		if n := c.Exists(ctx, key).Val(); n != 0 {
			t.Fatalf("Replace(%s) after Delete created the key", key)
		}
		node, err := c.MasterForKey(ctx, key)
		if err != nil {
			t.Fatalf("MasterForKey(%s): %v", key, err)
		}
		nodes[node.Options().Addr] = true
	}
	if len(nodes) != 3 {
		t.Fatalf("the keys landed on %d nodes; want all 3", len(nodes))
	}
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
