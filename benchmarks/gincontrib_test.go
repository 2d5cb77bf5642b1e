package benchmarks

import (
	"net/http"
	"testing"

	gcsessions "github.com/gin-contrib/sessions"
	gcmemstore "github.com/gin-contrib/sessions/memstore"
	gcredis "github.com/gin-contrib/sessions/redis"
	"github.com/gin-gonic/gin"
)

// gin-contrib/sessions, as its README sets it up: sessions.Sessions with a
// signing key, and an explicit Save after every change (it has no other
// way to persist).

var (
	ginContribMem   = target{lib: "gincontrib", fw: "gin", store: "mem", open: ginContribOpenMem}
	ginContribRedis = target{lib: "gincontrib", fw: "gin", store: "redis", open: ginContribOpenRedis}
)

// ginContribOpenMem uses gin-contrib's memstore (quasoft/memstore).
func ginContribOpenMem(tb testing.TB, _ string) instance {
	return instance{h: ginContribHandler(gcmemstore.NewStore(secretKey))}
}

// ginContribOpenRedis uses gin-contrib's redis store (boj/redistore on
// redigo), built by its own constructor, with a pool of 10 idle
// connections. Its 4096-byte limit on encoded sessions is lifted, as its
// docs say to for large sessions; otherwise the large scenario fails.
func ginContribOpenRedis(tb testing.TB, prefix string) instance {
	requireRedis(tb, prefix)
	store, err := gcredis.NewStore(10, "tcp", redisAddr(), "", "", secretKey)
	if err != nil {
		tb.Fatalf("gin-contrib redis store: %v", err)
	}
	if err := gcredis.SetKeyPrefix(store, prefix); err != nil {
		tb.Fatal(err)
	}
	rs, err := gcredis.GetRedisStore(store)
	if err != nil {
		tb.Fatal(err)
	}
	rs.SetMaxLength(0)
	tb.Cleanup(func() { rs.Close() })
	return instance{h: ginContribHandler(store)}
}

func ginContribHandler(store gcsessions.Store) http.Handler {
	r := gin.New()
	r.Use(gcsessions.Sessions(cookieName, store))
	r.GET("/untouched", func(c *gin.Context) { c.Data(http.StatusOK, textPlain, okBody) })
	r.GET("/read", func(c *gin.Context) {
		n, _ := gcsessions.Default(c).Get("user_id").(int)
		var buf [20]byte
		c.Data(http.StatusOK, textPlain, appendInt(buf[:0], n))
	})
	r.GET("/rmw", func(c *gin.Context) {
		s := gcsessions.Default(c)
		n, _ := s.Get("n").(int)
		n++
		s.Set("n", n)
		if err := s.Save(); err != nil {
			c.String(http.StatusInternalServerError, "save: %v", err)
			return
		}
		var buf [20]byte
		c.Data(http.StatusOK, textPlain, appendInt(buf[:0], n))
	})
	r.GET("/large", func(c *gin.Context) {
		s := gcsessions.Default(c)
		if v, _ := s.Get(lastLargeKey).(string); v != largeValue {
			c.AbortWithStatus(http.StatusInternalServerError)
			return
		}
		n, _ := s.Get("n").(int)
		n++
		s.Set("n", n)
		if err := s.Save(); err != nil {
			c.String(http.StatusInternalServerError, "save: %v", err)
			return
		}
		var buf [20]byte
		c.Data(http.StatusOK, textPlain, appendInt(buf[:0], n))
	})
	r.GET("/create", func(c *gin.Context) {
		s := gcsessions.Default(c)
		s.Set("user_id", 42)
		if err := s.Save(); err != nil {
			c.String(http.StatusInternalServerError, "save: %v", err)
			return
		}
		c.Data(http.StatusOK, textPlain, okBody)
	})
	seed := func(large bool) gin.HandlerFunc {
		return func(c *gin.Context) {
			s := gcsessions.Default(c)
			s.Set("user_id", 42)
			s.Set("n", 0)
			if large {
				for i := range largeKeys {
					s.Set(largeKey(i), largeValue)
				}
			}
			if err := s.Save(); err != nil {
				c.String(http.StatusInternalServerError, "save: %v", err)
				return
			}
			c.Data(http.StatusOK, textPlain, okBody)
		}
	}
	r.GET("/seed", seed(false))
	r.GET("/seedlarge", seed(true))
	return r
}
