package redisstore_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/serversession/serversession/backends/redisstore"
	"github.com/serversession/serversession/sessions"
)

// cachedClient returns a RESP3 client of addr with go-redis's client-side
// cache, as the package documentation recommends.
func cachedClient(t testing.TB, addr string) *redis.Client {
	t.Helper()
	c := redis.NewClient(&redis.Options{
		Addr:                  addr,
		Protocol:              3,
		ContextTimeoutEnabled: true,
		ClientSideCacheConfig: redisstore.CacheConfig(1000, 16<<20),
	})
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// commandCalls returns how many times the server at addr ran cmd, from
// INFO commandstats: the server's own count.
func commandCalls(t testing.TB, addr, cmd string) int64 {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: addr})
	defer c.Close()
	info, err := c.Info(context.Background(), "commandstats").Result()
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(info, "\r\n") {
		if rest, ok := strings.CutPrefix(line, "cmdstat_"+cmd+":calls="); ok {
			n, _ := strconv.ParseInt(rest[:strings.IndexByte(rest, ',')], 10, 64)
			return n
		}
	}
	return 0
}

// cachedClusterClient is cachedClient for a Cluster.
func cachedClusterClient(t testing.TB, addrs []string) *redis.ClusterClient {
	t.Helper()
	c := redis.NewClusterClient(&redis.ClusterOptions{
		Addrs:                 addrs,
		Protocol:              3,
		ContextTimeoutEnabled: true,
		ClientSideCacheConfig: redisstore.CacheConfig(1000, 16<<20),
	})
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// cachedApp is a net/http app over its own cached client of addrs (one
// node, or a Cluster's): /login stores a user, /read reads it, /logout
// destroys the session.
func cachedApp(t *testing.T, addrs ...string) http.Handler {
	t.Helper()
	var client redis.UniversalClient
	if len(addrs) == 1 {
		client = cachedClient(t, addrs[0])
	} else {
		client = cachedClusterClient(t, addrs)
	}
	m, err := sessions.New(sessions.Config{Store: redisstore.New(client)})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/login", func(w http.ResponseWriter, r *http.Request) { sessions.Get(r).Set("user", "ann") })
	mux.HandleFunc("/read", func(w http.ResponseWriter, r *http.Request) {
		v, _ := sessions.Get(r).Get("user")
		fmt.Fprint(w, v)
	})
	mux.HandleFunc("/logout", func(w http.ResponseWriter, r *http.Request) { sessions.Get(r).Destroy() })
	mux.HandleFunc("/regenerate", func(w http.ResponseWriter, r *http.Request) { sessions.Get(r).Regenerate() })
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := m.Begin(w, r)
		h.Run(func() { mux.ServeHTTP(h.Writer(), h.Request()) })
	})
}

func request(h http.Handler, path string, cookie *http.Cookie) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodGet, path, nil)
	if cookie != nil {
		req.AddCookie(cookie)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w
}

// With the client-side cache, reads of one session within the
// RefreshInterval reach the server once: 1,000 warm reads, 0 GETs.
func TestClientSideCacheWarmReads(t *testing.T) {
	t.Run("node", func(t *testing.T) { testWarmReads(t, privateRedis(t)) })
	t.Run("cluster", func(t *testing.T) {
		if testing.Short() {
			t.Skip("starts a three-node Redis Cluster; skipped with -short")
		}
		testWarmReads(t, privateCluster(t, 3)...)
	})
}

func testWarmReads(t *testing.T, addrs ...string) {
	app := cachedApp(t, addrs...)
	login := request(app, "/login", nil)
	cookie := login.Result().Cookies()[0]
	// For a while after its own write, a process reads the key past the
	// cache, so that it reads its writes.
	time.Sleep(redisstore.CacheMaxStaleness)
	if body := request(app, "/read", cookie).Body.String(); body != "ann" { // warms the cache
		t.Fatalf("read %q", body)
	}
	calls := func(cmd string) (n int64) {
		for _, addr := range addrs {
			n += commandCalls(t, addr, cmd)
		}
		return n
	}
	gets, getexs := calls("get"), calls("getex")
	for range 1000 {
		w := request(app, "/read", cookie)
		if w.Body.String() != "ann" || w.Header().Get("Set-Cookie") != "" {
			t.Fatalf("warm read: %q, Set-Cookie %q", w.Body, w.Header().Get("Set-Cookie"))
		}
	}
	g, x := calls("get")-gets, calls("getex")-getexs
	t.Logf("1,000 warm reads: %d GET and %d GETEX reached the server", g, x)
	if g+x != 0 {
		t.Errorf("1,000 warm reads sent %d GET and %d GETEX to the server, want none", g, x)
	}
}

// A logout in one process is seen by another process's next read within
// the invalidation's delay, and never later than the cap, MaxStaleness.
func TestClientSideCacheLogoutSeenElsewhere(t *testing.T) {
	t.Run("node", func(t *testing.T) { testLogoutSeenElsewhere(t, privateRedis(t)) })
	t.Run("cluster", func(t *testing.T) {
		if testing.Short() {
			t.Skip("starts a three-node Redis Cluster; skipped with -short")
		}
		testLogoutSeenElsewhere(t, privateCluster(t, 3)...)
	})
}

func testLogoutSeenElsewhere(t *testing.T, addrs ...string) {
	for _, end := range []string{"/logout", "/regenerate"} {
		a, b := cachedApp(t, addrs...), cachedApp(t, addrs...)
		cookie := request(a, "/login", nil).Result().Cookies()[0]
		time.Sleep(redisstore.CacheMaxStaleness) // b's reads are cached from now on
		for range 3 {
			if body := request(b, "/read", cookie).Body.String(); body != "ann" {
				t.Fatalf("b read %q", body)
			}
		}
		request(a, end, cookie)
		if body := request(a, "/read", cookie).Body.String(); body != "<nil>" {
			t.Errorf("%s: the process that made it read %q right after", end, body)
		}
		// A read counts against the cap from when it started, so that a
		// slow machine cannot fail it.
		start := time.Now()
		for {
			at := time.Now()
			if request(b, "/read", cookie).Body.String() == "<nil>" {
				break
			}
			if at.Sub(start) > redisstore.CacheMaxStaleness {
				t.Fatalf("%s: the other process still reads the session %v after it", end, at.Sub(start))
			}
			time.Sleep(time.Millisecond)
		}
		t.Logf("%s: the other process saw it after %v", end, time.Since(start))
	}
}

// A conditional write that conflicts makes the next Load of its key go to
// the server, past the cache, whose copy may be what the write was
// conditioned on; so does any write, so that a process reads its writes.
func TestClientSideCacheConflictReloadsUncached(t *testing.T) {
	addr := privateRedis(t)
	s := redisstore.New(cachedClient(t, addr))
	ctx := context.Background()
	key := prefix(t) + "k"
	if err := s.Create(ctx, key, []byte("v1"), time.Minute); err != nil {
		t.Fatal(err)
	}
	time.Sleep(redisstore.CacheMaxStaleness) // past the reads of its own write
	for range 3 {
		if _, ok, err := s.Load(ctx, key); !ok || err != nil {
			t.Fatal(ok, err)
		}
	}
	gets := commandCalls(t, addr, "get")
	if _, _, err := s.Load(ctx, key); err != nil {
		t.Fatal(err)
	}
	if n := commandCalls(t, addr, "get") - gets; n != 0 {
		t.Fatalf("a warm Load sent %d GETs", n)
	}
	err := s.Replace(ctx, key, sessions.Record{Data: []byte("stale")}, []byte("v2"), time.Minute)
	if !errors.Is(err, sessions.ErrConflict) {
		t.Fatalf("Replace over stale bytes: %v", err)
	}
	gets = commandCalls(t, addr, "get") // the script's own GET counts too
	rec, ok, err := s.Load(ctx, key)
	if !ok || err != nil || string(rec.Data) != "v1" {
		t.Fatalf("Load after the conflict: %q %v %v", rec.Data, ok, err)
	}
	if n := commandCalls(t, addr, "get") - gets; n != 1 {
		t.Errorf("the Load after a conflict sent %d GETs, want 1 (past the cache)", n)
	}
}

// invalidations matches one RESP3 invalidation push of one key.
var invalidations = regexp.MustCompile(`>2\r\n\$10\r\ninvalidate\r\n\*1\r\n\$\d+\r\n[^\r]*\r\n`)

// lossyProxy is a loopback proxy to addr that drops every invalidation
// push the server sends, as a lost one would be.
func lossyProxy(t *testing.T, addr string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s, err := net.Dial("tcp", addr)
			if err != nil {
				c.Close()
				continue
			}
			wg.Add(2)
			go func() { defer wg.Done(); io.Copy(s, c); s.Close() }()
			go func() {
				defer wg.Done()
				defer c.Close()
				buf := make([]byte, 64<<10)
				for {
					n, err := s.Read(buf)
					if n > 0 {
						if _, werr := c.Write(invalidations.ReplaceAll(buf[:n], nil)); werr != nil {
							return
						}
					}
					if err != nil {
						return
					}
				}
			}()
		}
	}()
	return ln.Addr().String()
}

// With every invalidation lost, another process still stops serving a
// logged-out session within the cap, CacheMaxStaleness.
func TestClientSideCacheLostInvalidationsCapped(t *testing.T) {
	addr := privateRedis(t)
	a, b := cachedApp(t, addr), cachedApp(t, lossyProxy(t, addr))
	cookie := request(a, "/login", nil).Result().Cookies()[0]
	var cached time.Time
	for range 3 {
		if body := request(b, "/read", cookie).Body.String(); body != "ann" {
			t.Fatalf("b read %q", body)
		}
		if cached.IsZero() {
			cached = time.Now()
		}
	}
	gets := commandCalls(t, addr, "get")
	request(b, "/read", cookie)
	if n := commandCalls(t, addr, "get") - gets; n != 0 {
		t.Fatalf("b's reads are not cached: %d GETs", n)
	}
	request(a, "/logout", cookie)
	start := time.Now()
	stale := 0
	for {
		at := time.Now() // a read counts against the cap from when it started
		if request(b, "/read", cookie).Body.String() == "<nil>" {
			break
		}
		stale++
		if at.Sub(cached) > redisstore.CacheMaxStaleness+200*time.Millisecond {
			t.Fatalf("the other process still reads the session %v after the logout, past the cap", at.Sub(start))
		}
		time.Sleep(time.Millisecond)
	}
	if stale == 0 {
		t.Fatal("the other process saw the logout at once: the proxy did not drop the invalidation, so the cap was not tested")
	}
	t.Logf("invalidations lost: the other process saw the logout after %v (%v after it cached the record)", time.Since(start), time.Since(cached))
}

// BenchmarkRead reads one session through the net/http middleware within
// the RefreshInterval, with and without the client-side cache: a cached
// read makes no round trip.
func BenchmarkRead(b *testing.B) {
	addr := redisAddr(b)
	for _, tc := range []struct {
		name   string
		client func() redis.UniversalClient
	}{
		{"uncached", func() redis.UniversalClient { return newClient(b, addr) }},
		{"cached", func() redis.UniversalClient { return cachedClient(b, addr) }},
	} {
		b.Run(tc.name, func(b *testing.B) {
			p := prefix(b)
			m, err := sessions.New(sessions.Config{Store: redisstore.New(tc.client(), redisstore.WithKeyPrefix(p)), KeyPrefix: p})
			if err != nil {
				b.Fatal(err)
			}
			h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				hd := m.Begin(w, r)
				hd.Run(func() {
					s := sessions.Get(hd.Request())
					if r.URL.Path == "/login" {
						s.Set("user", "ann")
						return
					}
					if v, _ := s.Get("user"); v != "ann" {
						b.Errorf("read %v", v)
					}
				})
			})
			cookie := request(h, "/login", nil).Result().Cookies()[0]
			time.Sleep(redisstore.CacheMaxStaleness) // past the reads of its own write
			request(h, "/read", cookie)
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				request(h, "/read", cookie)
			}
		})
	}
}

// CacheStats counts the client-side cache's lookups: a cold read is a miss,
// a warm read a hit, the first read after an invalidation a miss again, and
// a read past the cache (after the Store's own write) neither.
func TestCacheStats(t *testing.T) {
	t.Run("uncached", func(t *testing.T) {
		if h, m, ok := redisstore.New(newClient(t, redisAddr(t))).CacheStats(); ok || h != 0 || m != 0 {
			t.Errorf("CacheStats without a cache = %d, %d, %v; want 0, 0, false", h, m, ok)
		}
	})
	t.Run("node", func(t *testing.T) {
		addr := redisAddr(t)
		testCacheStats(t, cachedClient(t, addr), newClient(t, addr))
	})
	t.Run("cluster", func(t *testing.T) {
		if testing.Short() {
			t.Skip("starts a three-node Redis Cluster; skipped with -short")
		}
		addrs := privateCluster(t, 3)
		other := redis.NewClusterClient(&redis.ClusterOptions{Addrs: addrs})
		t.Cleanup(func() { _ = other.Close() })
		testCacheStats(t, cachedClusterClient(t, addrs), other)
	})
}

// testCacheStats reads through a Store over cached while other, a client
// without a cache, writes the record, as another process would.
func testCacheStats(t *testing.T, cached, other redis.UniversalClient) {
	ctx := context.Background()
	s := redisstore.New(cached)
	key := prefix(t) + "k"
	want := func(step string, hits, misses uint64) {
		t.Helper()
		h, m, ok := s.CacheStats()
		if !ok || h != hits || m != misses {
			t.Fatalf("%s: CacheStats = %d hits, %d misses, %v; want %d, %d, true", step, h, m, ok, hits, misses)
		}
	}
	load := func(step, data string) {
		t.Helper()
		rec, found, err := s.Load(ctx, key)
		if err != nil || !found || string(rec.Data) != data {
			t.Fatalf("%s: Load = %q, %v, %v; want %q", step, rec.Data, found, err, data)
		}
	}
	if err := other.Set(ctx, key, "v1", time.Minute).Err(); err != nil {
		t.Fatal(err)
	}
	want("before any read", 0, 0)
	load("cold read", "v1")
	want("after a cold read", 0, 1)
	load("warm read", "v1")
	load("warm read", "v1")
	want("after two warm reads", 2, 1)

	// Another process's write: Redis invalidates the cached copy, and the
	// first read after the invalidation arrived fetches the record again.
	if err := other.Set(ctx, key, "v2", time.Minute).Err(); err != nil {
		t.Fatal(err)
	}
	stale := uint64(0)
	for start := time.Now(); ; stale++ {
		at := time.Now() // a read counts against the cap from when it started
		rec, _, err := s.Load(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		if string(rec.Data) == "v2" {
			break
		}
		if at.Sub(start) > redisstore.CacheMaxStaleness {
			t.Fatalf("still read %q %v after another client's write", rec.Data, at.Sub(start))
		}
		time.Sleep(time.Millisecond)
	}
	want("after the invalidated read", 2+stale, 2)
	load("warm read", "v2")
	want("after a warm read", 3+stale, 2)

	// The Store's own write: its key is read past the cache for a while.
	if err := s.Replace(ctx, key, sessions.Record{Data: []byte("v2")}, []byte("v3"), time.Minute); err != nil {
		t.Fatal(err)
	}
	load("read after its own write", "v3")
	want("after a read past the cache", 3+stale, 2)
}
