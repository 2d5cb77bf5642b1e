package redisstore_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
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

// cachedApp is a net/http app over its own cached client of addr: /login
// stores a user, /read reads it, /logout destroys the session.
func cachedApp(t *testing.T, addr string) http.Handler {
	t.Helper()
	m, err := sessions.New(sessions.Config{Store: redisstore.New(cachedClient(t, addr))})
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
	addr := privateRedis(t)
	app := cachedApp(t, addr)
	login := request(app, "/login", nil)
	cookie := login.Result().Cookies()[0]
	// For a while after its own write, a process reads the key past the
	// cache, so that it reads its writes.
	time.Sleep(redisstore.CacheMaxStaleness)
	if body := request(app, "/read", cookie).Body.String(); body != "ann" { // warms the cache
		t.Fatalf("read %q", body)
	}
	gets, getexs := commandCalls(t, addr, "get"), commandCalls(t, addr, "getex")
	for range 1000 {
		w := request(app, "/read", cookie)
		if w.Body.String() != "ann" || w.Header().Get("Set-Cookie") != "" {
			t.Fatalf("warm read: %q, Set-Cookie %q", w.Body, w.Header().Get("Set-Cookie"))
		}
	}
	g, x := commandCalls(t, addr, "get")-gets, commandCalls(t, addr, "getex")-getexs
	t.Logf("1,000 warm reads: %d GET and %d GETEX reached the server", g, x)
	if g+x != 0 {
		t.Errorf("1,000 warm reads sent %d GET and %d GETEX to the server, want none", g, x)
	}
}

// A logout in one process is seen by another process's next read within
// the invalidation's delay, and never later than the cap, MaxStaleness.
func TestClientSideCacheLogoutSeenElsewhere(t *testing.T) {
	addr := privateRedis(t)
	a, b := cachedApp(t, addr), cachedApp(t, addr)
	cookie := request(a, "/login", nil).Result().Cookies()[0]
	for range 3 { // b's cache holds the record
		if body := request(b, "/read", cookie).Body.String(); body != "ann" {
			t.Fatalf("b read %q", body)
		}
	}
	request(a, "/logout", cookie)
	if body := request(a, "/read", cookie).Body.String(); body != "<nil>" {
		t.Errorf("the process that logged out read %q right after", body)
	}
	start := time.Now()
	for request(b, "/read", cookie).Body.String() != "<nil>" {
		if time.Since(start) > redisstore.CacheMaxStaleness {
			t.Fatalf("the other process still reads the session %v after the logout", time.Since(start))
		}
		time.Sleep(time.Millisecond)
	}
	t.Logf("the other process saw the logout after %v", time.Since(start))
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
