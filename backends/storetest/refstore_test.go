package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
)

// refStore is a small, obviously correct store that the suite's own tests
// run against. Its fault field breaks it on purpose in one way, to check
// that the suite notices.
type refStore struct {
	mu      sync.Mutex
	records map[string]refRecord
	fault   string
}

type refRecord struct {
	data    []byte
	expires time.Time
}

var errDown = errors.New("refstore: server is gone")

func newRefStore(fault string) *refStore {
	return &refStore{records: map[string]refRecord{}, fault: fault}
}

func (s *refStore) check(ctx context.Context) error {
	if s.fault == "down" || s.fault == "down-not-found" {
		return errDown
	}
	if s.fault == "ignore-ctx" {
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

func (s *refStore) Load(ctx context.Context, key string) ([]byte, bool, error) {
	if s.fault == "down-not-found" {
		return nil, false, nil
	}
	if err := s.check(ctx); err != nil {
		return nil, false, fmt.Errorf("refstore: load %q: %w", key, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.records[s.key(key)]
	if !ok || (s.fault != "no-expiry" && !time.Now().Before(r.expires)) {
		return nil, false, nil
	}
	if s.fault == "alias-load" {
		return r.data, true, nil
	}
	return bytes.Clone(r.data), true, nil
}

func (s *refStore) Save(ctx context.Context, key string, data []byte, ttl time.Duration) error {
	if err := s.check(ctx); err != nil {
		return fmt.Errorf("refstore: save %q: %w", key, err)
	}
	switch s.fault {
	case "nul-truncate":
		if i := bytes.IndexByte(data, 0); i >= 0 {
			data = data[:i]
		}
	case "small-values":
		if len(data) > 64<<10 {
			return fmt.Errorf("refstore: save %q: value too large", key)
		}
	case "relative-ttl-only":
		if ttl > 30*24*time.Hour {
			ttl = 0
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r := refRecord{expires: time.Now().Add(ttl)}
	switch old, ok := s.records[s.key(key)]; {
	case s.fault == "alias-save":
		r.data = data
	case s.fault == "write-in-place" && ok && len(old.data) >= len(data):
		copy(old.data, data)
		r.data = old.data
	default:
		r.data = bytes.Clone(data)
	}
	s.records[s.key(key)] = r
	return nil
}

func (s *refStore) Delete(ctx context.Context, key string) error {
	if err := s.check(ctx); err != nil {
		return fmt.Errorf("refstore: delete %q: %w", key, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.records, s.key(key))
	return nil
}

func (s *refStore) Touch(ctx context.Context, key string, ttl time.Duration) error {
	if err := s.check(ctx); err != nil {
		return fmt.Errorf("refstore: touch %q: %w", key, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.records[s.key(key)]
	if s.fault == "touch-resurrects" {
		s.records[s.key(key)] = refRecord{data: r.data, expires: time.Now().Add(ttl)}
		return nil
	}
	if !ok || !time.Now().Before(r.expires) || s.fault == "touch-noop" {
		return nil
	}
	r.expires = time.Now().Add(ttl)
	s.records[s.key(key)] = r
	return nil
}

func (s *refStore) LoadTouch(ctx context.Context, key string, ttl time.Duration) ([]byte, bool, error) {
	if s.fault == "down-not-found" {
		return nil, false, nil
	}
	if err := s.Touch(ctx, key, ttl); err != nil {
		return nil, false, err
	}
	return s.Load(ctx, key)
}
