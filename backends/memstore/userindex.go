package memstore

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/serversession/serversession/sessions"
)

// The index of sessions by user. It has two halves, kept in step:
//
//   - each entry carries the users its record is tied to (entry.users,
//     nearly always none or one), so that whatever removes a record knows
//     which index entries to remove with it;
//   - userIndex maps each user to the set of keys tied to it, so that
//     UserRecords visits that user's keys only.
//
// Both change only while the key's shard is locked for writing, and the
// map's own lock is taken inside the shard's, never the other way round
// (UserRecords copies a user's keys under the map's lock and releases it
// before it locks any shard). Every removal of a record (Delete, DeleteIf,
// an expired record found by Load, LoadTouch, Create or the sweeper, and Tie
// itself) removes its index entries under the same shard lock, so the
// index never holds a key whose record is gone.

// The Store lists a user's sessions without a scan.
var _ sessions.UserIndex = (*Store)(nil)

// userIndex maps users to the keys tied to them.
type userIndex struct {
	mu     sync.Mutex
	byUser map[string]map[string]struct{}
	peak   int // the most users byUser has held: the size its memory is for
}

// add records that key is tied to user. The caller holds key's shard lock.
func (ix *userIndex) add(user, key string) {
	ix.mu.Lock()
	keys := ix.byUser[user]
	if keys == nil {
		keys = make(map[string]struct{}, 1)
		ix.byUser[user] = keys
		ix.peak = max(ix.peak, len(ix.byUser))
	}
	keys[key] = struct{}{}
	ix.mu.Unlock()
}

// remove records that key is no longer tied to any of users. The caller
// holds key's shard lock.
func (ix *userIndex) remove(key string, users ...string) {
	if len(users) == 0 {
		return
	}
	ix.mu.Lock()
	ix.removeLocked(key, users)
	ix.mu.Unlock()
}

// removeLocked is remove with ix.mu held.
func (ix *userIndex) removeLocked(key string, users []string) {
	for _, u := range users {
		keys := ix.byUser[u]
		delete(keys, key)
		if len(keys) == 0 {
			delete(ix.byUser, u)
		}
	}
	// As for the shards (see shrinkIfSparse): rebuild the map of users
	// when it holds less than a quarter of its peak, so that the memory of
	// a burst of users goes back.
	if ix.peak >= shrinkFloor && len(ix.byUser) < ix.peak/4 {
		m := make(map[string]map[string]struct{}, len(ix.byUser))
		for u, keys := range ix.byUser {
			m[u] = keys
		}
		ix.byUser = m
		ix.peak = len(m)
	}
}

// keys returns a copy of the keys tied to user.
func (ix *userIndex) keys(user string) []string {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	keys := make([]string, 0, len(ix.byUser[user]))
	for k := range ix.byUser[user] {
		keys = append(keys, k)
	}
	return keys
}

// Tie adds key to user's index, if a live record is stored under key. The
// record keeps the tie through Replace and LoadTouch, and loses it
// when it is deleted or expires, so ttl is not needed: the entry lasts
// exactly as long as the record. A missing or expired record is not an
// error and is not tied, since its entry would end at once. Tying a key
// already tied to user changes nothing.
func (s *Store) Tie(ctx context.Context, user, key string, ttl time.Duration) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("memstore: tie %q: %w", key, err)
	}
	r := s.records
	sh := r.shard(key)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	e, ok := sh.m[key]
	if !ok {
		return nil
	}
	if e.expires <= r.now() {
		r.removeLocked(sh, key, e)
		return nil
	}
	if slices.Contains(e.users, user) {
		return nil
	}
	// entry.users is never changed in place: Load and UserRecords copy
	// entries out of the map and read them after the lock is released.
	e.users = append(slices.Clip(e.users), user)
	sh.m[key] = e
	r.index.add(user, key)
	return nil
}

// Untie removes key from user's index. The record, if any, is left alone.
// A key not in user's index is not an error.
func (s *Store) Untie(ctx context.Context, user, key string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("memstore: untie %q: %w", key, err)
	}
	r := s.records
	sh := r.shard(key)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	e, ok := sh.m[key]
	if !ok || !slices.Contains(e.users, user) {
		return nil
	}
	e.users = slices.DeleteFunc(slices.Clone(e.users), func(u string) bool { return u == user })
	if len(e.users) == 0 {
		e.users = nil
	}
	sh.m[key] = e
	r.index.remove(key, user)
	return nil
}

// UserRecords returns a copy of each live record tied to user, with its
// key and its expiry, in no particular order. It visits the keys of that
// user only, locking each key's shard in turn. An expired record found on
// the way is removed, with its index entries.
func (s *Store) UserRecords(ctx context.Context, user string) ([]sessions.UserRecord, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("memstore: user records: %w", err)
	}
	r := s.records
	keys := r.index.keys(user)
	if len(keys) == 0 {
		return nil, nil
	}
	out := make([]sessions.UserRecord, 0, len(keys))
	now := r.now()
	for _, k := range keys {
		sh := r.shard(k)
		sh.mu.RLock()
		e, ok := sh.m[k]
		sh.mu.RUnlock()
		switch {
		case !ok || !slices.Contains(e.users, user):
			// Deleted or untied since the keys were copied.
		case e.expires <= now:
			r.deleteIfExpired(sh, k, now)
		default:
			out = append(out, sessions.UserRecord{
				Key:     k,
				Record:  sessions.Record{Data: clone(e.data)},
				Expires: r.epoch.Add(time.Duration(e.expires)),
			})
		}
	}
	return out, nil
}

// removeLocked deletes key's entry e from sh, and its index entries. The
// caller holds sh.mu for writing.
func (r *records) removeLocked(sh *shard, key string, e entry) {
	delete(sh.m, key)
	r.bound.removed()
	r.index.remove(key, e.users...)
	sh.shrinkIfSparse()
}
