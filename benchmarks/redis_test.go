package benchmarks

import (
	"context"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// redisAddr is the Redis server the redis rows use:
// $SERVERSESSION_REDIS_ADDR, or 127.0.0.1:6379.
func redisAddr() string {
	if a := os.Getenv("SERVERSESSION_REDIS_ADDR"); a != "" {
		return a
	}
	return "127.0.0.1:6379"
}

var (
	redisOnce sync.Once
	redisErr  error
)

// requireRedis skips tb unless Redis answers, and schedules the deletion of
// every key under prefix when tb ends. It never flushes the server: each
// benchmark owns its prefix.
func requireRedis(tb testing.TB, prefix string) {
	tb.Helper()
	redisOnce.Do(func() {
		rdb := redis.NewClient(&redis.Options{Addr: redisAddr(), DialTimeout: time.Second})
		defer rdb.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		redisErr = rdb.Ping(ctx).Err()
	})
	if redisErr != nil {
		msg := fmt.Sprintf("redis rows skipped: no Redis at %s (%v); start it with scripts/test-servers.sh or set SERVERSESSION_REDIS_ADDR", redisAddr(), redisErr)
		if os.Getenv("SERVERSESSION_REQUIRE_SERVERS") != "" {
			tb.Fatal(msg)
		}
		tb.Skip(msg)
	}
	tb.Cleanup(func() {
		if err := deletePrefix(prefix); err != nil {
			tb.Errorf("delete keys %s*: %v", prefix, err)
		}
	})
}

// deletePrefix removes the keys under prefix, in batches.
func deletePrefix(prefix string) error {
	rdb := redis.NewClient(&redis.Options{Addr: redisAddr()})
	defer rdb.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var cursor uint64
	for {
		keys, next, err := rdb.Scan(ctx, cursor, prefix+"*", 1000).Result()
		if err != nil {
			return err
		}
		if len(keys) > 0 {
			if err := rdb.Unlink(ctx, keys...).Err(); err != nil {
				return err
			}
		}
		if cursor = next; cursor == 0 {
			return nil
		}
	}
}

// newCountedClient returns a go-redis client whose commands are counted:
// one per command, pipelined or not.
func newCountedClient(tb testing.TB) (*redis.Client, commandCounter) {
	rdb := redis.NewClient(&redis.Options{Addr: redisAddr()})
	tb.Cleanup(func() { rdb.Close() })
	c := commandCounter{n: new(atomic.Int64), trips: new(atomic.Int64)}
	rdb.AddHook(c)
	return rdb, c
}

// commandCounter is a go-redis hook that counts commands and round trips.
type commandCounter struct{ n, trips *atomic.Int64 }

func (commandCounter) DialHook(next redis.DialHook) redis.DialHook { return next }

func (c commandCounter) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		c.n.Add(1)
		c.trips.Add(1)
		return next(ctx, cmd)
	}
}

func (c commandCounter) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		c.n.Add(int64(len(cmds)))
		c.trips.Add(1)
		return next(ctx, cmds)
	}
}
