package memstore

import (
	"context"
	"fmt"
	"time"

	"github.com/serversession/serversession/sessions"
)

// LoadTouch returns a copy of the record under key, with a zero Version,
// and sets it to expire after ttl, under one lock. A missing or expired
// record is (Record{}, false, nil) and stays missing.
func (s *Store) LoadTouch(ctx context.Context, key string, ttl time.Duration) (sessions.Record, bool, error) {
	if err := ctx.Err(); err != nil {
		return sessions.Record{}, false, fmt.Errorf("memstore: load-touch %q: %w", key, err)
	}
	if ttl <= 0 {
		return sessions.Record{}, false, fmt.Errorf("memstore: load-touch %q: ttl %v is not positive", key, ttl)
	}
	data, ok := s.touch(key, ttl)
	if !ok {
		return sessions.Record{}, false, nil
	}
	return sessions.Record{Data: clone(data)}, true, nil
}

// touch extends a live record, which keeps its ties to users, and returns
// its (shared, read-only) data. An expired record found on the way is
// removed, with its index entries.
func (s *Store) touch(key string, ttl time.Duration) ([]byte, bool) {
	r := s.records
	sh := r.shard(key)
	now := r.now()
	sh.mu.Lock()
	defer sh.mu.Unlock()
	e, ok := sh.m[key]
	if !ok {
		return nil, false
	}
	if e.expires <= now {
		r.removeLocked(sh, key, e)
		return nil, false
	}
	e.expires = r.deadline(ttl)
	sh.m[key] = e
	return e.data, true
}
