package requestbench

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/serversession/serversession/backends/redisstore"
	"github.com/serversession/serversession/internal/testserver"
	"github.com/serversession/serversession/sessions"
)

// The Redis row with go-redis's client-side cache on (RESP3 and
// redisstore.CacheConfig, as redisstore's documentation sets it up), on a
// redis-server of the test's own, so that commands is what that server
// received (see monitor) and nobody else's commands are in it: a read the
// cache serves passes through go-redis's hooks, so a hook cannot tell it
// from one that reached the server. The MONITOR costs its server time on
// every command: this row's ns/op for requests that reach the server (a
// read-modify-write: about 145 µs here, against 110 µs without the
// MONITOR, as on the redis row) are not the cache's cost. Compare its
// counts, and its warm read.
func init() {
	stores = append(stores, struct {
		name string
		open openStore
	}{"redis-cached", openCachedRedis})
	cachedStores["redis-cached"] = true
}

// cachedStores names the stores whose reads a client-side cache serves
// once warm.
var cachedStores = map[string]bool{}

func openCachedRedis(tb testing.TB, prefix string) (sessions.Store, func() int64) {
	addr := privateRedis(tb)
	rdb := redis.NewClient(&redis.Options{
		Addr:                  addr,
		Protocol:              3,
		ContextTimeoutEnabled: true,
		ClientSideCacheConfig: redisstore.CacheConfig(10_000, 64<<20),
	})
	tb.Cleanup(func() { rdb.Close() })
	s := redisstore.New(rdb, redisstore.WithKeyPrefix(prefix))
	loadScripts(tb, s, prefix)
	m := startMonitor(tb, addr)
	return s, func() int64 { return m.count(tb) }
}

// loadScripts runs each of the store's scripts once on a key and a user
// of their own, as any process that has served a while has: a new
// server's first EVALSHA of a script is refused, and go-redis sends it
// again as EVAL, one command more that no later request pays. It opens
// the pool's connection too, so that its handshake is not counted.
func loadScripts(tb testing.TB, s *redisstore.Store, prefix string) {
	ctx := context.Background()
	key, user := prefix+"scripts-"+random(), "scripts@"+prefix
	rec := sessions.Record{Data: []byte("a")}
	steps := []func() error{
		func() error { return s.Create(ctx, key, rec.Data, time.Minute) },
		func() error { return s.Replace(ctx, key, rec, []byte("b"), time.Minute) },
		func() error { return s.Tie(ctx, user, key, time.Minute) },
		func() error { _, err := s.UserRecords(ctx, user); return err },
		func() error { return s.Untie(ctx, user, key) },
		func() error { return s.DeleteIf(ctx, key, sessions.Record{Data: []byte("b")}) },
	}
	for i, step := range steps {
		if err := step(); err != nil {
			tb.Fatalf("load the store's scripts, step %d: %v", i, err)
		}
	}
}

// privateRedis starts a redis-server of the test's own on a free loopback
// port and stops it when the test ends. Without the redis-server binary the
// test is skipped, or fails when servers are required.
func privateRedis(tb testing.TB) string {
	tb.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		msg := "redis-server binary not found (" + err.Error() + "); install it with: " + testserver.StartCommand
		if testserver.Required() {
			tb.Fatal(msg)
		}
		tb.Skip(msg)
	}
	addr := testserver.DeadAddr(tb)
	_, port, _ := net.SplitHostPort(addr)
	var out bytes.Buffer
	cmd := exec.Command(bin, "--port", port, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
		"--daemonize", "no", "--dir", tb.TempDir(), "--logfile", "")
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		tb.Fatalf("start redis-server: %v", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	tb.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
	})
	for deadline := time.Now().Add(10 * time.Second); ; {
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			c.Close()
			return addr
		}
		select {
		case err := <-exited:
			exited <- err
			tb.Fatalf("redis-server exited: %v\n%s", err, out.String())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			tb.Fatalf("redis-server on %s did not answer within 10s", addr)
		}
	}
}

// monitor counts the commands a Redis server receives from its clients,
// as its MONITOR stream shows them. The commands a script runs ("[0 lua]"
// in the stream) are the server's own, not requests: INFO commandstats
// counts them too, so it cannot tell an EVALSHA from a round trip of
// three commands.
type monitor struct {
	addr    string
	markers chan int64 // the count at each marker, in order
	next    int
}

// startMonitor starts counting what the server at addr receives, until
// the test ends.
func startMonitor(tb testing.TB, addr string) *monitor {
	tb.Helper()
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		tb.Fatalf("MONITOR: %v", err)
	}
	tb.Cleanup(func() { conn.Close() })
	r := bufio.NewReader(conn)
	if _, err := conn.Write([]byte("*1\r\n$7\r\nMONITOR\r\n")); err != nil {
		tb.Fatalf("MONITOR: %v", err)
	}
	if line, err := r.ReadString('\n'); err != nil || line != "+OK\r\n" {
		tb.Fatalf("MONITOR: answer %q, %v", line, err)
	}
	m := &monitor{addr: addr, markers: make(chan int64, 1)}
	go func() {
		defer close(m.markers)
		var n int64
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				return
			}
			switch {
			case strings.Contains(line, " lua] "):
			case strings.Contains(line, `"requestbench-monitor-marker-`):
				m.markers <- n
			default:
				n++
			}
		}
	}()
	return m
}

// count returns how many commands the server has received so far. It
// sends a marker (an ECHO, on a bare connection, which sends no handshake
// of its own and is not counted) and waits until the stream shows it.
func (m *monitor) count(tb testing.TB) int64 {
	tb.Helper()
	m.next++
	marker := "requestbench-monitor-marker-" + strconv.Itoa(m.next)
	conn, err := net.DialTimeout("tcp", m.addr, 5*time.Second)
	if err != nil {
		tb.Fatalf("monitor marker: %v", err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := fmt.Fprintf(conn, "*2\r\n$4\r\nECHO\r\n$%d\r\n%s\r\n", len(marker), marker); err != nil {
		tb.Fatalf("monitor marker: %v", err)
	}
	if _, err := bufio.NewReader(conn).ReadString('\n'); err != nil {
		tb.Fatalf("monitor marker: %v", err)
	}
	select {
	case n, ok := <-m.markers:
		if !ok {
			tb.Fatal("the MONITOR stream ended")
		}
		return n
	case <-time.After(10 * time.Second):
		tb.Fatal("the MONITOR stream did not show the marker within 10s")
	}
	return 0
}

// TestCachedWarmReads counts what 1,000 reads of one session within its
// RefreshInterval send to the server once the client-side cache is warm:
// nothing. Each is still a Load for the session core, and none writes.
func TestCachedWarmReads(t *testing.T) {
	for _, st := range stores {
		if !cachedStores[st.name] {
			continue
		}
		t.Run(st.name, func(t *testing.T) {
			prefix := "requestbench:" + random() + ":"
			raw, commands := st.open(t, prefix)
			m := &methods{Store: raw}
			h := app(loadTouchMethods{m}, prefix, nil)
			cookie := login(t, h)
			// A process loads a key it wrote within CacheMaxStaleness past
			// the cache, so that it reads its own writes.
			time.Sleep(redisstore.CacheMaxStaleness)
			if w := serve(h, "/read", cookie); w.Code != http.StatusOK || w.Body.String() != "1" {
				t.Fatalf("warming read: %d %q", w.Code, w.Body)
			}
			m.take()
			warm, before := time.Now(), commands()
			for range 1000 {
				if w := serve(h, "/read", cookie); w.Code != http.StatusOK || w.Body.String() != "1" || w.Header().Get("Set-Cookie") != "" {
					t.Fatalf("read: %d %q, Set-Cookie %q", w.Code, w.Body, w.Header().Get("Set-Cookie"))
				}
			}
			took, sent := time.Since(warm), commands()-before
			calls := strings.Fields(m.take())
			loads := 0
			for _, c := range calls {
				if c == "Load" {
					loads++
				}
			}
			t.Logf("%s: 1,000 warm reads in %v: %d store calls (%d Loads), %d commands reached the server", st.name, took.Round(time.Millisecond), len(calls), loads, sent)
			if loads != 1000 || len(calls) != 1000 {
				t.Errorf("store calls %d, Loads %d; want 1,000 Loads and nothing else", len(calls), loads)
			}
			// The cache serves a record at most CacheMaxStaleness after it
			// fetched it: a machine too slow to read 1,000 times within
			// that sees one reload per CacheMaxStaleness, and no more.
			allowed := int64(took / redisstore.CacheMaxStaleness)
			if sent > allowed {
				t.Errorf("1,000 warm reads sent %d commands to the server in %v; want %d", sent, took, allowed)
			}
		})
	}
}
