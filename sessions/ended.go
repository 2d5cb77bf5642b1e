package sessions

import (
	"sync"
	"sync/atomic"
	"time"
)

// endedKeys remembers the storage keys of the sessions this Manager ended
// lately (Destroy, Regenerate, Clear), so that a read-only request which
// loaded one of them before it ended does not send its cookie again. That
// request's refresh happened in its load's round trip, so only this memory
// can tell, without another round trip, that the session is gone: were the
// cookie re-sent, a browser whose login (Regenerate) answered first would
// get its old, dead cookie back and find itself logged out.
//
// Requests run for seconds, not minutes: a key is kept for endedFor, and
// at most endedMax keys are kept, the oldest going first.
type endedKeys struct {
	n     atomic.Int64 // len(keys), read without the lock
	mu    sync.Mutex
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
	for len(e.order) > 0 && (len(e.order) >= endedMax || now.Sub(e.keys[e.order[0]]) > endedFor) {
		delete(e.keys, e.order[0])
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
	e.mu.Lock()
	defer e.mu.Unlock()
	_, ok := e.keys[key]
	return ok
}
