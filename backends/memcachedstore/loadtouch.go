package memcachedstore

import (
	"context"
	"fmt"
	"time"

	"github.com/serversession/serversession/sessions"
)

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
