package sessions

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"time"
)

// How a session is tied to its user in the store's index (see UserIndex),
// with Config.IndexUsers. The user is the value under Config.UserKey, in
// the record itself; the index follows it at every write:
//
//	create     the record, then tie it: a failed tie deletes the new
//	           record, whose ID no client holds yet
//	replace    tie first when the user changes, so that no record ever
//	           names a user whose index lacks it; untie the old user after
//	           the write
//	delete     untie after the record is gone (Destroy, a session emptied
//	           key by key, the old ID of Regenerate)
//
// A failed untie leaves an entry whose record no longer names the user;
// listings check every record they are given and skip such entries, and
// the store drops them when the user's index is next written or listed.

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

// indexedUser is userOf with IndexUsers, and "" without: the user a
// record's index entry follows.
func (m *Manager) indexedUser(values map[string]any) string {
	if m.index == nil {
		return ""
	}
	return m.userOf(values)
}

// newCreated returns the creation time a new session records: now, when
// the AbsoluteTimeout or the listing of a user's sessions needs it.
func (m *Manager) newCreated() int64 {
	if m.cfg.AbsoluteTimeout > 0 || m.cfg.IndexUsers {
		return m.now().Unix()
	}
	return 0
}

// noteLogin records the device of a request that ties the session to a
// new user, with RecordDevice. It reports whether it changed the metadata.
// The caller holds s.mu.
func (s *Session) noteLogin() bool {
	m := s.m
	user := m.userOf(s.values)
	if !m.cfg.RecordDevice || user == "" || user == s.user || s.changes.has(keyUserAgent) {
		return false
	}
	s.meta.userAgent = truncate(s.r.UserAgent(), maxUserAgent)
	s.meta.ip = m.clientIP(s.r)
	s.changes.mark(keyUserAgent)
	return true
}

// maxUserAgent bounds the user agent kept in a record: the header is the
// client's to choose.
const maxUserAgent = 256

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// clientIP returns the client IP address of r, for RecordDevice.
func (m *Manager) clientIP(r *http.Request) string {
	if m.cfg.ClientIP != nil {
		return truncate(m.cfg.ClientIP(r), 64)
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return truncate(r.RemoteAddr, 64)
	}
	return host
}

// tieCreated ties a record just created to the user it names. If the tie
// fails, the record is deleted again: a session its user's index does not
// list could not be revoked. The caller holds s.mu.
func (s *Session) tieCreated(ctx context.Context, key string, ttl time.Duration) error {
	user := s.m.userOf(s.values)
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
// user it will name, if that user is new to it. The caller holds s.mu.
func (s *Session) tieBefore(ctx context.Context, key string, ttl time.Duration) error {
	user := s.m.userOf(s.values)
	if s.m.index == nil || user == "" || user == s.user {
		return nil
	}
	if err := s.m.index.Tie(ctx, user, key, ttl); err != nil {
		return fmt.Errorf("add the session to its user's index: %w", err)
	}
	return nil
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

// leaveMoved deletes the records Regenerate moved the session away from,
// once the session is stored under its new ID. Each is deleted only if it
// still holds what this request loaded: if it is gone, another request
// ended the session meanwhile (a logout, a revocation), and the new record
// goes too, so that a session revoked while this request ran stays
// revoked. If it changed, it is deleted anyway, as before. The caller holds
// s.mu.
func (s *Session) leaveMoved(sc *storeContext) error {
	if s.state != stored {
		return nil
	}
	m, store := s.m, s.m.cfg.Store
	kept := s.stale[:0]
	var errs []error
	for _, r := range s.stale {
		if !r.moved {
			kept = append(kept, r)
			continue
		}
		ctx, key := sc.get(), m.key(r.id)
		m.ended.add(key)
		err := store.DeleteIf(ctx, key, r.rec)
		if errors.Is(err, ErrConflict) {
			var found bool
			if _, found, err = store.Load(ctx, key); err == nil {
				if found {
					err = store.Delete(ctx, key)
				} else if err = s.endMoved(ctx); err != nil {
					err = fmt.Errorf("end the new ID of a session ended meanwhile: %w", err)
				}
			}
		}
		if err != nil {
			m.ended.remove(key)
			kept = append(kept, r)
			errs = append(errs, err)
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

// endMoved deletes the record just stored under the session's new ID, and
// marks the session gone: it was ended under its old ID while this request
// moved it. The caller holds s.mu.
func (s *Session) endMoved(ctx context.Context) error {
	key := s.key()
	s.m.ended.add(key)
	if err := s.m.cfg.Store.Delete(ctx, key); err != nil {
		return err
	}
	s.untie(ctx, s.user, key)
	s.state, s.base, s.user = gone, Record{}, ""
	s.m.log(ctx, slog.LevelInfo, "sessions: the session ended in another request while this one gave it a new ID; the new ID is dropped", s.r)
	return nil
}
