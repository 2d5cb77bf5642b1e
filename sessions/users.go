package sessions

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// UserSession describes one live session of a user, as a "Your sessions"
// page shows it.
type UserSession struct {
	// Ref is an opaque reference to the session, safe to put in a page and
	// post back to Revoke: random, unrelated to the ID (a credential), and
	// kept when Regenerate gives the session a new ID.
	Ref string
	// Created is when the session began; zero if its record predates
	// Users and AbsoluteTimeout.
	Created time.Time
	// LastSeen is when the session was last used, derived from its expiry
	// (a Lifetime after the last refresh): as exact as the RefreshInterval,
	// or the last change with a negative one. Under an AbsoluteTimeout
	// shorter than the Lifetime it is Created until a read refreshes it.
	LastSeen time.Time
	// Expires is when the session ends unless it is used again.
	Expires time.Time
	// Current is true for the session of the request that listed them.
	Current bool
	// UserAgent and IP are those of the request that logged the session
	// in, with Config.Users.Devices; empty otherwise.
	UserAgent string
	IP        string
}

var (
	// ErrNoUserIndex is what the listing and revoking calls return when
	// Config.Users is nil: sessions are not indexed by user.
	ErrNoUserIndex = errors.New("sessions: Config.Users is nil, so sessions are not indexed by user; set Users with a store that can list them")
	// ErrUnknownSession is what Revoke returns when the user has no live
	// session with that Ref: it ended already, or the Ref is not theirs.
	ErrUnknownSession = errors.New("sessions: the user has no live session with that reference")
)

// newRef returns a fresh Ref: 16 random bytes, as newID makes them.
func newRef() string { return newID(16) }

// refOf returns the Ref of a record: the one it keeps, or for a record
// that has none (tied before Refs were kept), a one-way hash of handle,
// its key as the user index gives it (see Manager.handle).
func refOf(handle string, md meta) string {
	if md.ref != "" {
		return md.ref
	}
	sum := sha256.Sum256([]byte("serversession ref\x00" + handle))
	return base64.RawURLEncoding.EncodeToString(sum[:16])
}

// userRecord is a decoded record of the user's index that names the user.
type userRecord struct {
	UserRecord
	meta meta
}

// userRecords returns the live records that name user. An entry whose
// record names someone else (a login on its way, or a failed untie) or
// does not decode (another service's codec) is skipped, not untied.
func (m *Manager) userRecords(ctx context.Context, user string) ([]userRecord, error) {
	if m.ties == nil {
		return nil, ErrNoUserIndex
	}
	if user == "" {
		return nil, nil
	}
	recs, err := m.ties.UserRecords(ctx, user)
	if err != nil {
		return nil, fmt.Errorf("%w: list the user's sessions: %w", ErrStoreLoad, redactKeys(err, m.cfg.KeyPrefix))
	}
	out := make([]userRecord, 0, len(recs))
	for _, r := range recs {
		if values, md, err := decodeWithMeta(m.cfg.Codec, r.Record.Data); err == nil && m.userOf(values) == user {
			out = append(out, userRecord{r, md})
		}
	}
	return out, nil
}

// UserSessions lists the live sessions of user, most recently seen first,
// at the cost of one listing of that user's index, never a scan of the
// store. The listing is bounded by LoadTimeout, as Revoke and RevokeAll
// are. A handler can call Session.UserSessions, which marks the current
// session.
func (m *Manager) UserSessions(ctx context.Context, user string) ([]UserSession, error) {
	ctx, cancel := context.WithTimeout(ctx, LoadTimeout)
	defer cancel()
	recs, err := m.userRecords(ctx, user)
	if err != nil {
		return nil, err
	}
	list := make([]UserSession, 0, len(recs))
	now := m.now()
	for _, r := range recs {
		us := UserSession{Ref: refOf(r.Key, r.meta), Expires: r.Expires, UserAgent: r.meta.userAgent, IP: r.meta.ip}
		if r.meta.created != 0 {
			us.Created = time.Unix(r.meta.created, 0)
		}
		// The record's expiry was set a Lifetime after its last refresh.
		us.LastSeen = r.Expires.Add(-m.cfg.Lifetime)
		if us.LastSeen.After(now) {
			us.LastSeen = now
		}
		if us.LastSeen.Before(us.Created) {
			us.LastSeen = us.Created
		}
		list = append(list, us)
	}
	slices.SortFunc(list, func(a, b UserSession) int { return cmp.Or(b.LastSeen.Compare(a.LastSeen), cmp.Compare(a.Ref, b.Ref)) })
	return list, nil
}

// Revoke ends the session of user that ref names: its record is deleted
// and its index entry removed. It stays ended for requests in flight on it
// (see revoke). It returns ErrUnknownSession if user has no live session
// with that ref.
func (m *Manager) Revoke(ctx context.Context, user, ref string) error {
	n, err := m.revoke(ctx, user, func(r string) bool { return r == ref })
	if err == nil && n == 0 {
		return ErrUnknownSession
	}
	return err
}

// RevokeAll ends every live session of user but the one that except names
// (a Ref, or "" to keep none): "log out everywhere", or "log out other
// sessions" with the current session's Ref. It returns how many it ended.
func (m *Manager) RevokeAll(ctx context.Context, user, except string) (int, error) {
	return m.revoke(ctx, user, func(r string) bool { return except == "" || r != except })
}

// revoke ends the sessions of user whose Ref match selects. Requests in
// flight on one find its record gone and save nothing; one that was giving
// it a new ID finds its old record gone and drops the new one, or tied the
// new one before the delete, and the next listing finds it by its Ref. So
// revoke lists again until a pass ends nothing.
func (m *Manager) revoke(ctx context.Context, user string, match func(ref string) bool) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, LoadTimeout)
	defer cancel()
	refs := map[string]bool{} // the sessions ended, each counted once under its IDs
	for pass := 0; pass < revokePasses; pass++ {
		recs, err := m.userRecords(ctx, user)
		if err != nil {
			return len(refs), err
		}
		ended := 0
		var errs []error
		for _, r := range recs {
			ref := refOf(r.Key, r.meta)
			if !match(ref) {
				continue
			}
			// r.Key may be a handle (see KeyHandler): the ended sessions
			// are remembered by handle, and the store's Delete and Untie
			// take it.
			if err := m.endHandle(r.Key, func() error { return m.delete(ctx, r.Key) }); err != nil {
				errs = append(errs, redactKeys(err, m.cfg.KeyPrefix))
				continue
			}
			m.event(ctx, EventDestroyed)
			ended++
			refs[ref] = true
			_ = m.ties.Untie(ctx, user, r.Key) // if it fails, listings skip the entry
		}
		if len(errs) > 0 {
			return len(refs), fmt.Errorf("%w: revoke: %w", ErrStoreSave, errors.Join(errs...))
		}
		if ended == 0 {
			break
		}
	}
	return len(refs), nil
}

// revokePasses bounds the listings of one revocation.
const revokePasses = 4

// redactKeys returns err with every storage key it quotes (the prefix and
// what follows, up to a quote or a space) replaced: no session ID reaches
// the caller's log from a listing or a revocation.
func redactKeys(err error, prefix string) error {
	msg := err.Error()
	var b strings.Builder
	for {
		i := strings.Index(msg, prefix)
		if i < 0 {
			break
		}
		b.WriteString(msg[:i])
		b.WriteString("[session-key]")
		msg = msg[i+len(prefix):]
		j := strings.IndexAny(msg, "\"' ,:)")
		if j < 0 {
			j = len(msg)
		}
		msg = msg[j:]
	}
	if b.Len() == 0 {
		return err
	}
	b.WriteString(msg)
	return newRedacted(err, b.String(), func(text string) bool { return strings.Contains(text, prefix) })
}

// User returns the user the session is tied to: the value under
// Config.UserKey, or "" when no one is logged in.
func (s *Session) User() string {
	defer s.locked().Unlock()
	if s.m == nil {
		return ""
	}
	return s.m.userOf(s.values)
}

// SetUser sets Config.UserKey to user at login, or deletes it with "";
// with Users, the user's index follows at commit. A change of user on a
// stored session gives it a new ID, as Regenerate does, so that a cookie
// planted before the login cannot read the logged-in session; calling
// Regenerate too costs nothing more. Setting or deleting Config.UserKey
// with Set, Delete or Pop does the same. Prefer Destroy to SetUser("") at
// logout.
func (s *Session) SetUser(user string) { s.setUser(user, true) }

// SetUserKeepingID is SetUser without the new ID: the session keeps its
// ID across the change of user. Anyone who held the cookie before holds
// the new user's session after: use it only when the ID is known to be
// the user's own (for example when switching between accounts of one
// person already logged in), never at a login.
func (s *Session) SetUserKeepingID(user string) { s.setUser(user, false) }

func (s *Session) setUser(user string, regenerate bool) {
	defer s.locked().Unlock()
	if !s.writable() {
		return
	}
	key := s.m.cfg.UserKey
	if regenerate {
		s.userChange(user)
	}
	if user != "" {
		s.values[key] = user
	} else if _, ok := s.values[key]; ok {
		delete(s.values, key)
	} else {
		return
	}
	s.changes.mark(key)
}

// userChange gives a stored session a new ID when the user it names is
// about to become user. The caller holds the lock and checked writable.
func (s *Session) userChange(user string) {
	if s.state == stored && s.m.userOf(s.values) != user {
		s.regenerate()
	}
}

// UserSessions lists the live sessions of the session's user, as
// Manager.UserSessions does, with the current one marked; none when no
// one is logged in.
func (s *Session) UserSessions() ([]UserSession, error) {
	m, user, current, ctx, err := s.userView()
	if err != nil || user == "" {
		return nil, err
	}
	list, err := m.UserSessions(ctx, user)
	for i := range list {
		list[i].Current = list[i].Ref == current
	}
	return list, err
}

// Revoke ends one session of the session's user, by its Ref, as
// Manager.Revoke does. Revoking the current session is Destroy.
func (s *Session) Revoke(ref string) error {
	m, user, current, ctx, err := s.userView()
	if err != nil {
		return err
	}
	if user == "" {
		return ErrUnknownSession
	}
	if ref == current {
		s.Destroy()
		return nil
	}
	return m.Revoke(ctx, user, ref)
}

// RevokeOthers ends every other session of the session's user ("log out
// other sessions") and returns how many it ended.
func (s *Session) RevokeOthers() (int, error) {
	m, user, current, ctx, err := s.userView()
	if err != nil || user == "" {
		return 0, err
	}
	return m.RevokeAll(ctx, user, current) // current is "" if not stored yet: none listed is this one
}

// userView returns the session's Manager, user, the Ref of its stored
// record ("" if none) and its request's context.
func (s *Session) userView() (m *Manager, user, current string, ctx context.Context, err error) {
	defer s.locked().Unlock()
	if s.state == null {
		return nil, "", "", nil, s.err
	}
	if s.m.ties == nil {
		return nil, "", "", nil, ErrNoUserIndex
	}
	if s.state == stored {
		current = refOf(s.m.handle(s.key), s.meta)
	}
	return s.m, s.m.userOf(s.values), current, s.h.r.Context(), nil
}
