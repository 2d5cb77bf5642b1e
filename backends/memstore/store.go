package memstore

import (
	"bytes"
	"context"
	"fmt"
	"hash/maphash"
	"math"
	"runtime"
	"sync"
	"time"

	"github.com/serversession/serversession/internal/sweep"
	"github.com/serversession/serversession/sessions"
)

// shardCount is the number of independently locked parts of the map.
const shardCount = 64

// Store is an in-memory sessions.Store whose records expire. It is safe for
// concurrent use. Create it with New and stop its sweeper with Close.
type Store struct {
	records *records
	sweeper *sweep.Sweeper  // nil when the sweeper is off
	cleanup runtime.Cleanup // stops the sweeper if the Store is dropped without Close
}

// records is the data of a Store. The sweeper goroutine holds a pointer to
// it and not to the Store, so that an unclosed Store can still be freed.
type records struct {
	seed   maphash.Seed
	epoch  time.Time // monotonic origin of every expiry
	shards [shardCount]shard
	index  userIndex // the keys tied to each user (see userindex.go)
	bound  bound     // WithMaxSessions (see bound.go)
}

// shard is one part of the map with its own lock.
type shard struct {
	mu   sync.RWMutex
	m    map[string]entry
	peak int           // the most entries m has held: the size its memory is for
	_    [64 - 40]byte // keep shards on separate cache lines
}

// entry is one record. data and users are never modified after they are
// stored (a change stores a new slice), so they can be read without holding
// the lock.
type entry struct {
	data    []byte
	expires int64    // nanoseconds since records.epoch
	users   []string // the users whose index holds the key; usually none or one
	named   bool     // the session names a user (sessions.HasUserHint): evicted last
}

// New returns an empty Store. Unless WithCleanupInterval turns it off, a
// background goroutine removes expired records every minute until Close.
func New(opts ...Option) *Store {
	o := defaultOptions()
	for _, opt := range opts {
		opt(&o)
	}
	r := &records{seed: maphash.MakeSeed(), epoch: time.Now()}
	r.bound.max = o.maxSessions
	r.index.byUser = make(map[string]map[string]struct{})
	for i := range r.shards {
		r.shards[i].m = make(map[string]entry)
	}
	s := &Store{records: r}
	if o.cleanupInterval > 0 {
		// The only error is ctx's, when stopping.
		s.sweeper = sweep.Start(o.cleanupInterval, func(ctx context.Context) { _, _ = r.deleteExpired(ctx) })
		s.cleanup = runtime.AddCleanup(s, (*sweep.Sweeper).Stop, s.sweeper)
	}
	return s
}

// Load returns a copy of the record stored under key, with a zero
// Version: Replace compares bytes. A missing or expired record is
// (Record{}, false, nil).
func (s *Store) Load(ctx context.Context, key string) (sessions.Record, bool, error) {
	if err := ctx.Err(); err != nil {
		return sessions.Record{}, false, fmt.Errorf("memstore: load %q: %w", key, err)
	}
	r := s.records
	sh := r.shard(key)
	now := r.now()
	sh.mu.RLock()
	e, ok := sh.m[key]
	sh.mu.RUnlock()
	if !ok {
		return sessions.Record{}, false, nil
	}
	if e.expires <= now {
		r.deleteIfExpired(sh, key, now)
		return sessions.Record{}, false, nil
	}
	return sessions.Record{Data: clone(e.data)}, true, nil
}

// Create stores a copy of data under key, to expire after ttl, if no live
// record is stored there (an expired one that is not swept yet counts as
// absent, and its index entries end with it: the new record is tied to no
// user). Otherwise it changes nothing and returns an error wrapping
// sessions.ErrConflict. A ttl of zero or less is an error: the lifecycle
// never passes one, and storing a record that is already dead would hide
// the bug.
func (s *Store) Create(ctx context.Context, key string, data []byte, ttl time.Duration) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("memstore: create %q: %w", key, err)
	}
	if ttl <= 0 {
		return fmt.Errorf("memstore: create %q: ttl %v is not positive", key, ttl)
	}
	r := s.records
	data = clone(data)
	sh := r.shard(key)
	sh.mu.Lock()
	e, ok := sh.m[key]
	if ok && e.expires > r.now() {
		sh.mu.Unlock()
		return fmt.Errorf("memstore: create %q: %w", key, sessions.ErrConflict)
	}
	if ok {
		r.index.remove(key, e.users...)
	}
	sh.m[key] = entry{data: data, expires: r.deadline(ttl), named: sessions.HasUserHint(ctx)}
	sh.peak = max(sh.peak, len(sh.m))
	sh.mu.Unlock()
	if !ok {
		r.bound.added(r, key)
	}
	return nil
}

// Replace stores a copy of data under key, to expire after ttl, if the
// live record under key holds exactly old.Data (old.Version is not used:
// this store compares bytes). If the record changed, expired or was
// deleted, it changes nothing, creates nothing and returns an error
// wrapping sessions.ErrConflict. The comparison and the write happen under
// the lock of key's shard, so of two Replaces over the same record exactly
// one succeeds. The record keeps its ties to users. A ttl of zero or less
// is an error.
func (s *Store) Replace(ctx context.Context, key string, old sessions.Record, data []byte, ttl time.Duration) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("memstore: replace %q: %w", key, err)
	}
	if ttl <= 0 {
		return fmt.Errorf("memstore: replace %q: ttl %v is not positive", key, ttl)
	}
	r := s.records
	data = clone(data)
	sh := r.shard(key)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	e, ok := sh.m[key]
	if !ok || e.expires <= r.now() || !bytes.Equal(e.data, old.Data) {
		return fmt.Errorf("memstore: replace %q: %w", key, sessions.ErrConflict)
	}
	sh.m[key] = entry{data: data, expires: r.deadline(ttl), users: e.users, named: sessions.HasUserHint(ctx)}
	return nil
}

// DeleteIf removes the record under key if it is live and holds exactly
// old.Data (old.Version is not used: this store compares bytes). If the
// record changed, expired (swept or not) or was deleted, it changes
// nothing and returns an error wrapping sessions.ErrConflict. The
// comparison and the removal happen under the lock of key's shard, so of a
// DeleteIf and a Replace over the same record exactly one succeeds.
func (s *Store) DeleteIf(ctx context.Context, key string, old sessions.Record) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("memstore: delete-if %q: %w", key, err)
	}
	r := s.records
	sh := r.shard(key)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	e, ok := sh.m[key]
	if !ok || e.expires <= r.now() || !bytes.Equal(e.data, old.Data) {
		return fmt.Errorf("memstore: delete-if %q: %w", key, sessions.ErrConflict)
	}
	r.removeLocked(sh, key, e)
	return nil
}

// Delete removes the record under key, and its index entries. A missing
// record is not an error.
func (s *Store) Delete(ctx context.Context, key string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("memstore: delete %q: %w", key, err)
	}
	r := s.records
	sh := r.shard(key)
	sh.mu.Lock()
	if e, ok := sh.m[key]; ok {
		r.removeLocked(sh, key, e)
	}
	sh.mu.Unlock()
	return nil
}

// shard returns the shard that holds key.
func (r *records) shard(key string) *shard {
	return &r.shards[maphash.String(r.seed, key)%shardCount]
}

// now returns the monotonic time in nanoseconds since the store was made.
func (r *records) now() int64 {
	return int64(time.Since(r.epoch))
}

// deadline returns the expiry of a record written now with ttl, saturating
// instead of overflowing for absurdly long TTLs.
func (r *records) deadline(ttl time.Duration) int64 {
	now := r.now()
	if int64(ttl) > math.MaxInt64-now {
		return math.MaxInt64
	}
	return now + int64(ttl)
}

// deleteIfExpired removes key from sh, with its index entries, if it is
// still expired at now; a concurrent Create may have replaced it since the
// caller looked.
func (r *records) deleteIfExpired(sh *shard, key string, now int64) {
	sh.mu.Lock()
	if e, ok := sh.m[key]; ok && e.expires <= now {
		r.removeLocked(sh, key, e)
	}
	sh.mu.Unlock()
}

// clone returns a copy of b that is never nil, so a found empty record is
// told apart from a missing one by found alone.
func clone(b []byte) []byte {
	c := make([]byte, len(b))
	copy(c, b)
	return c
}
