package sessions

import (
	"sync"
	"sync/atomic"
	"time"
)

// endedKeys remembers the storage keys of the sessions this Manager ended
// lately, so that a read-only request which loaded one before it ended
// does not send its cookie again: its refresh rode on the load, so only
// this memory tells, at no cost, that the session is gone. Were the cookie
// re-sent, a browser whose login answered first would get its old, dead
// cookie back and find itself logged out. A key is kept for endedFor, and
// at most endedMax keys, the oldest going first. Other processes' logouts
// are not known here: the cookie re-sent then names nothing, and the next
// request starts afresh.
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

// has reports whether the session under key ended (IDs are never reused).
func (e *endedKeys) has(key string) bool {
	if e.n.Load() == 0 {
		return false
	}
	e.mu.RLock()
	defer e.mu.RUnlock()
	_, ok := e.keys[key]
	return ok
}

// remove forgets key, whose record could not be deleted. Its place in
// order goes when it comes first.
func (e *endedKeys) remove(key string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	delete(e.keys, key)
	e.n.Store(int64(len(e.keys)))
}
