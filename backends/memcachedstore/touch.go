package memcachedstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/bradfitz/gomemcache/memcache"

	"github.com/serversession/serversession/sessions"
)

// Touch sets the record under key to expire after ttl with memcached's touch
// command, without rewriting its data. A missing record is not an error and
// is not created.
func (s *Store) Touch(ctx context.Context, key string, ttl time.Duration) error {
	if err := begin(ctx, "touch", key); err != nil {
		return err
	}
	exp, err := expiration(ttl, s.now())
	if err != nil {
		return fmt.Errorf("memcachedstore: touch %q: %w", key, err)
	}
	if err := s.client.Touch(key, exp); err != nil && !errors.Is(err, memcache.ErrCacheMiss) {
		return wrap(ctx, "touch", key, err)
	}
	return nil
}

// LoadTouch returns the record under key and sets it to expire after ttl in
// one round trip, with memcached's gat (get and touch) command. A missing
// record is found == false with a nil error, and is not created. gat returns
// no CAS value, so the Record's Version is 0, and a Replace of it reads the
// item again to compare bytes (two round trips; see Replace).
func (s *Store) LoadTouch(ctx context.Context, key string, ttl time.Duration) (sessions.Record, bool, error) {
	if err := begin(ctx, "load-touch", key); err != nil {
		return sessions.Record{}, false, err
	}
	exp, err := expiration(ttl, s.now())
	if err != nil {
		return sessions.Record{}, false, fmt.Errorf("memcachedstore: load-touch %q: %w", key, err)
	}
	item, err := s.client.GetAndTouch(key, exp)
	return found(ctx, "load-touch", key, item, err)
}
