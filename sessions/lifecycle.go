package sessions

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"
)

// The request lifecycle (DESIGN §4), in one place for every adapter:
//
//	Open     note the request; read nothing
//	load     on first use, read the cookie and load the record (refreshing
//	         its TTL in the same round trip when the store can)
//	Commit   right before the headers: apply the commit rules, set the cookie
//	Finish   after the handler: commit if nothing was written, else save what
//	         changed after the headers went out
//	Abandon  the handler panicked: save nothing

// Open starts the session of request r. It costs one allocation: the
// cookie is read and verified, and the store asked, when the handler first
// uses the session. w is the writer the adapter wraps: the commit sets
// headers on it and the ErrorHandler writes to it.
func (m *Manager) Open(w http.ResponseWriter, r *http.Request) *Session {
	s := new(Session)
	m.Init(s, w, r)
	return s
}

// Init is Open for a Session the adapter allocated itself, as a field of
// its own per-request state, which saves an allocation a request. s must
// be a zero Session that is used for this one request only. Init returns
// the request to hand the handler: a copy of r whose context carries s.
// The copy lives inside s, so it costs no allocation either.
func (m *Manager) Init(s *Session, w http.ResponseWriter, r *http.Request) *http.Request {
	if s.m != nil || s.loaded {
		panic("sessions: Manager.Init needs a zero Session; a Session serves one request only")
	}
	s.m, s.w, s.r = m, w, r
	if m.cfg.Store == nil {
		s.nullReason = ErrNoStore
	}
	// WithContext is inlined and its copy copied into s: no allocation.
	// s is new to every other goroutine: its context needs no lock.
	s.ctx = sessionContext{r.Context(), s}
	s.req = *r.WithContext(&s.ctx)
	return &s.req
}

// Commit applies the commit rules to s; call it right before the response
// headers are written. Only the first call commits. It returns false when the
// ErrorHandler wrote a response of its own: the adapter must then discard
// whatever the handler writes.
func (m *Manager) Commit(s *Session) bool {
	s.mu.Lock()
	if s.committed {
		ok := !s.replaced
		s.mu.Unlock()
		return ok
	}
	s.committed = true
	err := s.commit(true)
	s.failed = err != nil
	s.mu.Unlock()
	if err == nil {
		return true
	}
	m.fail(s, err, true)
	return !s.isReplaced()
}

// Finish ends the request after the handler returned. If nothing was written
// it commits (the headers are still to come); otherwise it saves changes made
// after the headers went out, reporting through the ErrorHandler those that
// needed a cookie. After a failed Commit it does nothing: the ErrorHandler
// has had its one call, and the changes are lost.
func (m *Manager) Finish(s *Session) {
	s.mu.Lock()
	if !s.committed {
		s.mu.Unlock()
		m.Commit(s)
		s.mu.Lock()
	} else if !s.failed {
		if err := s.commit(false); err != nil {
			s.mu.Unlock()
			m.fail(s, err, false)
			s.mu.Lock()
		}
	}
	s.finished = true
	s.mu.Unlock()
}

// Abandon marks s as belonging to a handler that panicked: nothing is saved
// and no cookie is set, whatever the recovery middleware writes next.
func (m *Manager) Abandon(s *Session) {
	s.mu.Lock()
	s.abandoned = true
	s.mu.Unlock()
}

// load fetches the record on first use. The caller holds s.mu.
func (s *Session) load() {
	if s.loaded || s.nullReason != nil {
		return
	}
	if s.m == nil { // a zero Session no middleware opened
		s.nullReason = ErrNoMiddleware
		return
	}
	s.loaded = true
	s.cookieID, s.cookieVal, s.hadCookie = s.m.readCookie(s.r)
	if s.cookieID != "" && s.loadRecord() {
		return
	}
	m := s.m
	s.fresh = true
	s.values = make(map[string]any)
	s.permanent = !m.cfg.NonPermanent
	if m.cfg.AbsoluteTimeout > 0 {
		s.created = m.now().Unix()
	}
}

// loadRecord loads the record named by the cookie. It reports false when
// there is none to use, and the session starts new under a new ID.
func (s *Session) loadRecord() bool {
	m := s.m
	key := m.key(s.cookieID)
	s.keyID, s.keyStr = s.cookieID, key
	ctx := s.r.Context()
	var (
		rec   Record
		found bool
		err   error
	)
	if m.loadToucher != nil {
		rec, found, err = m.loadToucher.LoadTouch(ctx, key, m.cfg.Lifetime)
		s.touched = found
	} else {
		rec, found, err = m.cfg.Store.Load(ctx, key)
	}
	data := rec.Data
	if err != nil {
		s.loadErr = s.redactLocked(fmt.Errorf("%w: %w", ErrStoreLoad, err))
		s.values = make(map[string]any)
		s.permanent = !m.cfg.NonPermanent
		return true
	}
	if !found {
		return false
	}
	values, err := decodeRecord(m.cfg.Codec, data)
	if err != nil {
		// Dropped, not deleted: a service on another codec sharing the store
		// (a Flask app mid-migration) may have written it. Its TTL ends it.
		m.log(ctx, slog.LevelWarn, "sessions: dropping a session record that does not decode", s.r,
			slog.Int("bytes", len(data)), slog.Any("error", err))
		return false
	}
	permanent, created := takeMeta(values)
	if abs := m.cfg.AbsoluteTimeout; abs > 0 {
		now := m.now()
		switch {
		case created == 0: // saved before AbsoluteTimeout was set: start counting now
			created = now.Unix()
			s.modified = true
		case now.Sub(time.Unix(created, 0)) >= abs:
			s.stale = append(s.stale, s.cookieID)
			return false
		}
	}
	s.values, s.permanent, s.created = values, permanent, created
	s.id, s.found, s.raw = s.cookieID, true, data
	return true
}

// commit applies the commit rules. Before the headers it may set cookies;
// after them it saves what it can and reports what needed a cookie. The
// caller holds s.mu.
func (s *Session) commit(beforeHeaders bool) error {
	if s.abandoned || !s.loaded || s.nullReason != nil {
		return nil
	}
	m := s.m
	if beforeHeaders {
		s.addVaryCookie()
	}
	if s.loadErr != nil {
		// Reported once: at the commit before the headers, or at Finish when
		// the handler first used the session after writing.
		if s.loadErrReported {
			return nil
		}
		s.loadErrReported = true
		return s.loadErr
	}
	now := m.now()

	dirty := s.modified
	var data []byte
	if !dirty && s.found && !s.immutable && !s.checkImmutable() {
		var err error
		if data, err = s.encode(); err != nil {
			return fmt.Errorf("%w: encode: %w", ErrStoreSave, err)
		}
		dirty = !bytes.Equal(data, s.raw)
		if dirty && s.sameAsLoaded(data) {
			// The same values in another key order (a Flask-written record):
			// compare with our own encoding from now on.
			dirty, s.raw = false, data
		}
	}

	switch {
	case dirty && len(s.values) == 0: // cleared or destroyed
		s.retire()
		s.modified = false
		if beforeHeaders && s.hadCookie {
			s.addHeader("Set-Cookie", m.cookies.expired, setCookieSlot)
			// The client keeps no cookie naming this ID: data set after the
			// headers can no longer be saved under it.
			s.cookieID, s.cookieVal, s.hadCookie = "", "", false
		}
		return s.deleteStale()

	case dirty:
		if s.id == "" {
			s.id = newID(m.cfg.IDLength)
		}
		if !beforeHeaders && s.id != s.cookieID {
			// No cookie can name the new ID: the data is lost, but records
			// retired by Destroy or Regenerate (or found corrupt) still go.
			return errors.Join(ErrHeadersSent, s.deleteStale())
		}
		if data == nil {
			var err error
			if data, err = s.encode(); err != nil {
				return fmt.Errorf("%w: encode: %w", ErrStoreSave, err)
			}
		}
		ttl := s.ttl(now)
		var err error
		if s.found {
			err = m.cfg.Store.Replace(s.writeContext(), s.key(), Record{Data: s.raw}, data, ttl)
		} else {
			err = m.cfg.Store.Create(s.writeContext(), s.key(), data, ttl)
		}
		if err != nil {
			return fmt.Errorf("%w: %w", ErrStoreSave, err)
		}
		s.found, s.raw, s.modified, s.immutable = true, data, false, false
		if beforeHeaders {
			if s.id != s.cookieID {
				s.cookieVal = ""
			}
			s.addHeader("Set-Cookie", m.setCookie(s.id, s.cookieVal, s.permanent, ttl, now), setCookieSlot)
			s.cookieID, s.hadCookie = s.id, true
		}
		return s.deleteStale()

	case s.found && beforeHeaders && !m.cfg.NoRefreshEachRequest:
		ttl := s.ttl(now)
		err := s.refresh(ttl)
		if err == nil && s.permanent {
			s.addHeader("Set-Cookie", m.setCookie(s.id, s.cookieVal, true, ttl, now), setCookieSlot)
		}
		return errors.Join(err, s.deleteStale())

	default:
		return s.deleteStale()
	}
}

// checkImmutable reports whether no value can change in place, and
// remembers a yes: until a write marks the session modified (and the save
// forgets it), the values stay those same scalars, so Finish need not look
// again. The caller holds s.mu.
func (s *Session) checkImmutable() bool {
	s.immutable = !hasMutable(s.values)
	return s.immutable
}

// refresh extends the record's TTL without rewriting its data, unless the
// load already did.
func (s *Session) refresh(ttl time.Duration) error {
	if s.touched {
		return nil
	}
	m := s.m
	var err error
	if m.toucher != nil {
		err = m.toucher.Touch(s.writeContext(), s.key(), ttl)
	} else {
		err = m.cfg.Store.Replace(s.writeContext(), s.key(), Record{Data: s.raw}, s.raw, ttl) // the very bytes loaded
	}
	if err != nil {
		return fmt.Errorf("%w: refresh: %w", ErrStoreSave, err)
	}
	s.touched = true
	return nil
}

// deleteStale deletes the records of retired IDs. One that fails to go stays
// scheduled, so that Finish tries again after a Commit that had nothing to
// report.
func (s *Session) deleteStale() error {
	if len(s.stale) == 0 {
		return nil
	}
	ctx := s.writeContext()
	var errs []error
	kept := s.stale[:0]
	for _, id := range s.stale {
		if err := s.m.cfg.Store.Delete(ctx, s.m.key(id)); err != nil {
			errs = append(errs, err)
			kept = append(kept, id)
		}
	}
	s.stale = kept
	if len(errs) > 0 {
		return fmt.Errorf("%w: delete: %w", ErrStoreSave, errors.Join(errs...))
	}
	return nil
}

// writeContext is the context of the commit's store calls. Saves outlive
// the request: a client that hangs up after its request was handled must
// not lose the changes the handler made. The caller holds s.mu.
func (s *Session) writeContext() context.Context {
	if s.wctx == nil {
		s.wctx = context.WithoutCancel(s.r.Context())
	}
	return s.wctx
}

// key returns the storage key of the session's current ID, built once per
// ID. The caller holds s.mu.
func (s *Session) key() string {
	if s.keyID != s.id || s.keyStr == "" {
		s.keyID, s.keyStr = s.id, s.m.key(s.id)
	}
	return s.keyStr
}

// ttl is the record's time to live from now: the Lifetime, cut short by the
// AbsoluteTimeout.
func (s *Session) ttl(now time.Time) time.Duration {
	ttl := s.m.cfg.Lifetime
	if abs := s.m.cfg.AbsoluteTimeout; abs > 0 && s.created != 0 {
		if left := time.Unix(s.created, 0).Add(abs).Sub(now); left < ttl {
			ttl = max(left, time.Second)
		}
	}
	return ttl
}

// fail logs err and hands it to the ErrorHandler. Before the headers, what
// the handler writes becomes the response.
func (m *Manager) fail(s *Session, err error, beforeHeaders bool) {
	err = s.redact(err)
	m.log(s.r.Context(), slog.LevelError, "sessions: session not loaded or not saved", s.r,
		slog.String("error", err.Error()))
	r := &s.req // carries the session: the ErrorHandler may call Get
	if !beforeHeaders {
		m.cfg.ErrorHandler(discardWriter{}, r, err)
		return
	}
	ew := &errorWriter{w: s.w, h: make(http.Header)}
	m.cfg.ErrorHandler(ew, r, err)
	if ew.wrote {
		s.mu.Lock()
		s.replaced = true
		s.mu.Unlock()
	}
}

// redact replaces the session's IDs in msg, a store's error message that may
// quote a storage key, so that no ID reaches the log.
func (s *Session) redact(err error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.redactLocked(err)
}

// redactLocked is redact for a caller that holds s.mu.
func (s *Session) redactLocked(err error) error {
	if _, ok := err.(*redactedError); ok {
		return err
	}
	msg := err.Error()
	for _, id := range append([]string{s.cookieID, s.id}, s.stale...) {
		if id != "" {
			msg = strings.ReplaceAll(msg, id, "[session-id]")
		}
	}
	return &redactedError{err: err, msg: msg}
}

// redactedError is a store error whose text no longer holds session IDs
// (stores quote their keys), for Err, the ErrorHandler and the log. It
// unwraps to the original, so errors.Is and errors.As still work.
type redactedError struct {
	err error
	msg string
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

func (s *Session) isReplaced() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.replaced
}

// log writes one record about request r. It never includes the session ID,
// which is a bearer credential.
func (m *Manager) log(ctx context.Context, level slog.Level, msg string, r *http.Request, attrs ...slog.Attr) {
	attrs = append(attrs, slog.String("method", r.Method), slog.String("path", r.URL.Path))
	m.cfg.Logger.LogAttrs(ctx, level, msg, attrs...)
}
