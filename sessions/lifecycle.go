package sessions

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strings"
	"time"
)

// The request lifecycle, in one place for every adapter:
//
//	start    note the request; read nothing (Manager.Begin)
//	load     on first use, read the cookie and load the record (refreshing
//	         its TTL in the same round trip when the store can)
//	commit   right before the headers: apply the commit rules, set the cookie
//	         (Handle.Commit)
//	finish   after the handler: commit if nothing was written, else save what
//	         changed after the headers went out (Handle.Run)
//	abandon  the handler panicked: save nothing (Handle.Run)
//
// Every write is conditional (see Store): a new record is created only
// where none is, and a loaded one replaced only if it still holds what this
// request loaded. When another request changed it in between, write reloads
// it, replays this request's changes over it (rebase) and tries again. When
// another request ended it (Destroy, Regenerate, expiry), this request's
// changes are dropped: a session that is gone stays gone.

// SaveTimeout bounds the store calls of a commit whose request has no
// deadline of its own, or whose context has already ended (the client went
// away): the changes the handler made are still saved, but a stalled store
// cannot hold the request forever. A commit within a request that has a
// deadline uses that deadline. Because every write is conditional, a save
// that times out and lands in the store later cannot overwrite newer data.
const SaveTimeout = 5 * time.Second

// writeTries bounds the attempts of one conditional write that keeps
// meeting other processes' writes (within a process, writes take turns);
// the last conflict is reported as ErrStoreSave. With backoff's waits,
// they span about a second.
const writeTries = 16

// start starts the session s, zero and used for this one request only, of
// request r. Nothing is read yet: the cookie is read and verified, and the
// store asked, when the handler first uses the session. It returns the
// request to hand the handler: a copy of r whose context carries s. The
// copy lives inside s, so it costs no allocation.
func (m *Manager) start(s *Session, w http.ResponseWriter, r *http.Request) *http.Request {
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

// commit applies the commit rules to s, right before the response headers
// are written (see Handle.Commit). Only the first call commits. It returns false when the
// ErrorHandler wrote a response of its own: the adapter must then discard
// whatever the handler writes.
func (m *Manager) commit(s *Session) bool {
	s.mu.Lock()
	if s.stage != serving {
		ok := s.stage != replaced
		s.mu.Unlock()
		return ok
	}
	err := s.commit(true)
	s.stage = sent
	if err != nil {
		s.stage = failed
	}
	s.mu.Unlock()
	if err == nil {
		return true
	}
	m.fail(s, err, true)
	return !s.isReplaced()
}

// finish ends the request after the handler returned. If nothing was written
// it commits (the headers are still to come); otherwise it saves changes made
// after the headers went out, reporting through the ErrorHandler those that
// needed a cookie. After a failed Commit it does nothing: the ErrorHandler
// has had its one call, and the changes are lost.
func (m *Manager) finish(s *Session) {
	s.mu.Lock()
	if s.stage == serving {
		s.mu.Unlock()
		m.commit(s)
		s.mu.Lock()
	} else if s.stage == sent {
		if err := s.commit(false); err != nil {
			s.mu.Unlock()
			m.fail(s, err, false)
			s.mu.Lock()
		}
	}
	if s.stage == sent {
		s.stage = done
	}
	s.mu.Unlock()
}

// abandon marks s as belonging to a handler that panicked: nothing is saved
// and no cookie is set, whatever the recovery middleware writes next.
func (m *Manager) abandon(s *Session) {
	s.mu.Lock()
	if s.stage == serving || s.stage == sent {
		s.stage = abandoned // a failed or replaced commit stays as it is
	}
	s.mu.Unlock()
}

// load fetches the record on first use. The caller holds s.mu.
func (s *Session) load() {
	if s.state != unloaded || s.nullReason != nil {
		return
	}
	if s.m == nil { // a zero Session no middleware opened
		s.nullReason = ErrNoMiddleware
		return
	}
	m := s.m
	s.client.id, s.client.value, s.client.sent = m.readCookie(s.r)
	if s.client.id != "" && s.loadRecord() {
		return
	}
	s.state, s.isNew = absent, true
	s.values = make(map[string]any)
	s.meta.permanent = !m.cfg.NonPermanent
	s.meta.created = m.newCreated()
}

// loadRecord loads the record named by the cookie. It reports false when
// there is none to use, and the session starts new under a new ID.
func (s *Session) loadRecord() bool {
	m := s.m
	id := s.client.id
	key := m.key(id)
	s.keyID, s.keyStr = id, key
	ctx := s.r.Context()
	var (
		rec   Record
		found bool
		err   error
	)
	if m.loadToucher != nil {
		rec, found, err = m.loadToucher.LoadTouch(ctx, key, m.cfg.Lifetime)
	} else {
		rec, found, err = m.cfg.Store.Load(ctx, key)
	}
	if err != nil {
		s.state = unreadable
		s.loadErr = s.redactLocked(fmt.Errorf("%w: %w", ErrStoreLoad, err))
		s.values = make(map[string]any)
		s.meta.permanent = !m.cfg.NonPermanent
		return true
	}
	if !found {
		return false
	}
	values, md, err := s.decode(rec.Data)
	if err != nil {
		// Dropped, not deleted: a service on another codec sharing the store
		// (a Flask app mid-migration) may have written it. Its TTL ends it.
		m.log(ctx, slog.LevelWarn, "sessions: dropping a session record that does not decode", s.r,
			slog.Int("bytes", len(rec.Data)), slog.Any("error", err))
		return false
	}
	if abs := m.cfg.AbsoluteTimeout; abs > 0 {
		now := m.now()
		switch {
		case md.created == 0: // saved before AbsoluteTimeout was set: start counting now
			md.created = now.Unix()
			s.changes.mark(keyCreated)
		case now.Sub(time.Unix(md.created, 0)) >= abs:
			s.stale = append(s.stale, retired{id: id, user: md.tied, rec: rec})
			return false
		}
	}
	s.state, s.base, s.id = stored, rec, id
	s.values, s.meta = values, md
	return true
}

// commit applies the commit rules. Before the headers it may set cookies;
// after them it saves what it can and reports what needed a cookie. The
// caller holds s.mu.
func (s *Session) commit(beforeHeaders bool) error {
	if s.stage == abandoned || s.state == unloaded || s.nullReason != nil {
		return nil
	}
	if beforeHeaders {
		s.addVaryCookie()
	}
	switch s.state {
	case unreadable:
		// Reported once: by the commit before the headers (which then
		// fails, so Finish saves nothing), or by Finish when the handler
		// first used the session after writing.
		return s.loadErr
	case gone:
		if s.changes.any() {
			s.logGone()
		}
		return nil
	}
	m := s.m
	ctx := storeContext{r: s.r}
	defer ctx.end()

	var data []byte
	dirty := s.changes.any() || s.untied()
	if !dirty && s.state == stored && hasMutable(s.values) {
		var err error
		if data, err = s.encode(); err != nil {
			return err // ErrEncode: no store call failed
		}
		dirty = s.changedInPlace(data)
	}

	switch {
	case !dirty:
		if s.state == stored && beforeHeaders && !m.cfg.NoRefreshEachRequest {
			if err := s.refresh(&ctx); err != nil {
				return errors.Join(err, s.deleteStale(&ctx))
			}
		}
		return s.deleteStale(&ctx)

	case len(s.values) == 0 && (s.changes.cleared || s.state == absent):
		// Cleared or destroyed: the record goes, whatever other requests
		// stored in it meanwhile. Or emptied before it was ever stored.
		s.retire(false)
		s.changes.reset()
		s.expireCookie(beforeHeaders)
		return s.deleteStale(&ctx)
	}

	if s.id == "" {
		s.id = newID(m.cfg.IDLength)
	}
	if !beforeHeaders && s.id != s.client.id {
		// No cookie can name the new ID: the data is lost, but records
		// retired by Destroy or Regenerate (or found corrupt) still go.
		return errors.Join(ErrHeadersSent, s.deleteStale(&ctx))
	}
	if m.index != nil {
		s.noteTie()
	}
	if err := s.write(&ctx, data); err != nil {
		return err
	}
	if err := s.leaveMoved(&ctx); err != nil {
		return err
	}
	switch {
	case s.state == gone:
		s.logGone()
	case s.state == absent: // emptied key by key, and deleted
		s.expireCookie(beforeHeaders)
	case beforeHeaders:
		if s.id != s.client.id {
			s.client.value = ""
		}
		now := m.now()
		s.setCookie(m.cookieHeader(s.id, s.client.value, s.meta.permanent, s.ttl(now), now))
		s.client.id, s.client.sent = s.id, true
	}
	return s.deleteStale(&ctx)
}

// expireCookie expires the client's session cookie, if it has one and the
// headers are still to come. The caller holds s.mu.
func (s *Session) expireCookie(beforeHeaders bool) {
	if beforeHeaders && s.client.sent {
		s.setCookie(s.m.cookies.expired)
		// The client keeps no cookie naming this ID: data set after the
		// headers can no longer be saved under it.
		s.client = clientCookie{}
	}
}

// logGone reports changes dropped because the session is gone.
func (s *Session) logGone() {
	s.m.log(s.r.Context(), slog.LevelInfo, "sessions: the session ended in another request (a logout, a new ID or its expiry); this request's changes to it are dropped", s.r)
}

// write saves the session: it creates the record of a session that has
// none, replaces the one it loaded, or, when the session was emptied key by
// key, deletes it. data is the session already encoded, or nil. A write
// that finds the record changed reloads it, replays this request's changes
// over it (rebase) and tries again, at most writeTries times. One that
// finds the record gone saves nothing and leaves the state gone. The
// caller holds s.mu.
func (s *Session) write(sc *storeContext, data []byte) error {
	store, key, ctx := s.m.cfg.Store, s.key(), sc.get()
	lock, err := s.m.writes.lock(ctx, key)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrStoreSave, err)
	}
	defer func() {
		if lock != nil {
			lock.unlock()
		}
	}()
	if last, ok := lock.latest(key); ok && s.state == stored && !bytes.Equal(last.Data, s.base.Data) {
		// A request of this process wrote the session since this one
		// loaded it: replay over that write rather than fail on it.
		if err := s.rebase(last); err == nil {
			data = nil
		}
	}
	var conflict error // the last write's conflict, once there was one
	fail := func(err error) error {
		if conflict != nil && !errors.Is(err, ErrConflict) {
			err = fmt.Errorf("%w (after %w)", err, conflict)
		}
		return fmt.Errorf("%w: %w", ErrStoreSave, err)
	}
	for try := 1; ; try++ {
		ttl := s.ttl(s.m.now())
		var err error
		old := s.meta.tied // the user whose index lists the stored record
		if s.m.index != nil && s.m.userOf(s.values) != old {
			s.meta.tied, data = s.m.userOf(s.values), nil // the record says whose index lists it
		}
		switch {
		case s.state == absent:
			if data == nil {
				if data, err = s.encode(); err != nil {
					return err // ErrEncode
				}
			}
			if err = store.Create(ctx, key, data, ttl); err == nil {
				err = s.tieCreated(ctx, key, ttl)
			}
		case len(s.values) == 0:
			data = nil
			err = store.DeleteIf(ctx, key, s.base)
		default:
			if data == nil {
				if data, err = s.encode(); err != nil {
					return err // ErrEncode
				}
			}
			if err = s.tieBefore(ctx, old, key, ttl); err == nil {
				err = store.Replace(ctx, key, s.base, data, ttl)
			}
		}
		switch {
		case err == nil && s.m.ended.has(key):
			// Another request of this Manager ended the session while this
			// write was on its way: it is gone, whatever the write did.
			// Its index entries stay: the request that ended it unties
			// them once its delete succeeded, and if that failed, the
			// record lives on and must stay listed.
			s.state, s.base = gone, Record{}
			return nil
		case err == nil && data == nil: // deleted
			s.untie(ctx, old, key)
			s.state, s.base, s.meta.tied = absent, Record{}, ""
			s.changes.reset()
			lock.wrote(key, Record{})
			return nil
		case err == nil:
			if old != s.meta.tied {
				s.untie(ctx, old, key)
			}
			s.state, s.base = stored, Record{Data: data}
			s.changes.reset()
			lock.wrote(key, s.base)
			return nil
		case !errors.Is(err, ErrConflict) || s.state == absent:
			return s.untieFailed(ctx, old, key, ttl, fail(err))
		case try == writeTries:
			return s.untieFailed(ctx, old, key, ttl, fail(fmt.Errorf("after %d tries: %w", try, err)))
		}
		conflict = err
		if try > 1 {
			// Not this process's requests, which take turns under the
			// lock: another process keeps writing. Give way for a while.
			lock.unlock()
			lock = nil
			if err := backoff(ctx, try); err != nil {
				return s.untieFailed(ctx, old, key, ttl, fail(err))
			}
			if lock, err = s.m.writes.lock(ctx, key); err != nil {
				return s.untieFailed(ctx, old, key, ttl, fail(err))
			}
		}
		cur, found, err := store.Load(ctx, key)
		if err != nil {
			return s.untieFailed(ctx, old, key, ttl, fail(fmt.Errorf("reload after a conflict: %w", err)))
		}
		if !found {
			if s.meta.tied != old {
				s.untie(ctx, s.meta.tied, key) // this write tied it; the record is gone
			}
			s.state, s.base = gone, Record{}
			return nil
		}
		if err := s.rebase(cur); err != nil {
			// Another service wrote a record this codec cannot read: leave
			// it, as load does, and report the save as failed.
			return s.untieFailed(ctx, old, key, ttl, fail(fmt.Errorf("the record another request stored does not decode: %w", err)))
		}
		data = nil
	}
}

// backoff waits before the retry of a write that conflicted more than
// once, a random time that doubles with each try, so that processes racing
// on one session take turns instead of colliding again.
func backoff(ctx context.Context, try int) error {
	if ctx.Err() != nil {
		return context.Cause(ctx)
	}
	d := time.Duration(rand.Int64N(int64(time.Millisecond) << min(try, 6)))
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}

// refresh extends the record's TTL without rewriting its data, unless the
// load already did, and re-sends a permanent session's cookie. A store
// without LoadTouch gets the loaded bytes back, conditionally: if another
// request changed the record meanwhile, its own write refreshed it; if
// another request ended it, no cookie is sent for it. Nor is one sent for
// a session another request of this Manager ended since the load (see
// endedKeys). The caller holds s.mu.
func (s *Session) refresh(sc *storeContext) error {
	m := s.m
	if m.ended.has(s.key()) {
		s.state = gone // another request of this Manager ended it since the load
		return nil
	}
	now := m.now()
	ttl := s.ttl(now)
	if m.loadToucher == nil {
		err := m.cfg.Store.Replace(sc.get(), s.key(), s.base, s.base.Data, ttl)
		if errors.Is(err, ErrConflict) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%w: refresh: %w", ErrStoreSave, err)
		}
	}
	if s.meta.permanent {
		s.setCookie(m.cookieHeader(s.id, s.client.value, true, ttl, now))
	}
	return nil
}

// deleteStale deletes the records of retired IDs. One that fails to go stays
// scheduled, so that Finish tries again after a Commit that had nothing to
// report.
func (s *Session) deleteStale(sc *storeContext) error { return s.deleteRetired(sc, false) }

// leaveMoved deletes the records Regenerate moved the session away from,
// once the session is stored under its new ID, before its cookie is set
// (see deleteMoved).
func (s *Session) leaveMoved(sc *storeContext) error {
	if s.state != stored {
		return nil
	}
	return s.deleteRetired(sc, true)
}

// deleteRetired deletes the records of retired IDs (only those Regenerate
// moved away from, if movedOnly) and unties them. The caller holds s.mu.
func (s *Session) deleteRetired(sc *storeContext, movedOnly bool) error {
	if len(s.stale) == 0 {
		return nil
	}
	ctx := sc.get()
	var errs []error
	kept := s.stale[:0]
	for _, r := range s.stale {
		if movedOnly && !r.moved {
			kept = append(kept, r)
			continue
		}
		key := s.m.key(r.id)
		err := s.m.endKey(key, func() error {
			if r.moved && s.state == stored {
				return s.deleteMoved(ctx, key, r.rec)
			}
			return s.m.cfg.Store.Delete(ctx, key)
		})
		if err != nil {
			errs = append(errs, err)
			kept = append(kept, r)
			continue
		}
		s.untie(ctx, r.user, key)
	}
	s.stale = kept
	if len(errs) > 0 {
		return fmt.Errorf("%w: delete: %w", ErrStoreSave, errors.Join(errs...))
	}
	return nil
}

// endKey runs del, which deletes the record under key, with key among the
// ended keys: first, so that no request re-sends its cookie from then on,
// and forgotten again if del fails, since the record is still there.
func (m *Manager) endKey(key string, del func() error) error {
	m.ended.add(key)
	if err := del(); err != nil {
		m.ended.remove(key)
		return err
	}
	return nil
}

// deleteMoved deletes old, the record Regenerate moved the session away
// from, only if it still holds what this request loaded. If it is gone,
// another request ended the session meanwhile (a logout, a revocation),
// and the record just stored under the new ID goes too, so that a session
// revoked while this request ran stays revoked. If it changed, it is
// deleted anyway. The caller holds s.mu.
func (s *Session) deleteMoved(ctx context.Context, key string, old Record) error {
	store := s.m.cfg.Store
	err := store.DeleteIf(ctx, key, old)
	if !errors.Is(err, ErrConflict) {
		return err
	}
	_, found, err := store.Load(ctx, key)
	switch {
	case err != nil:
		return err
	case found:
		return store.Delete(ctx, key)
	}
	newKey := s.key()
	if err := s.m.endKey(newKey, func() error { return store.Delete(ctx, newKey) }); err != nil {
		return fmt.Errorf("end the new ID of a session ended meanwhile: %w", err)
	}
	s.untie(ctx, s.meta.tied, newKey)
	s.state, s.base = gone, Record{}
	s.m.log(ctx, slog.LevelInfo, "sessions: the session ended in another request while this one gave it a new ID; the new ID is dropped", s.r)
	return nil
}

// storeContext makes the context of one commit's store calls when the
// first of them needs it, so that a commit that calls no store (a read
// refreshed at load) costs nothing. Saves outlive the request's
// cancellation: a client that hangs up after its request was handled must
// not lose the changes the handler made. They keep its deadline, though, or
// get SaveTimeout when it has none or has already ended.
type storeContext struct {
	r      *http.Request
	ctx    context.Context
	cancel context.CancelFunc
}

// get returns the context, made on first use.
func (c *storeContext) get() context.Context {
	if c.ctx == nil {
		rc := c.r.Context()
		deadline, ok := rc.Deadline()
		if !ok || rc.Err() != nil {
			deadline = time.Now().Add(SaveTimeout)
		}
		c.ctx, c.cancel = context.WithDeadline(context.WithoutCancel(rc), deadline)
	}
	return c.ctx
}

// end releases the context's timer once the commit is over.
func (c *storeContext) end() {
	if c.cancel != nil {
		c.cancel()
	}
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
	if abs := s.m.cfg.AbsoluteTimeout; abs > 0 && s.meta.created != 0 {
		if left := time.Unix(s.meta.created, 0).Add(abs).Sub(now); left < ttl {
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
		s.stage = replaced
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
	ids := []string{s.client.id, s.id}
	for _, r := range s.stale {
		ids = append(ids, r.id)
	}
	for _, id := range ids {
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
	return s.stage == replaced
}

// log writes one record about request r. It never includes the session ID,
// which is a bearer credential.
func (m *Manager) log(ctx context.Context, level slog.Level, msg string, r *http.Request, attrs ...slog.Attr) {
	attrs = append(attrs, slog.String("method", r.Method), slog.String("path", r.URL.Path))
	m.cfg.Logger.LogAttrs(ctx, level, msg, attrs...)
}
