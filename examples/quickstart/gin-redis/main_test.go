package main

import (
	"context"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/redis/go-redis/v9"

	"github.com/serversession/serversession/backends/redisstore"
	"github.com/serversession/serversession/examples/quickstart"
	"github.com/serversession/serversession/internal/testserver"
	"github.com/serversession/serversession/sessions"
)

func TestQuickstart(t *testing.T) {
	addr := testserver.Addr(t, "SERVERSESSION_REDIS_ADDR", "127.0.0.1:6379")
	rdb := redis.NewClient(&redis.Options{Addr: addr})
	defer rdb.Close()
	if err := rdb.Ping(context.Background()).Err(); err != nil {
		t.Fatal(err)
	}
	prefix := testserver.KeyPrefix(t, "quickstart")
	gin.SetMode(gin.TestMode)
	quickstart.Flow(t, newRouter(sessions.Config{
		Store:     redisstore.New(rdb, redisstore.WithKeyPrefix(prefix)),
		KeyPrefix: prefix,
		SecretKey: []byte("quickstart-test-key-32-bytes-ok!"),
	}))
}
