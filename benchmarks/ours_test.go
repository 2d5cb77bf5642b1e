package benchmarks

import (
	"net/http"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/labstack/echo/v4"
	"github.com/redis/go-redis/v9"

	"github.com/serversession/serversession/adapters/httpsession"
	"github.com/serversession/serversession/backends/memstore"
	"github.com/serversession/serversession/backends/redisstore"
	"github.com/serversession/serversession/echosession"
	"github.com/serversession/serversession/ginsession"
	"github.com/serversession/serversession/sessions"
)

// serversession, configured as its README recommends: a signed cookie
// (SecretKey), everything else at its defaults (msgpack, 31-day permanent
// sessions, refreshed at most once per RefreshInterval, a minute: the
// timed reads, within a minute of their session's creation, are plain
// loads).

var (
	oursGinMem     = target{lib: "ours-gin", fw: "gin", store: "mem", open: oursOpen(oursGin, storeMem)}
	oursGinRedis   = target{lib: "ours-gin", fw: "gin", store: "redis", open: oursOpen(oursGin, storeRedis)}
	oursEchoMem    = target{lib: "ours-echo", fw: "echo", store: "mem", open: oursOpen(oursEcho, storeMem)}
	oursEchoRedis  = target{lib: "ours-echo", fw: "echo", store: "redis", open: oursOpen(oursEcho, storeRedis)}
	oursHTTPMem    = target{lib: "ours-http", fw: "http", store: "mem", open: oursOpen(oursHTTP, storeMem)}
	oursHTTPRedis  = target{lib: "ours-http", fw: "http", store: "redis", open: oursOpen(oursHTTP, storeRedis)}
	oursAllTargets = []target{oursGinMem, oursGinRedis, oursEchoMem, oursEchoRedis, oursHTTPMem, oursHTTPRedis}

	// With the index of a user's sessions: the scenarios' user_id names
	// the user, so create ties the new session (one round trip more) and
	// read and rmw run on an indexed session (no round trip more).
	oursGinIndexedMem   = target{lib: "ours-gin-indexed", fw: "gin", store: "mem", open: oursOpen(indexed(oursGin), storeMem)}
	oursGinIndexedRedis = target{lib: "ours-gin-indexed", fw: "gin", store: "redis", open: oursOpen(indexed(oursGin), storeRedis)}

	// On Redis with go-redis's client-side cache (RESP3, redisstore's
	// CacheConfig, as its package documentation sets it up): a read within
	// the RefreshInterval is served from the process's memory once warm,
	// with no round trip. The read is timed warm (see warmUp); a
	// read-modify-write writes on every request, so each of its loads goes
	// past the cache, and it costs what it costs without it.
	oursGinRedisCached   = cachedTarget("ours-gin", "gin", oursGin)
	oursEchoRedisCached  = cachedTarget("ours-echo", "echo", oursEcho)
	oursEcho5RedisCached = cachedTarget("ours-echo5", "echo5", oursEcho5)
	oursHTTPRedisCached  = cachedTarget("ours-http", "http", oursHTTP)
	oursCachedTargets    = []target{oursGinRedisCached, oursEchoRedisCached, oursEcho5RedisCached, oursHTTPRedisCached}
)

// The stores serversession's rows run on.
const (
	storeMem         = "mem"          // memstore
	storeRedis       = "redis"        // redisstore
	storeRedisCached = "redis-cached" // redisstore on a client with go-redis's client-side cache
)

// cachedTarget is serversession on fw, served by serve, on Redis with the
// client-side cache: the read and the read-modify-write.
func cachedTarget(lib, fw string, serve func(sessions.Config) http.Handler) target {
	return target{lib: lib, fw: fw, store: storeRedisCached, open: oursOpen(serve, storeRedisCached),
		only: []string{"read", "rmw"}, cached: true}
}

// indexed returns serve with the user index, the user under "user_id".
func indexed(serve func(sessions.Config) http.Handler) func(sessions.Config) http.Handler {
	return func(cfg sessions.Config) http.Handler {
		cfg.Users, cfg.UserKey = &sessions.UserIndexConfig{}, "user_id"
		return serve(cfg)
	}
}

// oursOpen returns a target's open function: the store (memstore, or
// redisstore on a counted go-redis client, with the client-side cache for
// storeRedisCached) under the benchmark's prefix, served by the framework
// that serve builds.
func oursOpen(serve func(sessions.Config) http.Handler, store string) func(testing.TB, string) instance {
	return func(tb testing.TB, prefix string) instance {
		cfg := sessions.Config{SecretKey: secretKey, KeyPrefix: prefix}
		var inst instance
		switch store {
		case storeRedis, storeRedisCached:
			requireRedis(tb, prefix)
			var edit []func(*redis.Options)
			if store == storeRedisCached {
				edit = append(edit, func(o *redis.Options) {
					o.Protocol = 3
					o.ClientSideCacheConfig = redisstore.CacheConfig(10_000, 64<<20)
				})
			}
			rdb, counter := newCountedClient(tb, edit...)
			cfg.Store = redisstore.New(rdb, redisstore.WithKeyPrefix(prefix))
			inst.cmds, inst.trips = counter.n, counter.trips
		case storeMem:
			store := memstore.New()
			tb.Cleanup(func() { store.Close() })
			cfg.Store = store
		default:
			tb.Fatalf("unknown store %q", store)
		}
		inst.h = serve(cfg)
		return inst
	}
}

// The scenario logic, shared by the three adapters.

func oursRead(s *sessions.Session) int {
	n, _ := sessions.Value[int](s, "user_id")
	return n
}

func oursRMW(s *sessions.Session) int {
	n, _ := sessions.Value[int](s, "n")
	n++
	s.Set("n", n)
	return n
}

// oursLarge is oursRMW on the large session; ok is false if its keys are
// missing.
func oursLarge(s *sessions.Session) (n int, ok bool) {
	v, _ := sessions.Value[string](s, lastLargeKey)
	return oursRMW(s), v == largeValue
}

func oursCreate(s *sessions.Session) { s.Set("user_id", 42) }

func oursSeed(s *sessions.Session, large bool) {
	s.Set("user_id", 42)
	s.Set("n", 0)
	if large {
		for i := range largeKeys {
			s.Set(largeKey(i), largeValue)
		}
	}
}

func oursGin(cfg sessions.Config) http.Handler {
	r := gin.New()
	r.Use(ginsession.New(cfg))
	r.GET("/untouched", func(c *gin.Context) { c.Data(http.StatusOK, textPlain, okBody) })
	r.GET("/read", func(c *gin.Context) {
		var buf [20]byte
		c.Data(http.StatusOK, textPlain, appendInt(buf[:0], oursRead(sessions.Get(c))))
	})
	r.GET("/rmw", func(c *gin.Context) {
		var buf [20]byte
		c.Data(http.StatusOK, textPlain, appendInt(buf[:0], oursRMW(sessions.Get(c))))
	})
	r.GET("/large", func(c *gin.Context) {
		n, ok := oursLarge(sessions.Get(c))
		if !ok {
			c.AbortWithStatus(http.StatusInternalServerError)
			return
		}
		var buf [20]byte
		c.Data(http.StatusOK, textPlain, appendInt(buf[:0], n))
	})
	r.GET("/create", func(c *gin.Context) {
		oursCreate(sessions.Get(c))
		c.Data(http.StatusOK, textPlain, okBody)
	})
	r.GET("/seed", func(c *gin.Context) { oursSeed(sessions.Get(c), false); c.Data(http.StatusOK, textPlain, okBody) })
	r.GET("/seedlarge", func(c *gin.Context) { oursSeed(sessions.Get(c), true); c.Data(http.StatusOK, textPlain, okBody) })
	return r
}

func oursEcho(cfg sessions.Config) http.Handler {
	e := echo.New()
	e.Use(echosession.New(cfg))
	e.GET("/untouched", func(c echo.Context) error { return c.Blob(http.StatusOK, textPlain, okBody) })
	e.GET("/read", func(c echo.Context) error {
		var buf [20]byte
		return c.Blob(http.StatusOK, textPlain, appendInt(buf[:0], oursRead(sessions.Get(c))))
	})
	e.GET("/rmw", func(c echo.Context) error {
		var buf [20]byte
		return c.Blob(http.StatusOK, textPlain, appendInt(buf[:0], oursRMW(sessions.Get(c))))
	})
	e.GET("/large", func(c echo.Context) error {
		n, ok := oursLarge(sessions.Get(c))
		if !ok {
			return c.NoContent(http.StatusInternalServerError)
		}
		var buf [20]byte
		return c.Blob(http.StatusOK, textPlain, appendInt(buf[:0], n))
	})
	e.GET("/create", func(c echo.Context) error {
		oursCreate(sessions.Get(c))
		return c.Blob(http.StatusOK, textPlain, okBody)
	})
	e.GET("/seed", func(c echo.Context) error {
		oursSeed(sessions.Get(c), false)
		return c.Blob(http.StatusOK, textPlain, okBody)
	})
	e.GET("/seedlarge", func(c echo.Context) error {
		oursSeed(sessions.Get(c), true)
		return c.Blob(http.StatusOK, textPlain, okBody)
	})
	return e
}

func oursHTTP(cfg sessions.Config) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /untouched", func(w http.ResponseWriter, r *http.Request) { writeBody(w, okBody) })
	mux.HandleFunc("GET /read", func(w http.ResponseWriter, r *http.Request) {
		var buf [20]byte
		writeBody(w, appendInt(buf[:0], oursRead(sessions.Get(r))))
	})
	mux.HandleFunc("GET /rmw", func(w http.ResponseWriter, r *http.Request) {
		var buf [20]byte
		writeBody(w, appendInt(buf[:0], oursRMW(sessions.Get(r))))
	})
	mux.HandleFunc("GET /large", func(w http.ResponseWriter, r *http.Request) {
		n, ok := oursLarge(sessions.Get(r))
		if !ok {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		var buf [20]byte
		writeBody(w, appendInt(buf[:0], n))
	})
	mux.HandleFunc("GET /create", func(w http.ResponseWriter, r *http.Request) {
		oursCreate(sessions.Get(r))
		writeBody(w, okBody)
	})
	mux.HandleFunc("GET /seed", func(w http.ResponseWriter, r *http.Request) { oursSeed(sessions.Get(r), false); writeBody(w, okBody) })
	mux.HandleFunc("GET /seedlarge", func(w http.ResponseWriter, r *http.Request) { oursSeed(sessions.Get(r), true); writeBody(w, okBody) })
	return httpsession.New(cfg)(mux)
}

// writeBody answers 200 with body as text/plain, as gin's c.Data and echo's
// c.Blob do.
func writeBody(w http.ResponseWriter, body []byte) {
	w.Header().Set("Content-Type", textPlain)
	w.WriteHeader(http.StatusOK)
	w.Write(body)
}
