package sessions

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/serversession/serversession/internal/retry"
)

// writeOp is the store call that saves the session.
type writeOp uint8

const (
	opCreate  writeOp = iota // no record under the key: Create
	opReplace                // Replace the record loaded
	opDelete                 // the session was emptied key by key: DeleteIf the record loaded
)

// errGone and errEnded end a write whose session is gone: a reload found no
// record, or another request of this Manager ended it during the write.
var (
	errGone  = errors.New("sessions: the record is gone")
	errEnded = errors.New("sessions: the session ended meanwhile")
)

// write saves the session with a conditional write (see Store); data is
// the session already encoded, or nil. One that finds the record changed
// reloads it, replays this request's changes over it (rebase) and tries
// again. One that finds it gone (Destroy, Regenerate, expiry) saves nothing
// and leaves the state gone: a session that is gone stays gone. The user
// index, if any, runs before and after the attempts. The caller holds s.mu.
func (s *Session) write(sc *storeContext, data []byte) error {
	key, ctx := s.key, sc.get()
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
		// Another request of this process wrote it since the load: replay
		// over that write rather than fail on it.
		if err := s.rebase(last); err == nil {
			data = nil
			s.m.event(ctx, EventMerged)
		}
	}
	var (
		op       writeOp
		ttl      time.Duration
		move     tieMove
		conflict error // the last conflict, once there was one
	)
	for try := 1; ; try++ {
		op, ttl = s.writeOp(), s.ttl(s.m.now())
		move, err = s.m.ties.before(ctx, s, op, key, ttl)
		if err == nil {
			data, err = s.attempt(ctx, op, key, data, ttl, try)
		}
		if err == nil && s.m.hasEnded(key) {
			err = errEnded
		}
		if !errors.Is(err, ErrConflict) || op == opCreate {
			break
		}
		// A conflict means another write landed, so the writes of one
		// session always progress; this one tries again until it lands or
		// the save's deadline (the request's, or SaveTimeout) ends.
		s.m.event(ctx, EventConflict)
		conflict = err
		if try > 1 {
			// Another process keeps writing: give way for a while.
			lock.unlock()
			if lock, err = nil, backoff(ctx, try); err == nil {
				lock, err = s.m.writes.lock(ctx, key)
			}
			if err != nil {
				break
			}
		}
		if err = s.reload(ctx, key, try+1); err != nil {
			break
		}
		data = nil
	}
	err = s.m.ties.after(ctx, s, op, move, key, ttl, err)
	switch {
	case err == nil && op == opDelete:
		s.state, s.base, s.meta.tied = absent, Record{}, ""
		s.changes.reset()
		lock.wrote(key, Record{})
		s.m.event(ctx, EventDestroyed)
	case err == nil:
		if op == opCreate && !s.moving() {
			s.m.event(ctx, EventCreated)
		}
		s.state, s.base = stored, Record{Data: data}
		s.changes.reset()
		lock.wrote(key, s.base)
		s.m.refreshed.add(key, s.m.now()) // the write set its TTL
	case errors.Is(err, errGone), errors.Is(err, errEnded):
		s.state, s.base = gone, Record{}
	case errors.Is(err, ErrEncode), errors.Is(err, ErrTooLarge):
		return err // no store call failed
	default:
		if conflict != nil {
			if errors.Is(err, context.DeadlineExceeded) {
				s.m.event(ctx, EventSaveGivenUp)
			}
			err = fmt.Errorf("%w (after %w)", err, conflict)
		}
		return fmt.Errorf("%w: %w", ErrStoreSave, err)
	}
	return nil
}

// writeOp returns the store call that saves the session as it is now.
func (s *Session) writeOp() writeOp {
	switch {
	case s.state == absent:
		return opCreate
	case len(s.values) == 0:
		return opDelete
	}
	return opReplace
}

// attempt makes one conditional write, the try-th of this save, and
// returns the data it wrote.
func (s *Session) attempt(ctx context.Context, op writeOp, key string, data []byte, ttl time.Duration, try int) ([]byte, error) {
	store := s.m.cfg.Store
	if op == opDelete {
		return nil, s.m.call(ctx, OpDeleteIf, try, 0, func(ctx context.Context) error { return store.DeleteIf(ctx, key, s.base) })
	}
	if data == nil {
		var err error
		if data, err = s.encode(); err != nil {
			return nil, err // ErrEncode
		}
	}
	if limit := s.m.cfg.MaxRecordSize; limit > 0 && len(data) > limit {
		return nil, fmt.Errorf("%w: %d bytes, over %d", ErrTooLarge, len(data), limit)
	}
	if s.m.userOf(s.values) != "" {
		ctx = s.h.userHint(ctx)
	}
	if op == opCreate {
		return data, s.m.call(ctx, OpCreate, try, len(data), func(ctx context.Context) error { return store.Create(ctx, key, data, ttl) })
	}
	return data, s.m.call(ctx, OpReplace, try, len(data), func(ctx context.Context) error { return store.Replace(ctx, key, s.base, data, ttl) })
}

// reload loads the record another request stored, before the try-th
// attempt, and replays this request's changes over it, or returns errGone.
func (s *Session) reload(ctx context.Context, key string, try int) error {
	cur, found, err := s.m.loadKey(ctx, key, try)
	switch {
	case err != nil:
		return fmt.Errorf("reload after a conflict: %w", err)
	case !found:
		return errGone
	}
	if err := s.rebase(cur); err != nil {
		return fmt.Errorf("the record another request stored does not decode: %w", err)
	}
	s.m.event(ctx, EventMerged)
	return nil
}

// backoff waits a random time below 1ms << try (capped at 64ms), so that
// processes racing on one session take turns instead of colliding again.
func backoff(ctx context.Context, try int) error {
	return retry.Sleep(ctx, retry.Jitter(time.Millisecond<<min(try, 6)))
}

// deleteRetired deletes and unties the records of retired IDs (only those
// Regenerate moved away from, if movedOnly). One that fails to go stays
// scheduled, for finish to try again. The caller holds s.mu.
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
		err := s.m.endKey(r.key, func() error {
			if r.moved && s.state == stored {
				return s.deleteMoved(ctx, r.key, r.rec)
			}
			return s.m.delete(ctx, r.key)
		})
		if err != nil {
			errs = append(errs, err)
			kept = append(kept, r)
			continue
		}
		if r.moved {
			s.m.event(ctx, EventRegenerated)
		} else {
			s.m.event(ctx, EventDestroyed)
		}
		s.m.ties.untie(ctx, s, r.user, r.key)
	}
	s.stale = kept
	if len(errs) > 0 {
		return fmt.Errorf("%w: delete: %w", ErrStoreSave, errors.Join(errs...))
	}
	return nil
}

// deleteMoved deletes old, the record Regenerate moved away from: with
// DeleteIf, and if that conflicts, with Delete if it is still there. If it
// is gone, another request ended the session meanwhile (a logout, a
// revocation), and the new record goes too: a revoked session stays
// revoked. The caller holds s.mu.
func (s *Session) deleteMoved(ctx context.Context, key string, old Record) error {
	m := s.m
	err := m.call(ctx, OpDeleteIf, 1, 0, func(ctx context.Context) error { return m.cfg.Store.DeleteIf(ctx, key, old) })
	if !errors.Is(err, ErrConflict) {
		return err
	}
	_, found, err := m.loadKey(ctx, key, 1)
	switch {
	case err != nil:
		return err
	case found:
		return m.delete(ctx, key)
	}
	if err := m.endKey(s.key, func() error { return m.delete(ctx, s.key) }); err != nil {
		return fmt.Errorf("end the new ID of a session ended meanwhile: %w", err)
	}
	s.m.ties.untie(ctx, s, s.meta.tied, s.key)
	s.state, s.base = gone, Record{}
	s.m.log(slog.LevelInfo, "sessions: the session ended in another request while this one gave it a new ID; the new ID is dropped", s.h.r)
	return nil
}

// delete deletes the record under key, whatever it holds, observed.
func (m *Manager) delete(ctx context.Context, key string) error {
	return m.call(ctx, OpDelete, 1, 0, func(ctx context.Context) error { return m.cfg.Store.Delete(ctx, key) })
}
