package memstore

import (
	"context"
	"fmt"
)

// Close stops the background sweeper and waits for it to return. The Store
// stays usable: expired records are still never returned. Close is safe to
// call more than once and always returns nil.
func (s *Store) Close() error {
	if s.sweeper != nil {
		s.cleanup.Stop()
		s.sweeper.Stop()
	}
	return nil
}

// DeleteExpired removes every expired record now, and returns how many. The sweeper calls it on
// its schedule; call it yourself when the sweeper is off. It stops early,
// returning an error that wraps ctx.Err(), when ctx ends.
func (s *Store) DeleteExpired(ctx context.Context) (int64, error) {
	return s.records.deleteExpired(ctx)
}

// deleteExpired removes expired records one shard at a time, so that no
// lock is held for long, and the index entries of those tied to users,
// taking the index's lock once per shard that has any.
func (r *records) deleteExpired(ctx context.Context) (int64, error) {
	var removed int64
	for i := range r.shards {
		if err := ctx.Err(); err != nil {
			return removed, fmt.Errorf("memstore: delete expired: %w", err)
		}
		now := r.now()
		sh := &r.shards[i]
		indexLocked := false
		sh.mu.Lock()
		for k, e := range sh.m {
			if e.expires > now {
				continue
			}
			delete(sh.m, k)
			r.bound.removed()
			removed++
			if len(e.users) > 0 {
				if !indexLocked {
					r.index.mu.Lock()
					indexLocked = true
				}
				r.index.removeLocked(k, e.users)
			}
		}
		if indexLocked {
			r.index.mu.Unlock()
		}
		sh.shrinkIfSparse()
		sh.mu.Unlock()
	}
	return removed, nil
}
