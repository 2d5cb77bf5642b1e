package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"strings"
	"sync"
	"time"

	"github.com/serversession/serversession/sessions"
)

// refStore is a small, obviously correct store that the suite's own tests
// run against. Its fault field breaks it on purpose in one way, to check
// that the suite notices. A fault starting with "versioned" makes it hand
// out version tokens, as memcached's CAS values are, and compare them in
// Replace when the caller's Record has one.
//
// It is a sessions.UserIndex too: each user's index maps keys to the
// record they were tied to, named by the record's birth (handed out by
// Create, kept by Replace and LoadTouch), so that a tie ends with its record
// even when another is created under the same key. Tie, Untie and
// UserRecords prune the user's entries whose record is gone.
type refStore struct {
	mu        sync.Mutex
	records   map[string]refRecord
	index     map[string]map[string]refTie // user -> key -> tie
	fault     string
	versioned bool
	version   uint64 // the last version handed out
	births    uint64 // the last birth handed out
}

type refRecord struct {
	data    []byte
	expires time.Time
	version uint64
	born    uint64 // which record this is, for the ties: Create hands it out
	deleted bool   // a tombstone, kept only by the soft-delete faults
}

// refTie is an entry of a user's index.
type refTie struct {
	born    uint64    // the birth of the record tied
	expires time.Time // when the ttl given to Tie ends, for the faults that go by it
}

var errDown = errors.New("refstore: server is gone")

func newRefStore(fault string) *refStore {
	return &refStore{
		records:   map[string]refRecord{},
		index:     map[string]map[string]refTie{},
		fault:     fault,
		versioned: strings.HasPrefix(fault, "versioned"),
	}
}

func (s *refStore) check(ctx context.Context) error {
	switch s.fault {
	case "down", "down-not-found", "down-conflict", "index-down-empty":
		return errDown
	case "ignore-ctx":
		return nil
	}
	return ctx.Err()
}

func (s *refStore) key(k string) string {
	if s.fault == "case-insensitive-keys" {
		return strings.ToLower(k)
	}
	return k
}

// live returns the record under key if it is live. The caller holds s.mu.
func (s *refStore) live(key string) (refRecord, bool) {
	r, ok := s.records[s.key(key)]
	if !ok || r.deleted || (s.fault != "no-expiry" && !time.Now().Before(r.expires)) {
		return refRecord{}, false
	}
	return r, true
}

// record returns the Record that Load hands out for r.
func (s *refStore) record(r refRecord) sessions.Record {
	rec := sessions.Record{Data: bytes.Clone(r.data)}
	if rec.Data == nil {
		rec.Data = []byte{}
	}
	if s.fault == "alias-load" {
		rec.Data = r.data
	}
	if s.versioned {
		rec.Version = r.version
	}
	return rec
}

func (s *refStore) Load(ctx context.Context, key string) (sessions.Record, bool, error) {
	if s.fault == "down-not-found" {
		return sessions.Record{}, false, nil
	}
	if err := s.check(ctx); err != nil {
		return sessions.Record{}, false, fmt.Errorf("refstore: load %q: %w", key, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.live(key)
	if !ok {
		return sessions.Record{}, false, nil
	}
	return s.record(r), true, nil
}

// write stores data under key, as the record born then. The caller holds
// s.mu.
func (s *refStore) write(key string, data []byte, ttl time.Duration, born uint64) {
	switch s.fault {
	case "nul-truncate":
		if i := bytes.IndexByte(data, 0); i >= 0 {
			data = data[:i]
		}
	case "relative-ttl-only":
		if ttl > 30*24*time.Hour {
			ttl = 0
		}
	}
	s.version++
	r := refRecord{expires: time.Now().Add(ttl), version: s.version, born: born}
	switch old, ok := s.records[s.key(key)]; {
	case s.fault == "alias-write":
		r.data = data
	case s.fault == "write-in-place" && ok && len(old.data) >= len(data):
		copy(old.data, data) // and leaves the old tail in place
		r.data = old.data
	default:
		r.data = bytes.Clone(data)
	}
	s.records[s.key(key)] = r
}

// tooLarge is the error of the small-values fault.
func (s *refStore) tooLarge(op, key string, data []byte) error {
	if s.fault == "small-values" && len(data) > 64<<10 {
		return fmt.Errorf("refstore: %s %q: value too large", op, key)
	}
	return nil
}

// conflict is the error of a failed condition.
func (s *refStore) conflict(op, key string) error {
	if s.fault == "conflict-unwrapped" {
		return fmt.Errorf("refstore: %s %q: the record changed", op, key)
	}
	return fmt.Errorf("refstore: %s %q: %w", op, key, sessions.ErrConflict)
}

// racyPause is where the racy faults let go of the lock between the check
// and the write.
func (s *refStore) racyPause() {
	s.mu.Unlock()
	time.Sleep(time.Millisecond)
	s.mu.Lock()
}

func (s *refStore) Create(ctx context.Context, key string, data []byte, ttl time.Duration) error {
	if s.fault == "down-conflict" {
		return s.conflict("create", key)
	}
	if err := s.check(ctx); err != nil {
		return fmt.Errorf("refstore: create %q: %w", key, err)
	}
	if err := s.tooLarge("create", key, data); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	_, isLive := s.live(key)
	if s.fault == "create-over-expired-conflicts" {
		r, ok := s.records[s.key(key)]
		isLive = ok && !r.deleted
	}
	if isLive && s.fault != "create-overwrites" {
		return s.conflict("create", key)
	}
	if s.fault == "racy-create" {
		s.racyPause()
	}
	s.births++
	s.write(key, data, ttl, s.births)
	return nil
}

// matches reports whether the record r is still what old names.
func (s *refStore) matches(r refRecord, old sessions.Record) bool {
	switch {
	case s.fault == "replace-ignores-old":
		return true
	case s.fault == "replace-compares-length":
		return len(r.data) == len(old.Data)
	case s.fault == "replace-compares-64k":
		return bytes.Equal(r.data[:min(len(r.data), 64<<10)], old.Data[:min(len(old.Data), 64<<10)])
	case s.versioned && (old.Version != 0 || s.fault == "versioned-zero-version-conflicts"):
		return r.version == old.Version
	}
	return bytes.Equal(r.data, old.Data)
}

func (s *refStore) Replace(ctx context.Context, key string, old sessions.Record, data []byte, ttl time.Duration) error {
	if s.fault == "down-conflict" {
		return s.conflict("replace", key)
	}
	if err := s.check(ctx); err != nil {
		return fmt.Errorf("refstore: replace %q: %w", key, err)
	}
	if err := s.tooLarge("replace", key, data); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r, isLive := s.live(key)
	switch s.fault {
	case "replace-over-expired":
		r, isLive = s.records[s.key(key)]
		isLive = isLive && !r.deleted
	case "soft-delete-replace":
		r, isLive = s.records[s.key(key)]
	}
	switch {
	case !isLive && s.fault == "replace-recreates":
	case !isLive || !s.matches(r, old):
		return s.conflict("replace", key)
	}
	if s.fault == "racy-replace" {
		s.racyPause()
	}
	if s.fault == "replace-keeps-ttl" && isLive {
		ttl = time.Until(r.expires)
	}
	s.write(key, data, ttl, r.born)
	return nil
}

func (s *refStore) DeleteIf(ctx context.Context, key string, old sessions.Record) error {
	if s.fault == "down-conflict" {
		return s.conflict("delete-if", key)
	}
	if err := s.check(ctx); err != nil {
		return fmt.Errorf("refstore: delete-if %q: %w", key, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r, isLive := s.live(key)
	switch s.fault {
	case "deleteif-over-expired":
		r, isLive = s.records[s.key(key)]
		isLive = isLive && !r.deleted
	case "soft-delete-deleteif":
		r, isLive = s.records[s.key(key)]
	}
	switch {
	case !isLive && s.fault == "deleteif-ok-when-gone":
		return nil
	case !isLive:
		return s.deleteIfConflict(key)
	case s.fault == "deleteif-ignores-old":
	case !s.matches(r, old) && s.fault == "deleteif-ok-on-mismatch":
		return nil
	case !s.matches(r, old):
		return s.deleteIfConflict(key)
	}
	if s.fault == "racy-deleteif" {
		s.racyPause()
	}
	s.remove(key)
	return nil
}

// deleteIfConflict is the error of a failed DeleteIf.
func (s *refStore) deleteIfConflict(key string) error {
	if s.fault == "deleteif-conflict-unwrapped" {
		return fmt.Errorf("refstore: delete-if %q: the record changed", key)
	}
	return s.conflict("delete-if", key)
}

func (s *refStore) Delete(ctx context.Context, key string) error {
	if err := s.check(ctx); err != nil {
		return fmt.Errorf("refstore: delete %q: %w", key, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.remove(key)
	return nil
}

// remove deletes the record under key, leaving a tombstone for the faults
// that keep one. The caller holds s.mu.
func (s *refStore) remove(key string) {
	if strings.HasPrefix(s.fault, "soft-delete") || s.fault == "index-lists-deleted" {
		if r, ok := s.records[s.key(key)]; ok {
			r.deleted = true
			s.records[s.key(key)] = r
		}
		return
	}
	delete(s.records, s.key(key))
}

// touch extends the record under key and reports whether it is live. The
// caller holds s.mu.
func (s *refStore) touch(key string, ttl time.Duration) (refRecord, bool) {
	if s.fault == "loadtouch-resurrects" {
		r := s.records[s.key(key)]
		r.expires = time.Now().Add(ttl)
		s.records[s.key(key)] = r
		return r, true
	}
	if r, ok := s.records[s.key(key)]; ok && r.deleted && s.fault == "soft-delete-loadtouch" {
		r.deleted = false
		s.records[s.key(key)] = r
	}
	r, ok := s.live(key)
	if !ok || s.fault == "loadtouch-noop" {
		return r, ok
	}
	r.expires = time.Now().Add(ttl)
	if s.fault == "versioned-loadtouch-new-version" {
		s.version++
		r.version = s.version
	}
	s.records[s.key(key)] = r
	return r, true
}

func (s *refStore) LoadTouch(ctx context.Context, key string, ttl time.Duration) (sessions.Record, bool, error) {
	if s.fault == "down-not-found" {
		return sessions.Record{}, false, nil
	}
	if err := s.check(ctx); err != nil {
		return sessions.Record{}, false, fmt.Errorf("refstore: load-touch %q: %w", key, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.touch(key, ttl)
	if !ok {
		return sessions.Record{}, false, nil
	}
	rec := s.record(r)
	if s.fault == "versioned-loadtouch-bad-version" {
		rec.Version++
	}
	return rec, true, nil
}

// tied returns the record that the entry tie of key stands for, and
// whether it is still there: live, and the very record that was tied. The
// caller holds s.mu.
func (s *refStore) tied(key string, tie refTie) (refRecord, bool) {
	r, ok := s.records[s.key(key)]
	switch s.fault {
	case "index-lists-deleted":
		ok = ok && time.Now().Before(r.expires)
	case "index-lists-expired":
		ok = ok && !r.deleted
	case "index-prune-by-tie-ttl":
		r, ok = s.live(key)
		ok = ok && time.Now().Before(tie.expires)
	default:
		r, ok = s.live(key)
	}
	if !ok || r.born != tie.born {
		return refRecord{}, false
	}
	return r, true
}

// prune drops the entries of user's index whose record is gone. The caller
// holds s.mu.
func (s *refStore) prune(user string) {
	if s.fault == "index-never-prunes" {
		return
	}
	for key, tie := range s.index[user] {
		if _, ok := s.tied(key, tie); !ok {
			delete(s.index[user], key)
		}
	}
	if len(s.index[user]) == 0 {
		delete(s.index, user)
	}
}

// ties returns user's index for a change, which the caller stores back
// with s.index[user] = …. The caller holds s.mu; the index-racy fault lets
// go of it in between, losing the changes of concurrent calls.
func (s *refStore) ties(user string) map[string]refTie {
	m := s.index[user]
	if s.fault == "index-racy" {
		m = maps.Clone(m)
		s.racyPause()
	}
	if m == nil {
		m = map[string]refTie{}
	}
	return m
}

func (s *refStore) Tie(ctx context.Context, user, key string, ttl time.Duration) error {
	if err := s.check(ctx); err != nil {
		return fmt.Errorf("refstore: tie %q to %q: %w", key, user, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.prune(user)
	r, ok := s.live(key)
	if !ok {
		return nil // nothing to tie: the record is gone already
	}
	m := s.ties(user)
	m[key] = refTie{born: r.born, expires: time.Now().Add(ttl)}
	s.index[user] = m
	return nil
}

func (s *refStore) Untie(ctx context.Context, user, key string) error {
	if err := s.check(ctx); err != nil {
		return fmt.Errorf("refstore: untie %q from %q: %w", key, user, err)
	}
	if s.fault == "index-untie-noop" {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.ties(user)
	delete(m, key)
	s.index[user] = m
	s.prune(user)
	return nil
}

func (s *refStore) UserRecords(ctx context.Context, user string) ([]sessions.UserRecord, error) {
	if s.fault == "index-down-empty" {
		return nil, nil
	}
	if err := s.check(ctx); err != nil {
		return nil, fmt.Errorf("refstore: user records of %q: %w", user, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	users := []string{user}
	if s.fault == "index-shared-prefix" {
		users = nil
		for u := range s.index {
			if strings.HasPrefix(u, user) {
				users = append(users, u)
			}
		}
	}
	var out []sessions.UserRecord
	for _, u := range users {
		for key, tie := range s.index[u] {
			r, ok := s.tied(key, tie)
			if !ok {
				continue
			}
			ur := sessions.UserRecord{Key: key, Record: s.record(r), Expires: r.expires}
			switch s.fault {
			case "index-alias":
				ur.Record.Data = r.data
			case "index-expires-from-tie":
				ur.Expires = tie.expires
			}
			out = append(out, ur)
		}
	}
	s.prune(user)
	return out, nil
}

// indexEntries is the number of entries in user's index, the reference
// store's Harness.IndexEntries.
func (s *refStore) indexEntries(user string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.index[user])
}
