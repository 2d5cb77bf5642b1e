//go:build redis

package demo

import (
	"github.com/redis/go-redis/v9"

	"github.com/serversession/serversession/backends/redisstore"
	"github.com/serversession/serversession/sessions"
)

// The "redis" choice: redisstore on $SERVERSESSION_REDIS_ADDR
// (127.0.0.1:6379 by default). go-redis is the largest package of the
// demo's build, so this file is built only with -tags redis.
func init() {
	Stores["redis"] = func(string) (sessions.Store, func(), error) {
		rdb := redis.NewClient(&redis.Options{Addr: env("SERVERSESSION_REDIS_ADDR", "127.0.0.1:6379")})
		return redisstore.New(rdb), func() { rdb.Close() }, nil
	}
}
