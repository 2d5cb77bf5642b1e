package redisstore

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/serversession/serversession/sessions"
)

// Store is a sessions.Store backed by Redis. It also implements
// sessions.Toucher (PEXPIRE) and sessions.LoadToucher (GETEX). It is safe for
// concurrent use.
type Store struct {
	client redis.UniversalClient
	// noGetEx is set once the server has answered GETEX with "unknown
	// command" (Redis before 6.2); LoadTouch then pipelines GET + PEXPIRE.
	noGetEx atomic.Bool
}

var (
	_ sessions.Store       = (*Store)(nil)
	_ sessions.Toucher     = (*Store)(nil)
	_ sessions.LoadToucher = (*Store)(nil)
)

// New returns a Store that keeps records through client. The client stays
// the caller's: the Store never closes it.
func New(client redis.UniversalClient, opts ...Option) *Store {
	s := &Store{client: client}
	for _, opt := range opts {
		if opt != nil {
			opt(s)
		}
	}
	return s
}

// Load returns the record under key with GET. A missing or expired record is
// (nil, false, nil).
func (s *Store) Load(ctx context.Context, key string) ([]byte, bool, error) {
	if err := ctx.Err(); err != nil {
		return nil, false, fmt.Errorf("redisstore: load %q: %w", key, err)
	}
	cmd := redis.NewStringCmd(ctx, "get", key)
	return found(s.client.Process(ctx, cmd), cmd, "load", key)
}

// Save stores data under key with SET key data PX ttl; ttl is rounded up to
// whole milliseconds and must be positive.
func (s *Store) Save(ctx context.Context, key string, data []byte, ttl time.Duration) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("redisstore: save %q: %w", key, err)
	}
	ms, err := millis(ttl)
	if err != nil {
		return fmt.Errorf("redisstore: save %q: %w", key, err)
	}
	if err := s.client.Process(ctx, redis.NewStatusCmd(ctx, "set", key, data, "px", ms)); err != nil {
		return fmt.Errorf("redisstore: save %q: %w", key, err)
	}
	return nil
}

// Delete removes the record under key with DEL. A missing record is not an
// error.
func (s *Store) Delete(ctx context.Context, key string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("redisstore: delete %q: %w", key, err)
	}
	if err := s.client.Process(ctx, redis.NewIntCmd(ctx, "del", key)); err != nil {
		return fmt.Errorf("redisstore: delete %q: %w", key, err)
	}
	return nil
}

// found turns the outcome of a GET-like command into Load's results:
// redis.Nil is a missing record, any other error is wrapped with op and key.
func found(err error, cmd *redis.StringCmd, op, key string) ([]byte, bool, error) {
	if errors.Is(err, redis.Nil) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("redisstore: %s %q: %w", op, key, err)
	}
	// Bytes copies the reply string: the caller owns the slice.
	data, err := cmd.Bytes()
	if err != nil {
		return nil, false, fmt.Errorf("redisstore: %s %q: %w", op, key, err)
	}
	return data, true, nil
}
