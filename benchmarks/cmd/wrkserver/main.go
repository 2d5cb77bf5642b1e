// Command wrkserver is the Gin server that wrk.sh loads: the same routes on
// the same Gin setup, with sessions from serversession (ginsession on
// redisstore) or from gin-contrib/sessions (on its redis store), so that
// the two differ only in the session library.
//
//	wrkserver -lib ours -addr 127.0.0.1:18081
//	wrkserver -lib ours -cache -addr 127.0.0.1:18083
//	wrkserver -lib gincontrib -addr 127.0.0.1:18082
//
// -cache gives serversession's go-redis client the client-side cache
// (RESP3 and redisstore.CacheConfig, as redisstore's documentation sets it
// up), so that reads within the RefreshInterval are served from memory once
// warm.
//
// Routes: /seed starts a session (user_id = 42, n = 0), /read answers
// user_id, /rmw increments n and answers it. Redis is
// $SERVERSESSION_REDIS_ADDR (default 127.0.0.1:6379); keys go under
// -prefix.
package main

import (
	"context"
	"errors"
	"flag"
	"log"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	gcsessions "github.com/gin-contrib/sessions"
	gcredis "github.com/gin-contrib/sessions/redis"
	"github.com/gin-gonic/gin"
	"github.com/redis/go-redis/v9"

	"github.com/serversession/serversession/backends/redisstore"
	"github.com/serversession/serversession/ginsession"
	"github.com/serversession/serversession/sessions"
)

const textPlain = "text/plain; charset=utf-8"

var secretKey = []byte("serversession-benchmarks-secret-key-32b")

func main() {
	lib := flag.String("lib", "ours", "session library: ours or gincontrib")
	addr := flag.String("addr", "127.0.0.1:18081", "listen address (loopback only)")
	prefix := flag.String("prefix", "wrkbench:", "Redis key prefix")
	cache := flag.Bool("cache", false, "with -lib ours: go-redis's client-side cache on")
	flag.Parse()
	if *cache && *lib != "ours" {
		log.Fatal("-cache is for -lib ours only")
	}

	redisAddr := os.Getenv("SERVERSESSION_REDIS_ADDR")
	if redisAddr == "" {
		redisAddr = "127.0.0.1:6379"
	}
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.Use(gin.Recovery())

	switch *lib {
	case "ours":
		opt := &redis.Options{Addr: redisAddr}
		if *cache {
			opt.Protocol = 3
			opt.ClientSideCacheConfig = redisstore.CacheConfig(10_000, 64<<20)
		}
		rdb := redis.NewClient(opt)
		defer rdb.Close()
		r.Use(ginsession.New(sessions.Config{Store: redisstore.New(rdb, redisstore.WithKeyPrefix(*prefix)), SecretKey: secretKey, KeyPrefix: *prefix}))
		ours(r)
	case "gincontrib":
		store, err := gcredis.NewStore(10, "tcp", redisAddr, "", "", secretKey)
		if err != nil {
			log.Fatal(err)
		}
		if err := gcredis.SetKeyPrefix(store, *prefix); err != nil {
			log.Fatal(err)
		}
		r.Use(gcsessions.Sessions("session", store))
		ginContrib(r)
	default:
		log.Fatalf("unknown -lib %q: use ours or gincontrib", *lib)
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	srv := &http.Server{Addr: *addr, Handler: r, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	log.Printf("wrkserver: %s listening on %s", *lib, *addr)
	select {
	case err := <-errc:
		log.Fatal(err)
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Print(err)
	}
}

func ours(r *gin.Engine) {
	r.GET("/seed", func(c *gin.Context) {
		s := sessions.Get(c)
		s.Set("user_id", 42)
		s.Set("n", 0)
		c.Data(http.StatusOK, textPlain, []byte("ok"))
	})
	r.GET("/read", func(c *gin.Context) {
		n, _ := sessions.Value[int](sessions.Get(c), "user_id")
		c.Data(http.StatusOK, textPlain, strconv.AppendInt(nil, int64(n), 10))
	})
	r.GET("/rmw", func(c *gin.Context) {
		s := sessions.Get(c)
		n, _ := sessions.Value[int](s, "n")
		n++
		s.Set("n", n)
		c.Data(http.StatusOK, textPlain, strconv.AppendInt(nil, int64(n), 10))
	})
}

func ginContrib(r *gin.Engine) {
	save := func(c *gin.Context, s gcsessions.Session) bool {
		if err := s.Save(); err != nil {
			c.String(http.StatusInternalServerError, "save: %v", err)
			return false
		}
		return true
	}
	r.GET("/seed", func(c *gin.Context) {
		s := gcsessions.Default(c)
		s.Set("user_id", 42)
		s.Set("n", 0)
		if save(c, s) {
			c.Data(http.StatusOK, textPlain, []byte("ok"))
		}
	})
	r.GET("/read", func(c *gin.Context) {
		n, _ := gcsessions.Default(c).Get("user_id").(int)
		c.Data(http.StatusOK, textPlain, strconv.AppendInt(nil, int64(n), 10))
	})
	r.GET("/rmw", func(c *gin.Context) {
		s := gcsessions.Default(c)
		n, _ := s.Get("n").(int)
		n++
		s.Set("n", n)
		if save(c, s) {
			c.Data(http.StatusOK, textPlain, strconv.AppendInt(nil, int64(n), 10))
		}
	})
}
