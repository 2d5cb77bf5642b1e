package sessions

import (
	"sync"
	"sync/atomic"
	"time"
)

// endedKeys remembers the storage keys of the sessions this Manager ended
// lately (Destroy, Regenerate, Clear, an AbsoluteTimeout), so that a read-only request which
// loaded one of them before it ended does not send its cookie again. That
// request's refresh happened in its load's round trip, so only this memory
// can tell, without another round trip, that the session is gone: were the
// cookie re-sent, a browser whose login (Regenerate) answered first would
// get its old, dead cookie back and find itself logged out.
//
// Requests run for seconds, not minutes: a key is kept for endedFor, and
// at most endedMax keys are kept, the oldest going first (so a Manager
// that ends more than endedMax sessions a minute remembers each for less).
// Other processes' logouts are not known here; for them, a read-only
// request in flight may still re-send the old cookie, which then names a
// record that is gone: the next request starts a new session.
type endedKeys struct {
	n     atomic.Int64 // len(keys), read without the lock
	mu    sync.RWMutex
	keys  map[string]time.Time
	order []string // keys, oldest first
}

const (
	endedFor = time.Minute
	endedMax = 4096
)

// add remembers that the session under key ended now.
func (e *endedKeys) add(key string) {
	now := time.Now()
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.keys == nil {
		e.keys = make(map[string]time.Time)
	}
	for len(e.order) > 0 {
		first := e.order[0]
		at, ok := e.keys[first]
		if ok && len(e.order) < endedMax && now.Sub(at) <= endedFor {
			break
		}
		if ok {
			delete(e.keys, first)
		}
		e.order = e.order[1:]
	}
	if _, ok := e.keys[key]; !ok {
		e.order = append(e.order, key)
	}
	e.keys[key] = now
	e.n.Store(int64(len(e.keys)))
}

// has reports whether the session under key ended. IDs are random and a
// retired ID is never used again, so a key once ended stays ended.
func (e *endedKeys) has(key string) bool {
	if e.n.Load() == 0 {
		return false
	}
	e.mu.RLock()
	defer e.mu.RUnlock()
	_, ok := e.keys[key]
	return ok
}

// remove forgets key: its session did not end after all (its record could
// not be deleted). Its place in order goes when it comes first.
func (e *endedKeys) remove(key string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	delete(e.keys, key)
	e.n.Store(int64(len(e.keys)))
}
