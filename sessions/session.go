package sessions

import (
	"log/slog"
	"maps"
	"slices"
	"sync"
)

// Session is one request's view of a session: a map of string keys to
// values, loaded from the store on first use and saved right before the
// response headers are written. It is safe for concurrent use by the
// goroutines of one request. Values loaded come back as the Codec decodes
// them (see Value for typed reads). Keys starting with "_" belong to Flask
// and to this package: "_permanent" and the like are metadata, not values;
// "_flashes" holds the flash messages (see AddFlash).
type Session struct {
	mu sync.Mutex
	m  *Manager // nil for a null session no middleware made
	h  *Handle  // the request it belongs to (request-phase state); nil likewise

	state   recordState
	key     string // the storage key, KeyPrefix + the session ID; "" until an ID is needed
	base    Record // the record under key as this request last read or wrote it (state stored)
	values  map[string]any
	meta    meta      // the record's metadata: permanent, created, the user index's
	isNew   bool      // no record was loaded
	changes changes   // what this request did to values, for the commit and for merges
	stale   []retired // records of keys this request ended, to delete at commit
	err     error     // why it is read-only: the load failed (unreadable) or it is null
}

// recordState is what this request knows of the session's record.
type recordState uint8

const (
	unloaded   recordState = iota // the cookie is not read yet
	absent                        // no record under key (a new session, or one whose record was retired): a save creates it
	stored                        // base is the record under key: a save replaces it, if it is still there
	gone                          // another request ended the session (a logout, a new ID) or it expired: nothing is saved under key
	unreadable                    // the store failed to load it (err): read-only, never saved over the record
	null                          // no middleware or no Store (err): reads are empty, writes panic
)

// locked locks s, loads it if it is not yet, and returns the lock to
// release.
func (s *Session) locked() *sync.Mutex {
	s.mu.Lock()
	s.load()
	return &s.mu
}

// sid returns the session ID, the storage key without its prefix.
func (s *Session) sid() string {
	if s.key == "" {
		return ""
	}
	return s.m.idOf(s.key)
}

// idOf returns the session ID in storage key key.
func (m *Manager) idOf(key string) string { return key[len(m.cfg.KeyPrefix):] }

// newKey gives the session a fresh ID.
func (s *Session) newKey() { s.key = s.m.key(newID(s.m.cfg.IDLength)) }

// Get returns the value stored under key.
func (s *Session) Get(key string) (any, bool) {
	defer s.locked().Unlock()
	v, ok := s.values[key]
	return v, ok
}

// Has reports whether key is set.
func (s *Session) Has(key string) bool {
	_, ok := s.Get(key)
	return ok
}

// Set stores value under key; a value the Codec cannot encode fails the
// save (ErrEncode). Set("_permanent", b) is SetPermanent(b), as in Flask;
// the other metadata keys cannot be set.
func (s *Session) Set(key string, value any) {
	defer s.locked().Unlock()
	if !s.writable() {
		return
	}
	switch key {
	case keyPermanent:
		if b, ok := value.(bool); ok {
			s.meta.permanent = b
			s.changes.mark(keyPermanent)
			return
		}
	case keyCreated, keyTied, keyRef, keyUserAgent, keyIP:
	default:
		if key == s.m.cfg.UserKey {
			s.userChange(userName(value))
		}
		s.values[key] = value
		s.changes.mark(key)
		return
	}
	s.m.log(slog.LevelWarn, "sessions: ignoring Set of a reserved key", s.h.r, slog.String("key", key))
}

// Delete removes key. Deleting a missing key changes nothing.
func (s *Session) Delete(key string) { s.Pop(key) }

// Pop removes key and returns the value it held.
func (s *Session) Pop(key string) (any, bool) {
	defer s.locked().Unlock()
	if !s.writable() {
		return nil, false
	}
	v, ok := s.values[key]
	if ok {
		if key == s.m.cfg.UserKey {
			s.userChange("")
		}
		delete(s.values, key)
		s.changes.mark(key)
	}
	return v, ok
}

// Keys returns the session's keys, sorted.
func (s *Session) Keys() []string {
	defer s.locked().Unlock()
	return slices.Sorted(maps.Keys(s.values))
}

// Len returns the number of keys.
func (s *Session) Len() int {
	defer s.locked().Unlock()
	return len(s.values)
}

// Clear removes every key, those other requests set concurrently
// included: the record is deleted and the cookie expired at commit, unless
// values are set afterwards (saved under the same ID, or a new one if the
// session named a user: see SetUser). Destroy ends a session.
func (s *Session) Clear() {
	defer s.locked().Unlock()
	if s.writable() && (len(s.values) > 0 || s.state == stored) {
		s.userChange("")
		clear(s.values)
		s.changes.clear()
	}
}

// ID returns the (unsigned) session ID, giving a new session a fresh one.
func (s *Session) ID() string {
	defer s.locked().Unlock()
	if s.key == "" && s.err == nil {
		s.newKey()
	}
	return s.sid()
}

// IsNew reports whether the session was not loaded from the store: the
// client sent no valid cookie, or its record was missing or expired.
func (s *Session) IsNew() bool {
	defer s.locked().Unlock()
	return s.isNew
}

// Permanent reports whether the session's cookie outlives the browser
// session (Flask's session.permanent).
func (s *Session) Permanent() bool {
	defer s.locked().Unlock()
	return s.meta.permanent
}

// SetPermanent makes the session's cookie outlive the browser session, or
// not (Flask's session.permanent = ...).
func (s *Session) SetPermanent(permanent bool) {
	defer s.locked().Unlock()
	if s.writable() && s.meta.permanent != permanent {
		s.meta.permanent = permanent
		s.changes.mark(keyPermanent)
	}
}

// MarkModified makes the session save at commit even if nothing seems to
// have changed. Changes inside nested values are noticed without it.
func (s *Session) MarkModified() {
	defer s.locked().Unlock()
	if s.writable() {
		s.changes.forced = true
	}
}

// Regenerate moves the session's data to a new ID and deletes the old
// record at commit. Call it after a login or any change of privilege, so
// that an ID planted before (session fixation) is worth nothing.
func (s *Session) Regenerate() {
	defer s.locked().Unlock()
	if s.writable() {
		s.regenerate()
	}
}

// regenerate is Regenerate under the lock, on a writable session.
func (s *Session) regenerate() {
	s.retire(true)
	s.newKey()
	s.changes.forced = true
}

// Destroy ends the session: its data is cleared, its record deleted and its
// cookie expired at commit. Values set afterwards start a new session.
func (s *Session) Destroy() {
	defer s.locked().Unlock()
	if !s.writable() {
		return
	}
	clear(s.values)
	s.changes.clear()
	s.retire(false)
	s.key = ""
	s.meta = s.m.newMeta()
}

// Err returns why the session is empty and read-only: the store failed to
// load it (ErrStoreLoad), or it is null (ErrNoMiddleware, ErrNoStore).
func (s *Session) Err() error {
	defer s.locked().Unlock()
	return s.err
}

// retire schedules the current record for deletion at commit; what the
// session holds now is saved, if at all, as a new record. moved: it goes
// on under a new ID (Regenerate).
func (s *Session) retire(moved bool) {
	if s.state == stored {
		s.stale = append(s.stale, retired{key: s.key, user: s.meta.tied, rec: s.base, moved: moved})
	}
	s.state, s.base, s.meta.tied = absent, Record{}, "" // a new record is tied when created
}

// retired is the record of an ID the session no longer uses.
type retired struct {
	key   string
	user  string // the user it named: its index entry goes with it
	rec   Record // as last loaded or written
	moved bool   // by Regenerate: the session goes on under the new ID
}

// writable reports whether the loaded session may change. One whose load
// failed ignores writes, so it is never saved over the record. Writing to
// a null session panics, like writing to a nil map: it is a wiring
// mistake, and the message says how to fix it. The caller holds the lock
// from locked.
func (s *Session) writable() bool {
	if s.state == null {
		panic(s.err.Error())
	}
	if s.h.stage == done {
		s.m.log(slog.LevelWarn, "sessions: session changed after the request ended; the change is not saved", s.h.r)
		return false
	}
	return s.state != unreadable
}
