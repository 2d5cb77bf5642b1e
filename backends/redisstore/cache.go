package redisstore

import (
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// recentWrites keeps the client-side cache, when the client has one, from
// serving this process a record older than its own last write: a Load of
// a key this Store wrote (or met a conflict on) less than window ago goes
// past the cache. Redis's invalidation of the cached copy may still be on
// its way, but no copy fetched before the write outlives window, the
// cache's MaxStaleness. So a redirect after a login reads the login's
// record, and the reload after a conflict reads the record that won.
//
// It holds at most recentMax keys; when more were written within one
// window, every Load bypasses the cache until the window of the last one
// ends. Entries past their window are dropped by the write that finds the
// map full. Without a cache, window is 0 and nothing is kept. Loads, the
// hot path, only read it, and read the clock only for a key it holds.
type recentWrites struct {
	window time.Duration
	mu     sync.RWMutex
	until  map[string]time.Time
	all    time.Time // every Load bypasses the cache until then
}

const recentMax = 1 << 16

// cacheWindow returns how long after a write a Load of its key must go past
// client's client-side cache: the cache's MaxStaleness, or
// CacheMaxStaleness if it sets none; 0 without a cache.
func cacheWindow(client redis.UniversalClient) time.Duration {
	var cfg *redis.ClientSideCacheConfig
	switch c := client.(type) {
	case *redis.Client:
		o := c.Options()
		if cfg = o.ClientSideCacheConfig; cfg == nil && o.ClientSideCache != nil {
			return CacheMaxStaleness
		}
	case *redis.ClusterClient:
		cfg = c.Options().ClientSideCacheConfig
	}
	switch {
	case cfg == nil:
		return 0
	case cfg.MaxStaleness > 0:
		return cfg.MaxStaleness
	}
	return CacheMaxStaleness
}

// wrote notes a write to key that just returned.
func (r *recentWrites) wrote(key string) {
	if r.window == 0 {
		return
	}
	now := time.Now()
	end := now.Add(r.window)
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.until == nil {
		r.until = make(map[string]time.Time)
	}
	if !r.all.IsZero() && now.After(r.all) {
		r.all = time.Time{} // so that Loads of other keys skip the clock again
	}
	if len(r.until) >= recentMax {
		for k, t := range r.until {
			if now.After(t) {
				delete(r.until, k)
			}
		}
		if len(r.until) >= recentMax {
			r.all, r.until = end, make(map[string]time.Time)
			return
		}
	}
	r.until[key] = end
}

// bypass reports whether a Load of key must go past the cache.
func (r *recentWrites) bypass(key string) bool {
	if r.window == 0 {
		return false
	}
	r.mu.RLock()
	all := r.all
	t, ok := r.until[key]
	r.mu.RUnlock()
	if !ok && all.IsZero() {
		return false
	}
	now := time.Now()
	return now.Before(all) || ok && now.Before(t)
}

// cacheStatser is a client whose client-side cache counts its lookups:
// *redis.Client and *redis.ClusterClient (summed over its nodes).
type cacheStatser interface {
	CSCStats() redis.CSCStats
}

// CacheStats returns the lookups go-redis's client-side cache of the
// Store's client has served from memory (hits) and sent to the server
// (misses) since the client was made, and ok == false when the client has
// no cache configured (no ClientSideCacheConfig or ClientSideCache), when
// both counts mean nothing. extra/otelsessions reports them as the metric
// serversession.cache.requests (otelsessions.WithCache).
//
// A cold read of a session is a miss, a warm one a hit, and the first read
// after Redis invalidated the cached copy a miss again. A read that goes
// past the cache, for a while after this Store wrote its key (see
// "Client-side cache" in the package documentation), and a refresh (GETEX,
// never cached) are neither. The counts are the client's: reads of other
// keys the app makes through the same client with its cache count too.
// On a Cluster they are summed over the nodes the client knows now, so a
// node that leaves takes its counts with it. The counts are go-redis's
// (CSCStats, an API go-redis marks experimental), read when called: the
// hot path pays nothing for them.
func (s *Store) CacheStats() (hits, misses uint64, ok bool) {
	c, isStatser := s.client.(cacheStatser)
	if !isStatser || s.recent.window == 0 {
		return 0, 0, false
	}
	st := c.CSCStats()
	return st.Hits, st.Misses, true
}
