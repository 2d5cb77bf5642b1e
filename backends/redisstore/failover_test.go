package redisstore_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/serversession/serversession/adapters/httpsession"
	"github.com/serversession/serversession/backends/redisstore"
	"github.com/serversession/serversession/sessions"
)

// Traffic of the failover tests: failoverClients clients, each on a session
// of its own, increment a counter in a loop; the master goes away after
// trafficBefore, and the traffic goes on for trafficAfter.
const (
	failoverClients = 32
	trafficBefore   = time.Second
	trafficAfter    = 5 * time.Second
	waitTimeout     = 500 * time.Millisecond
)

// clientTimeouts are the go-redis settings of the failover tests: dials and
// reads fail fast, and a command is retried through a failover, with a
// ReadTimeout above the WAIT timeout.
var clientTimeouts = struct {
	dial, read, write time.Duration
	retries           int
	minBackoff        time.Duration
	maxBackoff        time.Duration
}{300 * time.Millisecond, 2 * time.Second, time.Second, 5, 50 * time.Millisecond, 500 * time.Millisecond}

// counterApp is an app over store: /incr increments the session's
// counter and answers "<new value> <session ID>", /get answers the same
// without writing.
func counterApp(store sessions.Store, prefix string) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /incr", func(w http.ResponseWriter, r *http.Request) {
		s := sessions.Get(r)
		n, _ := sessions.Value[int](s, "n")
		s.Set("n", n+1)
		fmt.Fprintf(w, "%d %s", n+1, s.ID())
	})
	mux.HandleFunc("GET /untouched", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
	mux.HandleFunc("GET /get", func(w http.ResponseWriter, r *http.Request) {
		s := sessions.Get(r)
		n, _ := sessions.Value[int](s, "n")
		fmt.Fprintf(w, "%d %s", n, s.ID())
	})
	return httpsession.New(sessions.Config{
		Store:     store,
		SecretKey: []byte("failover-test-secret-key-32bytes"),
		KeyPrefix: prefix,
		Logger:    slog.New(slog.NewTextHandler(io.Discard, nil)),
	})(mux)
}

// trafficClient is one client of the traffic: its own cookie jar, and what
// the app acknowledged to it.
type trafficClient struct {
	hc      *http.Client
	id      string // the session ID of its first acknowledged write
	lastAck int    // the last counter value a 2xx answer gave it
	// regressions counts 2xx answers whose value was not above lastAck: an
	// acknowledged write had been lost. newSession counts answers under
	// another session ID.
	regressions, newSession int
	lastOK                  time.Time
	maxGap                  time.Duration // the longest wait between two 2xx answers
}

// outcome is one request's result.
type outcome struct {
	end    time.Time
	status int // 0: a transport error
}

// get sends GET path and returns the status, the value and session ID of
// the answer.
func (c *trafficClient) get(url string) (int, int, string, error) {
	res, err := c.hc.Get(url)
	if err != nil {
		return 0, 0, "", err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		return 0, 0, "", err
	}
	if res.StatusCode/100 != 2 {
		return res.StatusCode, 0, "", nil
	}
	n, id, _ := strings.Cut(string(body), " ")
	v, err := strconv.Atoi(n)
	if err != nil {
		return res.StatusCode, 0, "", fmt.Errorf("body %q: %v", body, err)
	}
	return res.StatusCode, v, id, nil
}

// failoverFigures is what a failover test measured.
type failoverFigures struct {
	ok, serverErr, transportErr int
	lostWrites                  int           // clients that lost an acknowledged write
	lostSessions                int           // clients whose session vanished
	unavailable                 time.Duration // kill to the last failed request
	stall                       time.Duration // the longest a client waited for a 2xx
	failover                    time.Duration // kill to promotion seen
}

// runFailover runs the traffic through an httptest server over store, calls
// kill after trafficBefore (kill returns once the replica has taken over,
// and how long that took after the kill), and goes on for trafficAfter. It
// then reads every counter back through the app and returns the figures.
// pick, given the clients' session keys after a first request each, is
// called before the traffic starts.
func runFailover(t *testing.T, store sessions.Store, prefix string, pick func(keys []string), kill func() time.Duration) failoverFigures {
	t.Helper()
	srv := httptest.NewServer(counterApp(store, prefix))
	defer srv.Close()
	clients := make([]*trafficClient, failoverClients)
	var keys []string
	for i := range clients {
		jar, _ := cookiejar.New(nil)
		tr := &http.Transport{}
		defer tr.CloseIdleConnections()
		c := &trafficClient{hc: &http.Client{Jar: jar, Transport: tr, Timeout: 15 * time.Second}}
		code, n, id, err := c.get(srv.URL + "/incr")
		if err != nil || code != http.StatusOK || n != 1 {
			t.Fatalf("client %d: first /incr = %d %d %v", i, code, n, err)
		}
		c.id, c.lastAck = id, 1
		clients[i] = c
		keys = append(keys, prefix+id)
	}
	pick(keys)

	var (
		mu       sync.Mutex
		outcomes []outcome
		wg       sync.WaitGroup
	)
	stop := make(chan struct{})
	for _, c := range clients {
		c.lastOK = time.Now()
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				code, n, id, err := c.get(srv.URL + "/incr")
				o := outcome{end: time.Now(), status: code}
				if err != nil {
					o.status = 0
				}
				if err == nil && code/100 == 2 {
					if id != c.id {
						c.newSession++
						c.id = id
					} else if n <= c.lastAck {
						c.regressions++
					}
					c.maxGap = max(c.maxGap, o.end.Sub(c.lastOK))
					c.lastAck, c.lastOK = n, o.end
				}
				mu.Lock()
				outcomes = append(outcomes, o)
				mu.Unlock()
				if o.status/100 != 2 {
					time.Sleep(20 * time.Millisecond) // a failing client does not spin
				}
			}
		}()
	}
	time.Sleep(trafficBefore)
	killedAt := time.Now()
	var f failoverFigures
	f.failover = kill()
	time.Sleep(time.Until(killedAt.Add(trafficAfter)))
	close(stop)
	wg.Wait()

	var lastFailure time.Time
	for _, o := range outcomes {
		switch {
		case o.status/100 == 2:
			f.ok++
		case o.status == 0:
			f.transportErr++
		default:
			f.serverErr++
		}
		if o.status/100 != 2 && o.end.After(lastFailure) {
			lastFailure = o.end
		}
	}
	if lastFailure.After(killedAt) {
		f.unavailable = lastFailure.Sub(killedAt)
	}
	for _, c := range clients {
		f.stall = max(f.stall, c.maxGap)
	}
	for i, c := range clients {
		var code, n int
		var id string
		var err error
		eventually(t, 20*time.Second, fmt.Sprintf("client %d reads its counter back", i), func(context.Context) error {
			code, n, id, err = c.get(srv.URL + "/get")
			if err == nil && code != http.StatusOK {
				err = fmt.Errorf("status %d", code)
			}
			return err
		})
		lost := c.regressions > 0 || n < c.lastAck
		if id != c.id || c.newSession > 0 {
			f.lostSessions++
			lost = true
		}
		if lost {
			f.lostWrites++
			t.Logf("client %d: last acknowledged %d, stored %d (%d regressions, %d new sessions)", i, c.lastAck, n, c.regressions, c.newSession)
		}
	}
	return f
}

// logFigures logs one row of the failover table.
func logFigures(t *testing.T, name string, f failoverFigures) {
	t.Helper()
	t.Logf("\n%-22s %6s %5s %9s %11s %13s %9s %11s %9s\n%-22s %6d %5d %9d %11d %13d %9v %11v %9v",
		"topology/option", "2xx", "5xx", "transport", "lost-writes", "lost-sessions", "failover", "unavailable", "stall",
		name, f.ok, f.serverErr, f.transportErr, f.lostWrites, f.lostSessions,
		f.failover.Round(10*time.Millisecond), f.unavailable.Round(10*time.Millisecond), f.stall.Round(10*time.Millisecond))
}

// storeOptions returns the Store options of a failover subtest.
func storeOptions(wait bool) []redisstore.Option {
	if wait {
		return []redisstore.Option{redisstore.WithWaitReplicas(1, waitTimeout)}
	}
	return nil
}

// TestClusterFailover kills, under traffic through the net/http middleware over HTTP, the master
// of a Cluster shard that holds sessions, lets its replica take over, and
// restarts the killed node (it comes back as the new master's replica).
// With WithWaitReplicas no acknowledged write may be lost.
func TestClusterFailover(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a six-node Redis Cluster; skipped with -short")
	}
	for _, wait := range []bool{false, true} {
		name := fmt.Sprintf("wait=%v", wait)
		t.Run(name, func(t *testing.T) {
			c := privateReplicatedCluster(t)
			cc := redis.NewClusterClient(&redis.ClusterOptions{
				Addrs: c.addrs(), ContextTimeoutEnabled: true,
				DialTimeout: clientTimeouts.dial, ReadTimeout: clientTimeouts.read, WriteTimeout: clientTimeouts.write,
				MaxRetries: clientTimeouts.retries, MinRetryBackoff: clientTimeouts.minBackoff, MaxRetryBackoff: clientTimeouts.maxBackoff,
			})
			t.Cleanup(func() { _ = cc.Close() })
			ctx := context.Background()
			var victim *redisProc
			var survivor string
			pick := func(keys []string) {
				addr, err := c.masterOf(ctx, c.nodes[0].addr, int(cc.ClusterKeySlot(ctx, keys[0]).Val()))
				if err != nil {
					t.Fatal(err)
				}
				victim = c.node(addr)
				onVictim := 0
				for _, k := range keys {
					if a, _ := c.masterOf(ctx, c.nodes[0].addr, int(cc.ClusterKeySlot(ctx, k).Val())); a == addr {
						onVictim++
					}
				}
				for _, n := range c.nodes {
					if n != victim {
						survivor = n.addr
						break
					}
				}
				t.Logf("killing master %s, which holds %d of %d sessions", addr, onVictim, len(keys))
			}
			kill := func() time.Duration {
				killed := time.Now()
				victim.kill()
				eventually(t, 30*time.Second, "a replica takes over", func(ctx context.Context) error {
					nodes, err := c.admin[survivor].ClusterNodes(ctx).Result()
					if err != nil {
						return err
					}
					for _, line := range strings.Split(nodes, "\n") {
						if strings.Contains(line, victim.addr) && strings.Contains(line, "fail") && !strings.Contains(line, "fail?") {
							return nil
						}
					}
					return errors.New("the killed master is not marked failed yet")
				})
				// The new master must serve the victim's slots before the
				// killed node comes back, or it would take them back.
				eventually(t, 30*time.Second, "slots served again", func(ctx context.Context) error {
					info, err := c.admin[survivor].ClusterInfo(ctx).Result()
					if err != nil || !strings.Contains(info, "cluster_state:ok") {
						return fmt.Errorf("%v %s", err, info)
					}
					return nil
				})
				took := time.Since(killed)
				victim.restart()
				return took
			}
			p := prefix(t)
			f := runFailover(t, redisstore.New(cc, append(storeOptions(wait), redisstore.WithKeyPrefix(p))...), p, pick, kill)
			logFigures(t, "cluster/"+name, f)
			if wait && f.lostWrites != 0 {
				t.Errorf("with WithWaitReplicas, %d clients lost an acknowledged write; want 0", f.lostWrites)
			}
			if f.ok == 0 {
				t.Error("no request succeeded")
			}
		})
	}
}

// TestSentinelFailover kills, under traffic through the net/http middleware over HTTP, the
// master of a Sentinel group, lets the sentinels promote its replica, and
// restarts the killed server as the new master's replica. With
// WithWaitReplicas no acknowledged write may be lost.
func TestSentinelFailover(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Sentinel group; skipped with -short")
	}
	for _, wait := range []bool{false, true} {
		name := fmt.Sprintf("wait=%v", wait)
		t.Run(name, func(t *testing.T) {
			g := privateSentinelGroup(t)
			fc := redis.NewFailoverClient(&redis.FailoverOptions{
				MasterName: sentinelMaster, SentinelAddrs: g.sentinelAddrs(), ContextTimeoutEnabled: true,
				DialTimeout: clientTimeouts.dial, ReadTimeout: clientTimeouts.read, WriteTimeout: clientTimeouts.write,
				MaxRetries: clientTimeouts.retries, MinRetryBackoff: clientTimeouts.minBackoff, MaxRetryBackoff: clientTimeouts.maxBackoff,
			})
			t.Cleanup(func() { _ = fc.Close() })
			kill := func() time.Duration {
				killed := time.Now()
				g.master.kill()
				eventually(t, 30*time.Second, "the sentinels promote the replica", func(ctx context.Context) error {
					for _, s := range g.sentinels {
						a, err := g.admin[s.addr].Do(ctx, "sentinel", "get-master-addr-by-name", sentinelMaster).StringSlice()
						if err != nil {
							return err
						}
						if len(a) != 2 || a[1] != strconv.Itoa(g.replica.port) {
							return fmt.Errorf("sentinel %s says the master is %v", s.addr, a)
						}
					}
					return nil
				})
				took := time.Since(killed)
				g.master.restart("--replicaof", "127.0.0.1", strconv.Itoa(g.replica.port))
				return took
			}
			p := prefix(t)
			f := runFailover(t, redisstore.New(fc, append(storeOptions(wait), redisstore.WithKeyPrefix(p))...), p, func([]string) {}, kill)
			logFigures(t, "sentinel/"+name, f)
			if wait && f.lostWrites != 0 {
				t.Errorf("with WithWaitReplicas, %d clients lost an acknowledged write; want 0", f.lostWrites)
			}
			if f.ok == 0 {
				t.Error("no request succeeded")
			}
		})
	}
}
