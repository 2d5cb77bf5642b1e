package sessions

import (
	"sync"
	"sync/atomic"
	"time"
)

// endedKeys remembers the storage keys of the sessions this Manager ended
// lately (their handles, with a store whose index gives handles: see
// Manager.handle), so that a read-only request which loaded one before it
// ended does not send its cookie again: its refresh rode on the load, so only
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
// Its caller checks e.n first, so that a Manager that ended nothing lately
// pays no lock.
func (e *endedKeys) has(key string) bool {
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

// handle returns what the store's user index calls key: its handle when
// the store is a KeyHandler, else the key. The sessions ended are
// remembered under it, as revoke knows them only by what UserRecords
// returned.
func (m *Manager) handle(key string) string {
	if m.handles == nil {
		return key
	}
	return m.handles.KeyHandle(key)
}

// hasEnded reports whether this Manager ended the session under key
// lately.
func (m *Manager) hasEnded(key string) bool {
	return m.ended.n.Load() != 0 && m.ended.has(m.handle(key))
}

// endKey runs del, which deletes the record under key, with key among the
// ended keys, so that no request re-sends its cookie; forgotten again if
// del fails.
func (m *Manager) endKey(key string, del func() error) error {
	return m.endHandle(m.handle(key), del)
}

// endHandle is endKey for a record known by its handle (see handle), as
// UserRecords returned it.
func (m *Manager) endHandle(h string, del func() error) error {
	m.ended.add(h)
	if err := del(); err != nil {
		m.ended.remove(h)
		return err
	}
	return nil
}
