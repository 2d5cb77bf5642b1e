package redisstore_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// Failover settings of the private topologies: a node or master that does
// not answer for a second is failed over.
const (
	nodeTimeoutMs  = 1000
	downAfterMs    = 1000
	failoverTimeMs = 5000
	sentinelMaster = "serversession"
)

// replicationArgs make a replica's first full sync immediate: Redis 7 waits
// 5 s by default for more replicas before a diskless sync.
var replicationArgs = []string{"--repl-diskless-sync", "yes", "--repl-diskless-sync-delay", "0"}

// eventually polls cond every 50 ms until it returns nil, and fails t with
// cond's last error after timeout.
func eventually(t testing.TB, timeout time.Duration, what string, cond func(ctx context.Context) error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	for {
		err := cond(ctx)
		if err == nil {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("%s: not within %v: %v", what, timeout, err)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// adminClient is a plain client of one node, for setting up and watching a
// topology, closed when the test ends.
func adminClient(t testing.TB, addr string) *redis.Client {
	c := redis.NewClient(&redis.Options{Addr: addr, DialTimeout: time.Second, ReadTimeout: 2 * time.Second, MaxRetries: -1})
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// cluster is a private Redis Cluster of three masters, each with a replica.
type cluster struct {
	nodes []*redisProc
	admin map[string]*redis.Client // by address
}

// addrs returns every node's address.
func (c *cluster) addrs() []string {
	var a []string
	for _, n := range c.nodes {
		a = append(a, n.addr)
	}
	return a
}

// node returns the node at addr.
func (c *cluster) node(addr string) *redisProc {
	for _, n := range c.nodes {
		if n.addr == addr {
			return n
		}
	}
	return nil
}

// privateReplicatedCluster starts six redis-server nodes with
// cluster-node-timeout 1 s, makes them a cluster of three masters and three
// replicas with redis-cli --cluster create, and waits until every node says
// cluster_state:ok and every replica is in sync with its master.
func privateReplicatedCluster(t testing.TB) *cluster {
	t.Helper()
	cli, err := exec.LookPath("redis-cli")
	if err != nil {
		redisBin(t) // skips or fails as for redis-server
		t.Fatalf("redis-cli not found: %v", err)
	}
	c := &cluster{admin: map[string]*redis.Client{}}
	for i := 0; i < 6; i++ {
		n := startRedis(t, append([]string{"--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
			"--cluster-node-timeout", fmt.Sprint(nodeTimeoutMs)}, replicationArgs...)...)
		c.nodes = append(c.nodes, n)
		c.admin[n.addr] = adminClient(t, n.addr)
	}
	args := append([]string{"--cluster", "create"}, c.addrs()...)
	args = append(args, "--cluster-replicas", "1", "--cluster-yes")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if out, err := exec.CommandContext(ctx, cli, args...).CombinedOutput(); err != nil {
		t.Fatalf("redis-cli %v: %v\n%s", args, err, out)
	}
	c.waitHealthy(t, c.addrs())
	return c
}

// waitHealthy waits until every node at addrs says cluster_state:ok and
// knows every other node, each master serves slots, and every replica's link
// to its master is up.
func (c *cluster) waitHealthy(t testing.TB, addrs []string) {
	t.Helper()
	eventually(t, 30*time.Second, "cluster healthy", func(ctx context.Context) error {
		for _, a := range addrs {
			info, err := c.admin[a].ClusterInfo(ctx).Result()
			if err != nil {
				return err
			}
			if !strings.Contains(info, "cluster_state:ok") || !strings.Contains(info, fmt.Sprintf("cluster_known_nodes:%d", len(c.nodes))) {
				return fmt.Errorf("%s: %s", a, info)
			}
			repl, err := c.admin[a].Info(ctx, "replication").Result()
			if err != nil {
				return err
			}
			if strings.Contains(repl, "role:slave") && !strings.Contains(repl, "master_link_status:up") {
				return fmt.Errorf("%s: replica not in sync: %s", a, repl)
			}
			if strings.Contains(repl, "role:master") && !strings.Contains(repl, "connected_slaves:1") {
				return fmt.Errorf("%s: master without its replica: %s", a, repl)
			}
		}
		return nil
	})
}

// masterOf returns the address of the master that serves slot, as the node
// at via sees it.
func (c *cluster) masterOf(ctx context.Context, via string, slot int) (string, error) {
	shards, err := c.admin[via].ClusterSlots(ctx).Result()
	if err != nil {
		return "", err
	}
	for _, s := range shards {
		if int64(slot) >= int64(s.Start) && int64(slot) <= int64(s.End) && len(s.Nodes) > 0 {
			return s.Nodes[0].Addr, nil
		}
	}
	return "", fmt.Errorf("no master for slot %d", slot)
}

// sentinelGroup is a private master, its replica and three sentinels that
// monitor them with quorum 2.
type sentinelGroup struct {
	master, replica *redisProc
	sentinels       []*redisProc
	admin           map[string]*redis.Client
}

// sentinelAddrs returns the sentinels' addresses.
func (g *sentinelGroup) sentinelAddrs() []string {
	var a []string
	for _, s := range g.sentinels {
		a = append(a, s.addr)
	}
	return a
}

// privateSentinelGroup starts a master, a replica of it and three sentinels
// (down-after-milliseconds 1 s, failover-timeout 5 s, quorum 2), and waits
// until the replica is in sync and every sentinel knows the replica and the
// two other sentinels.
func privateSentinelGroup(t testing.TB) *sentinelGroup {
	t.Helper()
	g := &sentinelGroup{admin: map[string]*redis.Client{}}
	g.master = startRedis(t, replicationArgs...)
	g.replica = startRedis(t, append([]string{"--replicaof", "127.0.0.1", fmt.Sprint(g.master.port)}, replicationArgs...)...)
	for _, r := range []*redisProc{g.master, g.replica} {
		g.admin[r.addr] = adminClient(t, r.addr)
	}
	for i := 0; i < 3; i++ {
		conf := filepath.Join(t.TempDir(), "sentinel.conf")
		text := fmt.Sprintf("sentinel monitor %[1]s 127.0.0.1 %[2]d 2\n"+
			"sentinel down-after-milliseconds %[1]s %[3]d\n"+
			"sentinel failover-timeout %[1]s %[4]d\n"+
			"sentinel parallel-syncs %[1]s 1\n", sentinelMaster, g.master.port, downAfterMs, failoverTimeMs)
		if err := os.WriteFile(conf, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		s := startRedis(t, "--sentinel", conf)
		g.sentinels = append(g.sentinels, s)
		g.admin[s.addr] = adminClient(t, s.addr)
	}
	eventually(t, 30*time.Second, "replica in sync", func(ctx context.Context) error {
		repl, err := g.admin[g.replica.addr].Info(ctx, "replication").Result()
		if err != nil {
			return err
		}
		if !strings.Contains(repl, "master_link_status:up") {
			return fmt.Errorf("%s", repl)
		}
		return nil
	})
	eventually(t, 30*time.Second, "sentinels ready", func(ctx context.Context) error {
		for _, s := range g.sentinels {
			m, err := g.admin[s.addr].Do(ctx, "sentinel", "master", sentinelMaster).Result()
			if err != nil {
				return err
			}
			fields := fmt.Sprint(m)
			if !strings.Contains(fields, "num-slaves:1") || !strings.Contains(fields, "num-other-sentinels:2") {
				return fmt.Errorf("%s: %s", s.addr, fields)
			}
		}
		return nil
	})
	return g
}

// currentMaster returns the master's address as the first sentinel that
// answers says it is.
func (g *sentinelGroup) currentMaster(ctx context.Context) (string, error) {
	var last error
	for _, s := range g.sentinels {
		a, err := g.admin[s.addr].Do(ctx, "sentinel", "get-master-addr-by-name", sentinelMaster).StringSlice()
		if err == nil && len(a) == 2 {
			return net.JoinHostPort(a[0], a[1]), nil
		}
		last = err
	}
	return "", last
}
