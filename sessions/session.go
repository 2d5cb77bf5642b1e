package sessions

import (
	"context"
	"log/slog"
	"maps"
	"net/http"
	"slices"
	"sync"
)

// Session is one request's view of a session: a map of string keys to
// values, loaded from the store on first use and saved for the handler right
// before the response headers are written. It is safe for concurrent use by
// the goroutines of one request.
//
// Values set in this request come back as they were set; values loaded from
// the store come back as the Codec decodes them (see Value for typed reads).
// Keys starting with "_" belong to Flask and to this package. "_permanent"
// and "_created" are metadata, kept out of the values (see Permanent);
// "_flashes" holds the pending flash messages and, as in Flask, is a value
// like any other (see AddFlash and Flashes).
type Session struct {
	mu sync.Mutex
	m  *Manager // nil for the null session

	// The request, as the middleware opened it.
	w         http.ResponseWriter // the adapter's underlying writer: headers and error responses
	r         *http.Request
	req       http.Request // r as the handler sees it, its context carrying the session (see Init)
	cookieID  string       // the verified ID the client sent; "" if none (read at load)
	cookieVal string       // the cookie naming cookieID, to send back unchanged on refresh; "" to sign afresh
	hadCookie bool         // the client sent a session cookie, valid or not
	committed bool         // the commit before headers has run
	failed    bool         // that commit failed and the ErrorHandler was called
	replaced  bool         // the error handler wrote the response; the handler's output is discarded
	abandoned bool         // the handler panicked: nothing is saved

	values    map[string]any
	permanent bool
	created   int64 // Unix seconds; 0 until known, kept only with AbsoluteTimeout

	id    string   // current ID; "" until one is needed
	found bool     // a record is stored under id
	raw   []byte   // the record as loaded or last saved, to spot in-place changes
	stale []string // IDs whose records must go: regenerated, destroyed, corrupt or expired

	loaded          bool            // the store was asked (or had nothing to ask)
	fresh           bool            // nothing was loaded: a new session
	loadErr         error           // the store failed; the session is read-only
	touched         bool            // the store already extended the record's TTL during load
	wctx            context.Context // the commit's store calls' context, made when first needed
	ctx             sessionContext  // the request context NewContext first made for this session
	headers         [2]string       // backing for the Vary and Set-Cookie headers (see addHeader)
	keyID           string          // the ID keyStr was built for
	keyStr          string          // the storage key of keyID
	modified        bool
	finished        bool  // Finish ran: later writes cannot be saved
	loadErrReported bool  // loadErr went to the ErrorHandler
	immutable       bool  // no value can change in place (see checkImmutable)
	nullReason      error // set on null sessions: reads are empty, writes panic
}

// Get returns the value stored under key.
func (s *Session) Get(key string) (any, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.load()
	v, ok := s.values[key]
	return v, ok
}

// Has reports whether key is set.
func (s *Session) Has(key string) bool {
	_, ok := s.Get(key)
	return ok
}

// Set stores value under key. The value must be encodable by the Codec;
// an unencodable value makes the save fail and is reported at commit.
//
// The metadata keys are not values: Set("_permanent", b) is SetPermanent(b),
// as in Flask, and "_created" (AbsoluteTimeout's clock) cannot be set.
func (s *Session) Set(key string, value any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.writable() {
		return
	}
	switch key {
	case keyPermanent:
		if b, ok := value.(bool); ok {
			s.permanent = b
			s.modified = true
			return
		}
	case keyCreated:
	default:
		s.values[key] = value
		s.modified = true
		return
	}
	s.m.log(s.r.Context(), slog.LevelWarn, "sessions: ignoring Set of a reserved key", s.r, slog.String("key", key))
}

// Delete removes key. Deleting a missing key changes nothing.
func (s *Session) Delete(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.writable() {
		if _, ok := s.values[key]; ok {
			delete(s.values, key)
			s.modified = true
		}
	}
}

// Pop removes key and returns the value it held.
func (s *Session) Pop(key string) (any, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.writable() {
		return nil, false
	}
	v, ok := s.values[key]
	if ok {
		delete(s.values, key)
		s.modified = true
	}
	return v, ok
}

// Keys returns the session's keys, sorted.
func (s *Session) Keys() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.load()
	return slices.Sorted(maps.Keys(s.values))
}

// Len returns the number of keys.
func (s *Session) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.load()
	return len(s.values)
}

// Clear removes every key. An emptied session's record is deleted and its
// cookie expired at commit, but its ID is kept: use Destroy to end a
// session, and Regenerate after a login.
func (s *Session) Clear() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.writable() && len(s.values) > 0 {
		clear(s.values)
		s.modified = true
	}
}

// ID returns the session ID, assigning a fresh one to a new session. It is
// the unsigned ID; the cookie carries it signed when Config.SecretKey is set.
func (s *Session) ID() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.load()
	if s.id == "" && s.nullReason == nil && s.loadErr == nil {
		s.id = newID(s.m.cfg.IDLength)
	}
	return s.id
}

// IsNew reports whether the session was not loaded from the store: the
// client sent no valid cookie, or its record was missing or expired.
func (s *Session) IsNew() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.load()
	return s.fresh
}

// Permanent reports whether the session's cookie outlives the browser
// session (Flask's session.permanent).
func (s *Session) Permanent() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.load()
	return s.permanent
}

// SetPermanent makes the session's cookie outlive the browser session, or
// not (Flask's session.permanent = ...).
func (s *Session) SetPermanent(permanent bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.writable() && s.permanent != permanent {
		s.permanent = permanent
		s.modified = true
	}
}

// MarkModified makes the session save at commit even if nothing seems to
// have changed. Changes inside nested values are noticed without it.
func (s *Session) MarkModified() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.writable() {
		s.modified = true
	}
}

// Regenerate moves the session's data to a new ID and deletes the old
// record at commit. Call it after a login or any change of privilege, so that
// an ID planted before the login (session fixation) is worth nothing.
func (s *Session) Regenerate() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.writable() {
		return
	}
	s.retire()
	s.id = newID(s.m.cfg.IDLength)
	s.modified = true
}

// Destroy ends the session: its data is cleared, its record deleted and its
// cookie expired at commit. Values set afterwards start a new session with a
// new ID.
func (s *Session) Destroy() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.writable() {
		return
	}
	clear(s.values)
	s.retire()
	s.id = ""
	s.created = 0
	if s.m.cfg.AbsoluteTimeout > 0 {
		s.created = s.m.now().Unix() // values set afterwards start a new session
	}
	s.permanent = !s.m.cfg.NonPermanent
	s.modified = true
}

// Err returns why the session is empty and read-only: the store failed to
// load it (ErrStoreLoad), or no usable middleware ran (ErrNoMiddleware,
// ErrNoStore). It is nil for a working session.
func (s *Session) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.load()
	if s.nullReason != nil {
		return s.nullReason
	}
	return s.loadErr
}

// retire schedules the current record for deletion at commit.
func (s *Session) retire() {
	if s.found {
		s.stale = append(s.stale, s.id)
	}
	s.found, s.raw = false, nil
}

// writable loads the session and reports whether it may change. A session
// whose load failed ignores writes, so it can never be saved over the record
// it could not read. Writing to a null session panics, like writing to a nil
// map: it is a wiring mistake, and the message says how to fix it.
func (s *Session) writable() bool {
	s.load()
	if s.nullReason != nil {
		panic(s.nullReason.Error())
	}
	if s.finished {
		// Nothing commits after Finish: say so rather than drop it quietly.
		s.m.log(s.r.Context(), slog.LevelWarn, "sessions: session changed after the request ended; the change is not saved", s.r)
		return false
	}
	return s.loadErr == nil
}
