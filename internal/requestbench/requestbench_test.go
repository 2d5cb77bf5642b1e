package requestbench

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bradfitz/gomemcache/memcache"
	"github.com/gin-gonic/gin"
	"github.com/redis/go-redis/v9"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/serversession/serversession/backends/filestore"
	"github.com/serversession/serversession/backends/gormstore"
	"github.com/serversession/serversession/backends/memcachedstore"
	"github.com/serversession/serversession/backends/memstore"
	"github.com/serversession/serversession/backends/mongostore"
	"github.com/serversession/serversession/backends/redisstore"
	"github.com/serversession/serversession/backends/storetest"
	"github.com/serversession/serversession/ginsession"
	"github.com/serversession/serversession/internal/testserver"
	"github.com/serversession/serversession/sessions"
)

// stores opens each store on its real server, for sessions under prefix,
// the test's own; commands, when set, counts what reached the server
// itself.
type openStore func(tb testing.TB, prefix string) (s sessions.Store, commands func() int64)

var stores = []struct {
	name string
	open openStore
}{
	{"memory", func(tb testing.TB, prefix string) (sessions.Store, func() int64) {
		s := memstore.New()
		tb.Cleanup(func() { s.Close() })
		return s, nil
	}},
	{"file", func(tb testing.TB, prefix string) (sessions.Store, func() int64) {
		s, err := filestore.New(tb.TempDir())
		if err != nil {
			tb.Fatal(err)
		}
		tb.Cleanup(func() { s.Close() })
		return s, nil
	}},
	{"redis", func(tb testing.TB, prefix string) (sessions.Store, func() int64) {
		rdb := redis.NewClient(&redis.Options{Addr: testserver.Addr(tb, "SERVERSESSION_REDIS_ADDR", "127.0.0.1:6379")})
		tb.Cleanup(func() { rdb.Close() })
		if err := rdb.Ping(context.Background()).Err(); err != nil { // the pool's handshake is not a session's cost
			tb.Fatal(err)
		}
		if _, err := rdb.Pipelined(context.Background(), func(p redis.Pipeliner) error { // nor the pipelines' pool's
			return p.Ping(context.Background()).Err()
		}); err != nil {
			tb.Fatal(err)
		}
		hook := &commandCounter{}
		rdb.AddHook(hook)
		return redisstore.New(rdb, redisstore.WithKeyPrefix(prefix)), hook.n.Load
	}},
	{"memcached", func(tb testing.TB, prefix string) (sessions.Store, func() int64) {
		mc := memcache.New(testserver.Addr(tb, "SERVERSESSION_MEMCACHED_ADDR", "127.0.0.1:11211"))
		tb.Cleanup(func() { mc.Close() })
		return memcachedstore.New(mc, memcachedstore.WithItemSizeLimit(4<<20)), nil
	}},
	{"mongodb", func(tb testing.TB, prefix string) (sessions.Store, func() int64) {
		uri := testserver.Env("SERVERSESSION_MONGO_URI", "mongodb://127.0.0.1:27017")
		testserver.Reachable(tb, hostOf(uri), "SERVERSESSION_MONGO_URI")
		client, err := mongo.Connect(options.Client().ApplyURI(uri))
		if err != nil {
			tb.Fatal(err)
		}
		ctx := context.Background()
		coll := client.Database("serversession_test").Collection("requestbench_" + random())
		tb.Cleanup(func() {
			coll.Drop(ctx)
			client.Disconnect(ctx)
		})
		s, err := mongostore.New(ctx, coll, mongostore.WithLogger(discardLogger()))
		if err != nil {
			tb.Fatal(err)
		}
		return s, nil
	}},
	{"sqlite", func(tb testing.TB, prefix string) (sessions.Store, func() int64) {
		db, err := gorm.Open(sqlite.Open(filepath.Join(tb.TempDir(), "s.db")+"?_busy_timeout=5000&_journal_mode=WAL"),
			&gorm.Config{Logger: logger.Discard})
		if err != nil {
			tb.Fatal(err)
		}
		s, err := gormstore.New(db)
		if err != nil {
			tb.Fatal(err)
		}
		tb.Cleanup(func() { s.Close() })
		return s, nil
	}},
}

// commandCounter counts the commands go-redis sends, pipelines included.
type commandCounter struct{ n atomic.Int64 }

func (*commandCounter) DialHook(next redis.DialHook) redis.DialHook { return next }

func (h *commandCounter) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		h.n.Add(1)
		return next(ctx, cmd)
	}
}

func (h *commandCounter) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		h.n.Add(int64(len(cmds)))
		return next(ctx, cmds)
	}
}

// scenario is one kind of request, and the store calls it may cost.
type scenario struct {
	name       string
	path       string
	withCookie bool
	roundTrips int64
	others     int64 // round trips of another request it runs, not counted as its own
}

var scenarios = []scenario{
	{"untouched", "/untouched", true, 0, 0},
	{"read", "/read", true, 1, 0},
	{"rmw", "/rmw", true, 2, 0},
	{"create", "/create", false, 1, 0},
	// The read-modify-write meets another request's write: one more load
	// and one more write.
	{"conflict", "/conflict", true, 4, 2},
}

// app is a Gin engine with one route per scenario over store, its records
// under prefix. /conflict runs during, if set, between its load and its
// save. edit, if set, changes the Config first.
func app(store sessions.Store, prefix string, during func(), edit ...func(*sessions.Config)) *gin.Engine {
	gin.SetMode(gin.ReleaseMode)
	cfg := sessions.Config{
		Store:     store,
		SecretKey: []byte("requestbench-secret-key-32-bytes"),
		KeyPrefix: prefix,
		Logger:    discardLogger(),
	}
	for _, f := range edit {
		f(&cfg)
	}
	r := gin.New()
	r.Use(ginsession.New(cfg))
	r.GET("/untouched", func(c *gin.Context) { c.String(http.StatusOK, "ok") })
	r.GET("/read", func(c *gin.Context) {
		n, _ := sessions.Value[int](sessions.Get(c), "n")
		c.String(http.StatusOK, strconv.Itoa(n))
	})
	r.GET("/rmw", func(c *gin.Context) {
		s := sessions.Get(c)
		n, _ := sessions.Value[int](s, "n")
		s.Set("n", n+1)
		c.String(http.StatusOK, strconv.Itoa(n+1))
	})
	r.GET("/create", func(c *gin.Context) {
		sessions.Get(c).Set("n", 1)
		c.String(http.StatusOK, "1")
	})
	// /conflict is /rmw of another key, with another request's write to
	// the same session between its load and its save.
	r.GET("/conflict", func(c *gin.Context) {
		s := sessions.Get(c)
		n, _ := sessions.Value[int](s, "n")
		if during != nil {
			during()
		}
		s.Set("m", n+1)
		c.String(http.StatusOK, strconv.Itoa(n+1))
	})
	return r
}

// serve runs one request and returns its recorder.
func serve(h http.Handler, path string, cookie *http.Cookie) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodGet, path, nil)
	if cookie != nil {
		req.AddCookie(cookie)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w
}

// login creates a session through h and returns its cookie.
func login(tb testing.TB, h http.Handler) *http.Cookie {
	w := serve(h, "/create", nil)
	for _, c := range w.Result().Cookies() {
		if c.Name == sessions.DefaultCookieName {
			return c
		}
	}
	tb.Fatalf("GET /create set no session cookie: %d %v", w.Code, w.Header())
	return nil
}

// TestRoundTrips asserts the round-trip budget on every store: the store
// calls per request, and for Redis the commands that reach the server.
func TestRoundTrips(t *testing.T) {
	for _, st := range stores {
		t.Run(st.name, func(t *testing.T) {
			prefix := "requestbench:" + random() + ":"
			raw, commands := st.open(t, prefix)
			calls, store := storetest.Count(raw)
			var cookie *http.Cookie
			other := app(raw, prefix, nil) // uncounted
			h := app(store, prefix, func() { serve(other, "/rmw", cookie) })
			cookie = login(t, h)
			for _, sc := range scenarios {
				var c *http.Cookie
				if sc.withCookie {
					c = cookie
				}
				before, beforeCmds := calls.Calls(), int64(0)
				if commands != nil {
					beforeCmds = commands()
				}
				w := serve(h, sc.path, c)
				if w.Code != http.StatusOK {
					t.Fatalf("%s: status %d", sc.name, w.Code)
				}
				if got := calls.Calls() - before; got != sc.roundTrips {
					t.Errorf("%s: %d store calls, want %d", sc.name, got, sc.roundTrips)
				}
				if commands != nil {
					if got := commands() - beforeCmds; got != sc.roundTrips+sc.others {
						t.Errorf("%s: %d Redis commands, want %d", sc.name, got, sc.roundTrips+sc.others)
					}
				}
			}
			// Both read-modify-writes really did write, and the conflicting
			// one kept the other's: n went 1, 2, 3; m is 3.
			if got := serve(h, "/read", cookie).Body.String(); got != "3" {
				t.Errorf("read after rmw and conflict = %q, want 3", got)
			}
		})
	}
}

// BenchmarkRequest measures each scenario on each store, reporting store
// calls per request (roundtrips/op) beside ns/op and allocs/op, and the
// requests that reached the server per request (server-requests/op) where
// the store counts them. With a client-side cache the read is timed warm:
// a store call, and no request to the server.
func BenchmarkRequest(b *testing.B) {
	for _, st := range stores {
		b.Run("store="+st.name, func(b *testing.B) {
			prefix := "requestbench:" + random() + ":"
			raw, commands := st.open(b, prefix)
			calls, store := storetest.Count(raw)
			h := app(store, prefix, nil)
			cookie := login(b, h)
			for _, sc := range scenarios {
				if sc.others > 0 {
					continue // a conflict needs a second request: not a benchmark of one
				}
				var c *http.Cookie
				if sc.withCookie {
					c = cookie
				}
				if sc.name == "read" && cachedStores[st.name] {
					// Past the loads of its own write, then one read to
					// fill the cache.
					time.Sleep(redisstore.CacheMaxStaleness)
					serve(h, sc.path, c)
				}
				b.Run("scenario="+sc.name, func(b *testing.B) {
					before, beforeCmds := calls.Calls(), int64(0)
					if commands != nil {
						beforeCmds = commands()
					}
					b.ReportAllocs()
					b.ResetTimer()
					for range b.N {
						serve(h, sc.path, c)
					}
					b.StopTimer()
					b.ReportMetric(float64(calls.Calls()-before)/float64(b.N), "roundtrips/op")
					if commands != nil {
						b.ReportMetric(float64(commands()-beforeCmds)/float64(b.N), "server-requests/op")
					}
				})
			}
		})
	}
}

func random() string {
	b := make([]byte, 6)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// TestOneSessionUnderLoad sends 1,000 requests on one session cookie, 100
// at a time, through Gin over real HTTP: half set a key of their own, half
// read. They go to two app instances (two Managers over the same store, as
// behind a load balancer), so that writes race both within an instance and
// across instances. Every key must survive and every request succeed, on
// every store.
//
// The writes of one session take turns, so a write may wait for dozens of
// others. A request without a deadline of its own gets SaveTimeout (5 s)
// for its save; under -race on a busy two-core machine, 50 turns of a
// FerretDB or dynalite write can take longer than that, and the save then
// fails as it should. The requests here carry a deadline of their own, as
// an app's server would set one, long enough for a slow machine: the test
// is about keys surviving, and every save waits within its deadline.
func TestOneSessionUnderLoad(t *testing.T) {
	const requests, parallel = 1000, 100
	for _, st := range stores {
		t.Run(st.name, func(t *testing.T) {
			prefix := "requestbench:" + random() + ":"
			raw, _ := st.open(t, prefix)
			calls, store := storetest.Count(raw)
			var srvs [2]*httptest.Server
			var logs syncBuffer
			var tries mostTries
			for i := range srvs {
				h := app(store, prefix, nil, func(c *sessions.Config) {
					c.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelWarn}))
					c.Observer = &tries
				})
				h.GET("/set", func(c *gin.Context) {
					sessions.Get(c).Set(c.Query("k"), true)
					c.String(http.StatusOK, "ok")
				})
				h.GET("/keys", func(c *gin.Context) {
					c.String(http.StatusOK, strings.Join(sessions.Get(c).Keys(), " "))
				})
				srvs[i] = httptest.NewServer(withDeadline(h, 2*time.Minute))
				defer srvs[i].Close()
			}
			hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: parallel}}
			defer hc.CloseIdleConnections()
			get := func(path string, cookie *http.Cookie, instance int) (*http.Response, string, error) {
				req, err := http.NewRequest(http.MethodGet, srvs[instance%2].URL+path, nil)
				if err != nil {
					return nil, "", err
				}
				if cookie != nil {
					req.AddCookie(cookie)
				}
				res, err := hc.Do(req)
				if err != nil {
					return nil, "", err
				}
				defer res.Body.Close()
				body, err := io.ReadAll(res.Body)
				return res, string(body), err
			}
			res, _, err := get("/create", nil, 0)
			if err != nil {
				t.Fatal(err)
			}
			var cookie *http.Cookie
			for _, c := range res.Cookies() {
				if c.Name == sessions.DefaultCookieName {
					cookie = c
				}
			}
			if cookie == nil {
				t.Fatal("GET /create set no cookie")
			}

			before := calls.Calls()
			sem := make(chan struct{}, parallel)
			var wg sync.WaitGroup
			var failed atomic.Int64
			var failures syncBuffer
			for i := range requests {
				wg.Add(1)
				sem <- struct{}{}
				go func() {
					defer func() { <-sem; wg.Done() }()
					path := "/read"
					if i%2 == 0 {
						path = fmt.Sprintf("/set?k=k%04d", i)
					}
					res, body, err := get(path, cookie, i/2)
					switch {
					case err != nil:
						failed.Add(1)
						fmt.Fprintf(&failures, "%s: %v\n", path, err)
					case res.StatusCode != http.StatusOK:
						failed.Add(1)
						fmt.Fprintf(&failures, "%s: %s %q\n", path, res.Status, body)
					}
				}()
			}
			wg.Wait()
			perRequest := float64(calls.Calls()-before) / requests

			_, body, err := get("/keys", cookie, 1)
			if err != nil {
				t.Fatal(err)
			}
			kept := map[string]bool{}
			for _, k := range strings.Fields(body) {
				kept[k] = true
			}
			n := 0
			for i := 0; i < requests; i += 2 {
				if kept[fmt.Sprintf("k%04d", i)] {
					n++
				}
			}
			t.Logf("%s: %d of %d keys kept, %d of %d requests failed, %.2f store calls per request, at most %d tries of one save",
				st.name, n, requests/2, failed.Load(), requests, perRequest, tries.most.Load())
			if n != requests/2 || failed.Load() != 0 {
				t.Logf("failed requests:\n%s\nthe Managers logged:\n%s", failures.String(), logs.String())
				t.Errorf("%d of %d keys kept, %d requests failed; want every key and no failure", n, requests/2, failed.Load())
			}
		})
	}
}

// withDeadline gives each request to h a deadline d from its start, as a
// server's request timeout does; the session's saves wait within it.
func withDeadline(h http.Handler, d time.Duration) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), d)
		defer cancel()
		h.ServeHTTP(w, r.WithContext(ctx))
	})
}
