package memcachedstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/bradfitz/gomemcache/memcache"

	"github.com/serversession/serversession/sessions"
)

// Store is a sessions.Store backed by memcached. It also implements
// sessions.Toucher (touch) and sessions.LoadToucher (gat). It is safe for
// concurrent use.
type Store struct {
	client *memcache.Client
	now    func() time.Time // the clock for absolute expirations
}

var (
	_ sessions.Store       = (*Store)(nil)
	_ sessions.Toucher     = (*Store)(nil)
	_ sessions.LoadToucher = (*Store)(nil)
)

// New returns a Store that keeps records through client. The client stays
// the caller's: the Store never closes it.
func New(client *memcache.Client, opts ...Option) *Store {
	s := &Store{client: client, now: time.Now}
	for _, opt := range opts {
		if opt != nil {
			opt(s)
		}
	}
	return s
}

// begin checks what every method checks before it sends anything: the
// context, and the key.
func begin(ctx context.Context, op, key string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("memcachedstore: %s %q: %w", op, key, err)
	}
	if err := checkKey(key); err != nil {
		return fmt.Errorf("memcachedstore: %s %q: %w", op, key, err)
	}
	return nil
}

// Load returns the record under key. A missing or expired record is
// (nil, false, nil).
func (s *Store) Load(ctx context.Context, key string) ([]byte, bool, error) {
	if err := begin(ctx, "load", key); err != nil {
		return nil, false, err
	}
	item, err := s.client.Get(key)
	return found(ctx, "load", key, item, err)
}

// Save stores data under key to expire after ttl, rounded up to whole
// seconds. A value over the server's item size limit is an error wrapping
// ErrTooLarge.
func (s *Store) Save(ctx context.Context, key string, data []byte, ttl time.Duration) error {
	if err := begin(ctx, "save", key); err != nil {
		return err
	}
	exp, err := expiration(ttl, s.now())
	if err != nil {
		return fmt.Errorf("memcachedstore: save %q: %w", key, err)
	}
	// gomemcache writes Value to the socket before Set returns and keeps no
	// reference to it, so the caller's slice is not retained.
	if err := s.client.Set(&memcache.Item{Key: key, Value: data, Expiration: exp}); err != nil {
		return wrap(ctx, "save", key, err)
	}
	return nil
}

// Delete removes the record under key. A missing record is not an error.
func (s *Store) Delete(ctx context.Context, key string) error {
	if err := begin(ctx, "delete", key); err != nil {
		return err
	}
	if err := s.client.Delete(key); err != nil && !errors.Is(err, memcache.ErrCacheMiss) {
		return wrap(ctx, "delete", key, err)
	}
	return nil
}

// found turns the outcome of a get-like call into Load's results:
// ErrCacheMiss is a missing record, any other error is wrapped.
func found(ctx context.Context, op, key string, item *memcache.Item, err error) ([]byte, bool, error) {
	if errors.Is(err, memcache.ErrCacheMiss) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, wrap(ctx, op, key, err)
	}
	if item == nil { // gomemcache reports a miss as ErrCacheMiss; be safe
		return nil, false, nil
	}
	// gomemcache reads each value into a slice of its own: no copy needed.
	return item.Value, true, nil
}
