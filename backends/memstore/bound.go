package memstore

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/serversession/serversession/internal/evict"
)

// bound is WithMaxSessions: the count of records and the prune that keeps
// it near max.
type bound struct {
	max     int          // 0: no bound
	count   atomic.Int64 // with a bound, the records in the shards, expired ones included
	pruning sync.Mutex   // one prune at a time; a Create that finds one running goes on
}

// candidate is a live record a prune may evict.
type candidate struct {
	key     string
	shard   int
	expires int64
	named   bool
}

// added counts a record Create added under a new key and prunes when the
// count goes past the bound. keep, the key just created, is never evicted.
func (b *bound) added(r *records, keep string) {
	if b.max <= 0 {
		return // no bound: nothing to count
	}
	if n := b.count.Add(1); n <= int64(b.max) || !b.pruning.TryLock() {
		return
	}
	defer b.pruning.Unlock()
	target := int64(b.max - max(b.max/10, 1))
	if _, err := r.deleteExpired(context.Background()); err != nil || b.count.Load() <= target {
		return
	}
	var live []candidate
	now := r.now()
	for i := range r.shards {
		sh := &r.shards[i]
		sh.mu.RLock()
		for k, e := range sh.m {
			if e.expires > now && k != keep {
				live = append(live, candidate{key: k, shard: i, expires: e.expires, named: e.named})
			}
		}
		sh.mu.RUnlock()
	}
	slices.SortFunc(live, func(a, b candidate) int { return evict.Compare(a.named, a.expires, b.named, b.expires) })
	for _, c := range live {
		if b.count.Load() <= target {
			break
		}
		sh := &r.shards[c.shard]
		sh.mu.Lock()
		// Skip one used or rewritten since the scan: no longer among the oldest.
		if e, ok := sh.m[c.key]; ok && e.expires == c.expires {
			r.removeLocked(sh, c.key, e)
		}
		sh.mu.Unlock()
	}
}

// removed counts a record gone from the shards.
func (b *bound) removed() {
	if b.max > 0 {
		b.count.Add(-1)
	}
}
