package requestbench

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	metricnoop "go.opentelemetry.io/otel/metric/noop"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	tracenoop "go.opentelemetry.io/otel/trace/noop"

	"github.com/serversession/serversession/adapters/httpsession"
	"github.com/serversession/serversession/backends/memstore"
	"github.com/serversession/serversession/backends/redisstore"
	"github.com/serversession/serversession/extra/otelsessions"
	"github.com/serversession/serversession/internal/testserver"
	"github.com/serversession/serversession/sessions"
)

// redisClient returns a client of the test Redis, with go-redis's
// client-side cache as redisstore's documentation sets it up when cached,
// with its connection pools' handshakes done.
func redisClient(tb testing.TB, cached bool) *redis.Client {
	tb.Helper()
	opts := &redis.Options{Addr: testserver.Addr(tb, "SERVERSESSION_REDIS_ADDR", "127.0.0.1:6379"), ContextTimeoutEnabled: true}
	if cached {
		opts.Protocol = 3
		opts.ClientSideCacheConfig = redisstore.CacheConfig(1000, 16<<20)
	}
	rdb := redis.NewClient(opts)
	tb.Cleanup(func() { rdb.Close() })
	if err := rdb.Ping(context.Background()).Err(); err != nil {
		tb.Fatal(err)
	}
	return rdb
}

// sessionApp serves /login (v=1), /write?v= and /read (v) over
// httpsession with cfg.
func sessionApp(cfg sessions.Config) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/login", func(w http.ResponseWriter, r *http.Request) { sessions.Get(r).Set("v", "1") })
	mux.HandleFunc("/write", func(w http.ResponseWriter, r *http.Request) { sessions.Get(r).Set("v", r.URL.Query().Get("v")) })
	mux.HandleFunc("/read", func(w http.ResponseWriter, r *http.Request) {
		v, _ := sessions.Value[string](sessions.Get(r), "v")
		fmt.Fprint(w, v)
	})
	return httpsession.New(cfg)(mux)
}

// TestCacheMetrics runs two processes over real HTTP on the test Redis: a
// writer without a cache and a reader with go-redis's client-side cache,
// reported by otelsessions with WithCache. Its serversession.cache.requests
// count a cold read as a miss, a warm read as a hit, and the first read
// after the writer's write (Redis invalidated the reader's copy) as a miss
// again; every plain load of the reader is one or the other, and its
// refresh (load_touch) neither.
func TestCacheMetrics(t *testing.T) {
	prefix := "requestbench:" + random() + ":"
	cfg := sessions.Config{KeyPrefix: prefix, Logger: discardLogger()}

	writerCfg := cfg
	writerCfg.Store = redisstore.New(redisClient(t, false), redisstore.WithKeyPrefix(prefix))
	writer := httptest.NewServer(sessionApp(writerCfg))
	t.Cleanup(writer.Close)

	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	t.Cleanup(func() { _ = mp.Shutdown(context.Background()) })
	store := redisstore.New(redisClient(t, true), redisstore.WithKeyPrefix(prefix))
	obs, err := otelsessions.New(otelsessions.WithMeterProvider(mp), otelsessions.WithCache(store))
	if err != nil {
		t.Fatal(err)
	}
	readerCfg := cfg
	readerCfg.Store, readerCfg.Observer = store, obs
	cached := httptest.NewServer(sessionApp(readerCfg))
	t.Cleanup(cached.Close)

	// Both servers are on 127.0.0.1: the jar sends the session cookie to
	// either, as a browser behind a load balancer would.
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar}
	get := func(srv *httptest.Server, path string) string {
		t.Helper()
		resp, err := client.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d %s", path, resp.StatusCode, body)
		}
		return string(body)
	}
	// want checks the reader's cache counts, and that its plain loads are
	// as many as its hits and misses.
	want := func(step string, hits, misses int64) {
		t.Helper()
		got, loads := collect(t, reader)
		if got["hit"] != hits || got["miss"] != misses {
			t.Errorf("%s: serversession.cache.requests = %d hits, %d misses; want %d, %d", step, got["hit"], got["miss"], hits, misses)
		}
		if loads != hits+misses {
			t.Errorf("%s: %d loads, %d cache lookups", step, loads, hits+misses)
		}
	}

	get(writer, "/login")
	want("before any read", 0, 0)
	// The reader's first read of the session refreshes it (the reader
	// has not refreshed it within the RefreshInterval): a load_touch,
	// GETEX, which is never cached and so neither a hit nor a miss.
	if v := get(cached, "/read"); v != "1" {
		t.Fatalf("first read: %q", v)
	}
	want("after the refresh", 0, 0)
	if v := get(cached, "/read"); v != "1" {
		t.Fatalf("cold read: %q", v)
	}
	want("after a cold read", 0, 1)
	for range 3 {
		if v := get(cached, "/read"); v != "1" {
			t.Fatalf("warm read: %q", v)
		}
	}
	want("after three warm reads", 3, 1)

	get(writer, "/write?v=2")
	stale := int64(0)
	for start := time.Now(); ; stale++ {
		at := time.Now() // a read counts against the cap from when it started
		if get(cached, "/read") == "2" {
			break
		}
		if at.Sub(start) > redisstore.CacheMaxStaleness {
			t.Fatalf("the reader still reads the old record %v after the write", at.Sub(start))
		}
		time.Sleep(time.Millisecond)
	}
	t.Logf("the reader read the old record %d times before the invalidation arrived", stale)
	want("after the read the invalidation sent to the server", 3+stale, 2)
	get(cached, "/read")
	want("after a warm read", 4+stale, 2)
}

// collect returns serversession.cache.requests by result, and the plain
// loads (not load_touch) serversession.store.duration counted.
func collect(t *testing.T, reader sdkmetric.Reader) (cache map[string]int64, loads int64) {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	cache = map[string]int64{}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			switch d := m.Data.(type) {
			case metricdata.Sum[int64]:
				if m.Name != "serversession.cache.requests" {
					continue
				}
				for _, p := range d.DataPoints {
					res, _ := p.Attributes.Value(otelsessions.AttrCacheResult)
					if sys, _ := p.Attributes.Value("db.system.name"); sys.AsString() != "redis" {
						t.Errorf("cache data point %v: want db.system.name redis", p.Attributes.ToSlice())
					}
					cache[res.AsString()] += p.Value
				}
			case metricdata.Histogram[float64]:
				if m.Name != "serversession.store.duration" {
					continue
				}
				for _, p := range d.DataPoints {
					if op, _ := p.Attributes.Value("db.operation.name"); op.AsString() == "load" {
						loads += int64(p.Count)
					}
				}
			}
		}
	}
	return cache, loads
}

// discardSpans is a span exporter that drops what it is given.
type discardSpans struct{}

func (discardSpans) ExportSpans(context.Context, []sdktrace.ReadOnlySpan) error { return nil }
func (discardSpans) Shutdown(context.Context) error                             { return nil }

// BenchmarkTelemetry measures a read and a read-modify-write through
// httpsession, with telemetry off, with otelsessions on the no-op
// providers, and with otelsessions on the SDK (every span sampled, batched
// to an exporter that discards them; metrics aggregated by a reader), on
// memstore, on Redis, and on Redis with go-redis's client-side cache
// (otelsessions.WithCache given the store; its counts are read at
// collection, which the benchmark never does).
func BenchmarkTelemetry(b *testing.B) {
	for _, st := range []string{"memory", "redis", "redis-cached"} {
		b.Run("store="+st, func(b *testing.B) {
			for _, mode := range []string{"off", "noop", "sdk"} {
				b.Run("telemetry="+mode, func(b *testing.B) { benchTelemetry(b, st, mode) })
			}
		})
	}
}

func benchTelemetry(b *testing.B, st, mode string) {
	prefix := "requestbench:" + random() + ":"
	var store sessions.Store
	switch st {
	case "memory":
		s := memstore.New()
		b.Cleanup(func() { s.Close() })
		store = s
	default:
		store = redisstore.New(redisClient(b, st == "redis-cached"), redisstore.WithKeyPrefix(prefix))
	}
	var opts []otelsessions.Option
	if c, ok := store.(otelsessions.Cache); ok && st == "redis-cached" {
		opts = append(opts, otelsessions.WithCache(c))
	}
	cfg := sessions.Config{Store: store, KeyPrefix: prefix, Logger: discardLogger()}
	switch mode {
	case "noop":
		opts = append(opts, otelsessions.WithTracerProvider(tracenoop.NewTracerProvider()),
			otelsessions.WithMeterProvider(metricnoop.NewMeterProvider()))
	case "sdk":
		tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(discardSpans{}))
		mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader()))
		b.Cleanup(func() { _ = tp.Shutdown(context.Background()); _ = mp.Shutdown(context.Background()) })
		opts = append(opts, otelsessions.WithTracerProvider(tp), otelsessions.WithMeterProvider(mp))
	}
	if mode != "off" {
		obs, err := otelsessions.New(opts...)
		if err != nil {
			b.Fatal(err)
		}
		cfg.Observer = obs
	}
	app := httpsession.New(cfg)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := sessions.Get(r)
		switch r.URL.Path {
		case "/login":
			s.Set("n", 0)
		case "/read":
			s.Get("n")
		case "/rmw":
			n, _ := sessions.Value[int](s, "n")
			s.Set("n", n+1)
		}
	}))
	rec := httptest.NewRecorder()
	app.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/login", nil))
	cookie := rec.Result().Cookies()[0]
	if st == "redis-cached" {
		time.Sleep(redisstore.CacheMaxStaleness) // past the reads of its own write
	}
	for _, path := range []string{"/read", "/rmw"} {
		b.Run("scenario="+path[1:], func(b *testing.B) {
			req := httptest.NewRequest(http.MethodGet, path, nil)
			req.AddCookie(cookie)
			app.ServeHTTP(httptest.NewRecorder(), req) // warms the cache
			b.ReportAllocs()
			for b.Loop() {
				app.ServeHTTP(httptest.NewRecorder(), req)
			}
		})
	}
}
