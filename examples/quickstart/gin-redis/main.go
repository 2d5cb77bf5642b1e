// Command gin-redis is the README's first quickstart: a Gin app whose
// sessions live in Redis.
//
//	SESSION_SECRET_KEY=$(openssl rand -base64 32) go run .
package main

import (
	"context"
	"log"
	"net/http"
	"os"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/redis/go-redis/v9"

	"github.com/serversession/serversession/backends/redisstore"
	"github.com/serversession/serversession/ginsession"
	"github.com/serversession/serversession/sessions"
)

func main() {
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379"})
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if err := rdb.Ping(ctx).Err(); err != nil {
		log.Fatalf("redis at %s does not answer: %v", rdb.Options().Addr, err)
	}
	key := []byte(os.Getenv("SESSION_SECRET_KEY")) // signs the session ID in the cookie
	if len(key) < 16 {
		log.Fatal("set SESSION_SECRET_KEY to 32 random bytes: SESSION_SECRET_KEY=$(openssl rand -base64 32) go run .")
	}
	cfg := sessions.Config{
		Store:     redisstore.New(rdb),
		SecretKey: key,
	}
	log.Fatal(http.ListenAndServe("127.0.0.1:8080", newRouter(cfg)))
}

func newRouter(cfg sessions.Config) *gin.Engine {
	r := gin.Default()
	r.Use(ginsession.New(cfg)) // panics at startup, saying what to fix, if cfg is invalid
	r.GET("/", func(c *gin.Context) {
		s := sessions.Get(c)
		visits, _ := sessions.Value[int](s, "visits")
		s.Set("visits", visits+1) // saved for you before the response goes out
		c.JSON(http.StatusOK, gin.H{"user": s.User(), "visits": visits + 1})
	})
	r.POST("/login", func(c *gin.Context) {
		s := sessions.Get(c)
		s.Regenerate() // a new session ID at login defeats session fixation
		s.SetUser(c.PostForm("user"))
		c.Redirect(http.StatusSeeOther, "/")
	})
	r.POST("/logout", func(c *gin.Context) {
		sessions.Get(c).Destroy() // deletes the record, expires the cookie
		c.Redirect(http.StatusSeeOther, "/")
	})
	return r
}
