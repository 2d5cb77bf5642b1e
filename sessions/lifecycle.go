package sessions

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"
)

// The request lifecycle, one implementation for every adapter. Its phases,
// in the order a request meets them and in the order of this file:
//
//	Begin    note the request; read nothing
//	load     on first use, read the cookie and load the record (refreshing
//	         its TTL in the same round trip when the store can, at most
//	         once per RefreshInterval)
//	Commit   right before the headers: apply the commit rules, set the
//	         cookie; a save is Session.write (write.go)
//	Run      after the handler: commit if nothing was written, else save
//	         what changed after the headers went out (finish); if the
//	         handler panicked, save nothing (abandon)
//	fail     log a failed load or save and hand it to the ErrorHandler
//
// The user index (usertie.go) joins in at one seam, Manager.ties: before
// and after each save, and after each retired record is deleted.

// Begin starts the session of request r, whose response goes to w, and
// reads nothing: the cookie and the record are loaded when the handler
// first uses the session. The Handle serves this one request.
func (m *Manager) Begin(w http.ResponseWriter, r *http.Request) *Handle {
	h := &Handle{r: r}
	h.s.m, h.s.h = m, h
	h.w = commitWriter{ResponseWriter: w, h: h}
	if m.cfg.Store == nil {
		h.s.state, h.s.err = null, ErrNoStore
	}
	// The handler's request and its context live in h: no allocation more.
	h.ctx = sessionContext{r.Context(), &h.s}
	h.req = *r.WithContext(&h.ctx)
	return h
}

// load reads the cookie and loads the record on first use. The caller
// holds s.mu.
func (s *Session) load() {
	if s.state != unloaded {
		return
	}
	if s.m == nil { // a zero Session no middleware opened
		s.state, s.err = null, ErrNoMiddleware
		return
	}
	m, h := s.m, s.h
	h.client.id, h.client.value, h.client.sent = m.readCookie(h.r)
	if h.client.id != "" && s.loadRecord() {
		return
	}
	s.state, s.isNew = absent, true
	s.values = make(map[string]any)
	s.meta = m.newMeta()
}

// loadRecord loads the record the cookie names. It reports false when there
// is none to use: the session starts new under a new ID.
func (s *Session) loadRecord() bool {
	m, r := s.m, s.h.r
	key := m.key(s.h.client.id)
	var (
		rec   Record
		found bool
		err   error
	)
	ctx := &s.h.load
	ctx.start(r.Context(), time.Now().Add(LoadTimeout))
	// A record refreshed within the interval gets a plain read; one due a
	// refresh gets it in the load's round trip, when the store can.
	now := m.now()
	due := m.refreshed.due(key, now)
	if due && m.loadToucher != nil {
		p := m.probe(ctx, OpLoadTouch, 1, 0)
		rec, found, err = m.loadToucher.LoadTouch(p.ctx, key, m.cfg.Lifetime)
		p.loaded(found, len(rec.Data), err)
		if err == nil && found {
			m.refreshed.add(key, now)
		}
	} else {
		rec, found, err = m.loadKey(ctx, key, 1)
	}
	ctx.release()
	if err != nil {
		s.state, s.err = unreadable, s.redactLocked(fmt.Errorf("%w: %w", ErrStoreLoad, err))
		s.values, s.meta = make(map[string]any), m.newMeta()
		return true
	}
	if !found || m.hasEnded(key) { // ended here lately: a cached copy is stale
		m.event(r.Context(), EventMissed)
		return false
	}
	values, md, err := s.decode(rec.Data)
	if err != nil {
		// Dropped, not deleted: a service on another codec sharing the
		// store may own it. Its TTL ends it.
		// The codec's message is not logged: a codec may quote the data.
		m.log(slog.LevelWarn, "sessions: dropping a session record that does not decode", r,
			slog.Int("bytes", len(rec.Data)), slog.String("error_type", innermostType(err)))
		m.event(r.Context(), EventMissed)
		return false
	}
	if abs := m.cfg.AbsoluteTimeout; abs > 0 {
		switch now := m.now(); {
		case md.created == 0: // saved before AbsoluteTimeout was set: start counting now
			md.created = now.Unix()
			s.changes.mark(keyCreated)
		case now.Sub(time.Unix(md.created, 0)) >= abs:
			s.stale = append(s.stale, retired{key: key, user: md.tied, rec: rec})
			m.event(r.Context(), EventMissed)
			return false
		}
	}
	s.state, s.base, s.key, s.h.due = stored, rec, key, due
	s.values, s.meta = values, md
	m.event(r.Context(), EventLoaded)
	return true
}

// Commit commits the session, if it is not committed yet; call it right
// before the framework writes the response headers. It reports whether the
// handler's output goes out: false means the ErrorHandler wrote a response
// of its own, and the adapter must drop what the handler writes. Later
// calls repeat the first answer.
func (h *Handle) Commit() bool {
	s := &h.s
	s.mu.Lock()
	if h.stage != serving {
		ok := h.stage != replaced
		s.mu.Unlock()
		return ok
	}
	err := s.commit(true)
	h.stage = sent
	if err != nil {
		h.stage = failed
	}
	s.mu.Unlock()
	if err == nil {
		return true
	}
	return !h.fail(err, true)
}

// commit applies the commit rules (see docs/architecture.md). Before the
// headers it may set cookies; after them it saves what it can and reports
// what needed a cookie. The caller holds s.mu.
func (s *Session) commit(beforeHeaders bool) error {
	h := s.h
	if h.stage == abandoned || s.state == unloaded || s.state == null {
		return nil
	}
	if beforeHeaders {
		s.addVaryCookie()
	}
	switch s.state {
	case unreadable:
		// Reported once: by the commit before the headers, or by finish
		// when the handler first used the session after writing.
		return s.err
	case gone:
		if s.changes.any() {
			s.logGone()
		}
		return nil
	}
	m := s.m
	sc := storeContext{r: h.r, ctx: &h.save}
	defer sc.end()

	var data []byte
	dirty := s.changes.any() || m.ties.pending(s)
	if !dirty && s.state == stored && hasMutable(s.values) {
		var err error
		if data, err = s.encode(); err != nil {
			return err // ErrEncode: no store call failed
		}
		dirty = s.changedInPlace(data)
	}
	switch {
	case !dirty:
		if s.state == stored && beforeHeaders && h.due {
			if err := s.refresh(&sc); err != nil {
				return errors.Join(err, s.deleteRetired(&sc, false))
			}
		}
		return s.deleteRetired(&sc, false)

	case len(s.values) == 0 && (s.changes.cleared || s.state == absent):
		// Cleared or destroyed (the record goes, whatever others stored in
		// it meanwhile), or emptied before it was ever stored.
		s.retire(false)
		s.changes.reset()
		s.expireCookie(beforeHeaders)
		return s.deleteRetired(&sc, false)
	}

	if s.key == "" {
		s.newKey()
	}
	if !beforeHeaders && s.sid() != h.client.id {
		// No cookie can name the new ID: the data is lost; retired records
		// still go.
		return errors.Join(ErrHeadersSent, s.deleteRetired(&sc, false))
	}
	if err := s.write(&sc, data); err != nil {
		return err
	}
	if s.state == stored {
		// Regenerate's old record goes before the new cookie is set.
		if err := s.deleteRetired(&sc, true); err != nil {
			return err
		}
	}
	switch {
	case s.state == gone:
		s.logGone()
	case s.state == absent: // emptied key by key, and deleted
		s.expireCookie(beforeHeaders)
	case beforeHeaders:
		if s.sid() != h.client.id {
			h.client.value = ""
		}
		now := m.now()
		s.setCookie(m.cookieHeader(s.sid(), h.client.value, s.meta.permanent, s.ttl(now), now))
		h.client.id, h.client.sent = s.sid(), true
	}
	return s.deleteRetired(&sc, false)
}

// refresh extends a read record's TTL, unless the load did (LoadTouch),
// and re-sends a permanent session's cookie, unless the session ended
// since the load. Without LoadTouch it is a conditional Replace of the
// loaded bytes: a conflict means another request wrote or ended the
// record, and sent its own cookie. The caller holds s.mu.
func (s *Session) refresh(sc *storeContext) error {
	m := s.m
	if m.hasEnded(s.key) {
		s.state = gone
		return nil
	}
	now := m.now()
	ttl := s.ttl(now)
	if m.loadToucher == nil {
		err := m.call(sc.get(), OpReplace, 1, len(s.base.Data), func(ctx context.Context) error {
			return m.cfg.Store.Replace(ctx, s.key, s.base, s.base.Data, ttl)
		})
		if errors.Is(err, ErrConflict) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%w: refresh: %w", ErrStoreSave, err)
		}
		m.refreshed.add(s.key, now)
	}
	if s.meta.permanent {
		s.setCookie(m.cookieHeader(s.sid(), s.h.client.value, true, ttl, now))
	}
	return nil
}

// expireCookie expires the client's session cookie, if it has one and the
// headers are still to come.
func (s *Session) expireCookie(beforeHeaders bool) {
	if beforeHeaders && s.h.client.sent {
		s.setCookie(s.m.cookies.expired)
		// Data set after the headers can no longer be saved under this ID.
		s.h.client = clientCookie{}
	}
}

// logGone reports changes dropped because the session is gone.
func (s *Session) logGone() {
	s.m.log(slog.LevelInfo, "sessions: the session ended in another request (a logout, a new ID or its expiry); this request's changes to it are dropped", s.h.r)
}

// Run calls handler, the rest of the chain, and then ends the request: it
// commits if nothing was written, or saves what changed after the headers
// went out. If handler panics, nothing is saved and no cookie is set,
// whatever a recovery middleware writes next, and the panic goes on.
func (h *Handle) Run(handler func()) {
	returned := false
	defer func() {
		if !returned {
			h.abandon()
		}
	}()
	handler()
	returned = true
	h.finish()
}

// finish ends the request after the handler returned: it commits if
// nothing was written, else saves the changes made after the headers went
// out. After a failed Commit it does nothing: the ErrorHandler has had its
// one call.
func (h *Handle) finish() {
	s := &h.s
	s.mu.Lock()
	if h.stage == serving {
		s.mu.Unlock()
		h.Commit()
		s.mu.Lock()
	} else if h.stage == sent {
		if err := s.commit(false); err != nil {
			s.mu.Unlock()
			h.fail(err, false)
			s.mu.Lock()
		}
	}
	if h.stage == sent {
		h.stage = done
	}
	s.mu.Unlock()
}

// abandon marks the request's handler as panicked: nothing is saved.
func (h *Handle) abandon() {
	h.s.mu.Lock()
	if h.stage == serving || h.stage == sent {
		h.stage = abandoned // a failed or replaced commit stays as it is
	}
	h.s.mu.Unlock()
}

// fail logs err and hands it to the ErrorHandler. Before the headers, what
// the ErrorHandler writes becomes the response, and fail reports whether it
// wrote one.
func (h *Handle) fail(err error, beforeHeaders bool) (wrote bool) {
	s, m := &h.s, h.s.m
	s.mu.Lock()
	err = s.redactLocked(err)
	s.mu.Unlock()
	m.log(slog.LevelError, "sessions: session not loaded or not saved", h.r, slog.String("error", err.Error()))
	m.failed(h.r.Context(), err)
	if !beforeHeaders {
		m.cfg.ErrorHandler(discardWriter{}, &h.req, err)
		return false
	}
	ew := &errorWriter{w: h.w.ResponseWriter, h: make(http.Header)}
	m.cfg.ErrorHandler(ew, &h.req, err) // h.req carries the session: the ErrorHandler may call Get
	if ew.wrote {
		s.mu.Lock()
		h.stage = replaced
		s.mu.Unlock()
	}
	return ew.wrote
}

// redactLocked replaces the session's IDs in err's message (stores quote
// their keys), so that no ID reaches Err, the ErrorHandler or the log. The
// caller holds s.mu.
func (s *Session) redactLocked(err error) error {
	if _, ok := err.(*redactedError); ok {
		return err
	}
	msg := err.Error()
	ids := []string{s.h.client.id, s.sid()}
	for _, r := range s.stale {
		ids = append(ids, s.m.idOf(r.key))
	}
	for _, id := range ids {
		if id != "" {
			msg = strings.ReplaceAll(msg, id, "[session-id]")
		}
	}
	return newRedacted(err, msg, func(text string) bool {
		for _, id := range ids {
			if id != "" && strings.Contains(text, id) {
				return true
			}
		}
		return false
	})
}

// innermostType names the type of the error at the end of err's chain,
// such as "*json.SyntaxError", for a log that must not quote its message.
func innermostType(err error) string {
	for {
		next := errors.Unwrap(err)
		if next == nil {
			return fmt.Sprintf("%T", err)
		}
		err = next
	}
}

// log writes one record about request r, never with the session ID.
func (m *Manager) log(level slog.Level, msg string, r *http.Request, attrs ...slog.Attr) {
	attrs = append(attrs, slog.String("method", r.Method), slog.String("path", r.URL.Path))
	m.cfg.Logger.LogAttrs(r.Context(), level, msg, attrs...)
}

// storeContext makes the context of one commit's store calls on first use,
// so that a commit without one costs nothing. Saves outlive the request's
// cancellation (a client that hangs up must not lose the handler's
// changes) but keep its deadline, or SaveTimeout. The context is the
// Handle's save, so that it costs one allocation (the request's context
// without its cancellation) instead of a timer and three more.
type storeContext struct {
	r       *http.Request
	ctx     *deadlineContext
	started bool
}

// SaveTimeout bounds the store calls of a commit whose request has no
// deadline, or whose context has ended (the client went away), so that a
// stalled store cannot hold the request forever. A save that times out and
// lands later cannot overwrite newer data: every write is conditional.
const SaveTimeout = 5 * time.Second

// get returns the context, started on first use.
func (c *storeContext) get() context.Context {
	if !c.started {
		rc := c.r.Context()
		deadline, ok := rc.Deadline()
		if !ok || rc.Err() != nil {
			deadline = time.Now().Add(SaveTimeout)
		}
		c.ctx.start(context.WithoutCancel(rc), deadline)
		c.started = true
	}
	return c.ctx
}

// end releases the context's timer, if it has one, once the commit is over.
func (c *storeContext) end() {
	if c.started {
		c.ctx.release()
	}
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
