package redisstore

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/serversession/serversession/sessions"
)

// LoadTouch returns the record under key and sets it to expire after ttl in
// one round trip: GETEX key PX ttl. A missing record is found == false
// with a nil error, and is not created (GETEX and PEXPIRE never create a
// key). Against a server without GETEX (before Redis 6.2) it pipelines GET
// and PEXPIRE instead, still in one round trip.
func (s *Store) LoadTouch(ctx context.Context, key string, ttl time.Duration) (sessions.Record, bool, error) {
	if err := ctx.Err(); err != nil {
		return sessions.Record{}, false, fmt.Errorf("redisstore: load-touch %q: %w", key, err)
	}
	ms, err := millis(ttl)
	if err != nil {
		return sessions.Record{}, false, fmt.Errorf("redisstore: load-touch %q: %w", key, err)
	}
	if !s.noGetEx.Load() {
		cmd := redis.NewStringCmd(ctx, "getex", key, "px", ms)
		err := s.client.Process(ctx, cmd)
		if !unknownCommand(err) {
			return found(err, cmd, "load-touch", key)
		}
		s.noGetEx.Store(true)
	}
	return s.getPExpire(ctx, key, ms)
}

// getPExpire is LoadTouch for servers without GETEX: GET and PEXPIRE sent
// together in one pipeline, one round trip.
func (s *Store) getPExpire(ctx context.Context, key string, ms int64) (sessions.Record, bool, error) {
	ctx = redis.WithoutCache(ctx) // the GET refreshes: never from the cache
	pipe := s.client.Pipeline()
	get := redis.NewStringCmd(ctx, "get", key)
	_ = pipe.Process(ctx, get)
	_ = pipe.Process(ctx, redis.NewBoolCmd(ctx, "pexpire", key, ms))
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return sessions.Record{}, false, fmt.Errorf("redisstore: load-touch %q: %w", key, err)
	}
	return found(get.Err(), get, "load-touch", key)
}

// unknownCommand reports whether err is the server saying it has no such
// command, as Redis before 6.2 answers GETEX.
func unknownCommand(err error) bool {
	var rerr redis.Error
	if err == nil || !errors.As(err, &rerr) {
		return false
	}
	return strings.Contains(strings.ToLower(rerr.Error()), "unknown command")
}
