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
)

// How a session is tied to its user in the store's index (see UserIndex),
// with Config.Users. The user is the value under Config.UserKey, in
// the record itself, and the record also says whose index lists it
// ("_tied"). A write whose user differs from that one moves the entry:
//
//	create     the record, then tie it: a failed tie deletes the new
//	           record, whose ID no client holds yet
//	replace    tie the new user first, so that no record names a user
//	           whose index lacks it; untie the old one after the write;
//	           if the write fails, tie the old user again and untie the new
//	delete     untie after the record is gone (Destroy, a session emptied
//	           key by key, the old ID of Regenerate)
//
// A record that names a user it is not tied to (one Flask logged in, or
// one saved before Users was set) is written at its next request, so
// that it gets tied. A failed untie leaves an entry whose record no longer
// names the user; listings check every record they are given and skip it.

// userOf returns the user the values name under UserKey: a string, or an
// integer in decimal (as a Go app may store a numeric ID; Flask-Login
// stores strings). "" means no user.
func (m *Manager) userOf(values map[string]any) string {
	switch v := values[m.cfg.UserKey].(type) {
	case nil:
		return ""
	case string:
		return v
	default:
		if n, ok := toInt64(v); ok {
			return strconv.FormatInt(n, 10)
		}
		return ""
	}
}

// newCreated returns the creation time a new session records: now, when
// the AbsoluteTimeout or the listing of a user's sessions needs it.
func (m *Manager) newCreated() int64 {
	if m.cfg.AbsoluteTimeout > 0 || m.cfg.Users != nil {
		return m.now().Unix()
	}
	return 0
}

// untied reports whether the session's record names a user other than
// the one whose index lists it: the commit must write it, to tie it. The
// caller holds s.mu.
func (s *Session) untied() bool {
	return s.m.index != nil && s.state == stored && s.m.userOf(s.values) != s.meta.tied
}

// noteTie gives a session about to be tied to a new user its Ref, if it
// has none, and with Users.Devices the device of this request. The caller
// holds s.mu.
func (s *Session) noteTie() {
	m := s.m
	user := m.userOf(s.values)
	if user == "" || user == s.meta.tied {
		return
	}
	if s.meta.ref == "" {
		s.meta.ref = newRef()
	}
	if m.cfg.Users.Devices && !s.changes.has(keyUserAgent) {
		s.meta.userAgent = validPrefix(s.r.UserAgent(), maxUserAgent)
		s.meta.ip = m.clientIP(s.r)
		s.changes.mark(keyUserAgent)
	}
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

// tieCreated ties a record just created to the user it names. If the tie
// fails, the record is deleted again: a session its user's index does not
// list could not be revoked. The caller holds s.mu.
func (s *Session) tieCreated(ctx context.Context, key string, ttl time.Duration) error {
	user := s.meta.tied
	if s.m.index == nil || user == "" {
		return nil
	}
	err := s.m.index.Tie(ctx, user, key, ttl)
	if err == nil {
		return nil
	}
	err = fmt.Errorf("add the session to its user's index: %w", err)
	if derr := s.m.cfg.Store.Delete(ctx, key); derr != nil {
		err = errors.Join(err, fmt.Errorf("delete the unindexed record: %w", derr))
	}
	return err
}

// tieBefore ties the record about to be written over the stored one to the
// user it will name, if that user is new to it (old is the user whose
// index lists the stored record). The caller holds s.mu.
func (s *Session) tieBefore(ctx context.Context, old, key string, ttl time.Duration) error {
	user := s.meta.tied
	if s.m.index == nil || user == "" || user == old {
		return nil
	}
	if err := s.m.index.Tie(ctx, user, key, ttl); err != nil {
		return fmt.Errorf("add the session to its user's index: %w", err)
	}
	return nil
}

// untieFailed undoes the move of a write that failed: the stored record
// still names old, so its index gets the key back (an index that keeps one
// user per record gave it to the new one), and the new user's index loses
// it. It returns err, the write's error. The caller holds s.mu.
func (s *Session) untieFailed(ctx context.Context, old, key string, ttl time.Duration, err error) error {
	if user := s.meta.tied; s.m.index != nil && user != old {
		if old != "" {
			if terr := s.m.index.Tie(ctx, old, key, ttl); terr != nil {
				s.m.log(ctx, slog.LevelWarn, "sessions: could not give a session back to its user's index after a failed save", s.r,
					slog.Any("error", s.redactLocked(terr)))
			}
		}
		s.untie(ctx, user, key)
		s.meta.tied = old
	}
	return err
}

// untie removes key from user's index, after its record stopped naming
// user. A failure is logged, not returned: the write it follows is done,
// and listings skip the entry (see the comment at the top of this file).
func (s *Session) untie(ctx context.Context, user, key string) {
	if s.m.index == nil || user == "" {
		return
	}
	if err := s.m.index.Untie(ctx, user, key); err != nil {
		s.m.log(ctx, slog.LevelWarn, "sessions: could not remove an ended session from its user's index; listings skip it", s.r,
			slog.Any("error", s.redactLocked(err)))
	}
}
