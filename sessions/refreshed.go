package sessions

import (
	"sync"
	"time"
)

// refreshedKeys remembers the keys this Manager refreshed or wrote within
// the last RefreshInterval, and when: a read of one is a plain Load. It is
// a hint that errs toward refreshing: the record's TTL is the truth, and a
// key it lacks (another process, a restart, the cap) is refreshed early.
// Keys live in two generations of one interval, each of at most
// refreshedMax keys (about 100 bytes each). With an interval of 0 (a
// negative RefreshInterval: never refresh) it keeps nothing and no read is
// due.
type refreshedKeys struct {
	every     time.Duration // Config.RefreshInterval, set by New
	mu        sync.RWMutex
	cur, prev map[string]int64 // key → Unix nanoseconds of its refresh
	since     int64            // when cur began
}

const refreshedMax = 1 << 15

// due reports whether a read of the record under key at now must refresh
// it: it was not refreshed (or written) within the interval.
func (r *refreshedKeys) due(key string, now time.Time) bool {
	return r.every > 0 && !r.recent(key, now)
}

// recent reports whether the record under key was refreshed less than an
// interval before now.
func (r *refreshedKeys) recent(key string, now time.Time) bool {
	r.mu.RLock()
	at, ok := r.cur[key]
	if !ok {
		at, ok = r.prev[key]
	}
	r.mu.RUnlock()
	return ok && now.UnixNano()-at < int64(r.every)
}

// add notes that the record under key was refreshed (or written) at now.
func (r *refreshedKeys) add(key string, now time.Time) {
	if r.every <= 0 {
		return
	}
	t := now.UnixNano()
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.cur == nil || t-r.since >= int64(r.every) {
		r.prev, r.cur, r.since = r.cur, make(map[string]int64), t
	}
	if _, ok := r.cur[key]; ok || len(r.cur) < refreshedMax {
		r.cur[key] = t
	}
}
