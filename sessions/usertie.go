package sessions

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/serversession/serversession/internal/numconv"
)

// userTies keeps the store's user index (see UserIndex) in step with the
// records, with Config.Users. The user is the value under
// Config.UserKey in the record, which also says whose index lists it
// ("_tied"); a write whose user differs from that one moves the entry.
// The lifecycle calls it at one seam: pending when it decides whether to
// write, before and after the attempts of a write, untie after deleting a
// retired record. Without Users, Manager.ties is nil and each of these
// does nothing. A failed untie leaves an entry whose record no longer names
// the user: listings check every record and skip it.
type userTies struct{ UserIndex }

// tieMove is the move of one write: the user whose index lists the stored
// record, and the user the written record names.
type tieMove struct{ old, new string }

// pending reports whether the stored record names a user whose index does
// not list it (Flask logged it in, or Users was off): the commit
// writes it, to tie it.
func (t *userTies) pending(s *Session) bool {
	return t != nil && s.state == stored && s.m.userOf(s.values) != s.meta.tied
}

// before runs before each attempt at a write. A record about to name a new
// user gets its Ref and, with Users.Devices, this request's device; a
// Replace ties the new user first, so that no record names a user whose
// index lacks it.
func (t *userTies) before(ctx context.Context, s *Session, op writeOp, key string, ttl time.Duration) (tieMove, error) {
	mv := tieMove{old: s.meta.tied, new: s.meta.tied}
	if t == nil {
		return mv, nil
	}
	if mv.new = s.m.userOf(s.values); mv.new == mv.old {
		return mv, nil
	}
	s.meta.tied = mv.new
	if mv.new == "" {
		return mv, nil
	}
	if s.meta.ref == "" {
		s.meta.ref = newRef()
	}
	if s.m.cfg.Users.Devices && !s.changes.has(keyUserAgent) {
		s.meta.userAgent = validPrefix(s.h.r.UserAgent(), maxUserAgent)
		s.meta.ip = s.m.clientIP(s.h.r)
		s.changes.mark(keyUserAgent)
	}
	if op == opReplace {
		if err := t.Tie(ctx, mv.new, key, ttl); err != nil {
			return mv, fmt.Errorf("add the session to its user's index: %w", err)
		}
	}
	return mv, nil
}

// after runs after the attempts of a write, with the error that ended them,
// and returns the write's error. A created record is tied after the
// Create; if that fails it is deleted again (no client holds its ID yet):
// a session its user's index does not list could not be revoked. A record
// written or deleted is untied from the user it no longer names; one found
// gone, from the user this write tied it to. After a failure the stored
// record still names the old user: its index gets the key back (an index
// with one user per record gave it to the new one), the new user's loses
// it. A session ended by this Manager is untied by the request that ended
// it.
func (t *userTies) after(ctx context.Context, s *Session, op writeOp, mv tieMove, key string, ttl time.Duration, err error) error {
	if t == nil || mv.new == mv.old || errors.Is(err, errEnded) {
		return err
	}
	switch {
	case err == nil && op == opCreate:
		if err = t.Tie(ctx, mv.new, key, ttl); err == nil {
			return nil
		}
		err = fmt.Errorf("add the session to its user's index: %w", err)
		if derr := s.m.delete(ctx, key); derr != nil {
			err = errors.Join(err, fmt.Errorf("delete the unindexed record: %w", derr))
		}
	case err == nil:
		t.untie(ctx, s, mv.old, key)
		return nil
	case errors.Is(err, errGone):
		t.untie(ctx, s, mv.new, key)
		return err
	}
	if mv.old != "" {
		if terr := t.Tie(ctx, mv.old, key, ttl); terr != nil {
			s.m.log(slog.LevelWarn, "sessions: could not give a session back to its user's index after a failed save", s.h.r,
				slog.Any("error", s.redactLocked(terr)))
		}
	}
	t.untie(ctx, s, mv.new, key)
	s.meta.tied = mv.old
	return err
}

// untie removes key from user's index, after its record stopped naming
// user. A failure is only logged: the write is done.
func (t *userTies) untie(ctx context.Context, s *Session, user, key string) {
	if t == nil || user == "" {
		return
	}
	if err := t.Untie(ctx, user, key); err != nil {
		s.m.log(slog.LevelWarn, "sessions: could not remove an ended session from its user's index; listings skip it", s.h.r,
			slog.Any("error", s.redactLocked(err)))
	}
}

// userOf returns the user the values name under UserKey: a string, or an
// integer in decimal (as a Go app may store a numeric ID; Flask-Login
// stores strings). "" means no user.
func (m *Manager) userOf(values map[string]any) string { return userName(values[m.cfg.UserKey]) }

// userName returns the user a value under UserKey names.
func userName(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	default:
		if n, ok := numconv.Int64(v); ok {
			return strconv.FormatInt(n, 10)
		}
		return ""
	}
}

// newMeta returns the metadata of a new session: permanent unless
// Transient, and created now when the AbsoluteTimeout or the listing of a
// user's sessions needs it.
func (m *Manager) newMeta() meta {
	md := meta{permanent: !m.cfg.Transient}
	if m.cfg.AbsoluteTimeout > 0 || m.cfg.Users != nil {
		md.created = m.now().Unix()
	}
	return md
}

// maxUserAgent bounds the user agent kept in a record: the header is the
// client's to choose.
const maxUserAgent = 256

// validPrefix returns at most n bytes of s, cut at a character boundary,
// with invalid UTF-8 replaced: a header's bytes are the client's, and a
// record must stay readable by every codec (Flask's too).
func validPrefix(s string, n int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// clientIP returns the client IP address of r, for Users.Devices.
func (m *Manager) clientIP(r *http.Request) string {
	if m.cfg.Users.ClientIP != nil {
		return validPrefix(m.cfg.Users.ClientIP(r), 64)
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return validPrefix(r.RemoteAddr, 64)
	}
	return host
}
