package adaptertest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/serversession/serversession/backends/memstore"
	"github.com/serversession/serversession/sessions"
)

// storeKind says which of the store's optional interfaces the suite's store
// offers the lifecycle.
type storeKind int

const (
	loadToucher storeKind = iota // every method, Touch and LoadTouch too: Redis, memstore
	toucher                      // the Store methods and Touch
	plain                        // the Store methods only
	indexed                      // every method, and the UserIndex
)

// errInjected is what a failing store returns.
var errInjected = errors.New("adaptertest: injected store failure")

// calls counts the store operations of the lifecycle.
type calls struct {
	Load, LoadTouch, Touch, Save, Delete int
	Index                                int // Tie, Untie and UserRecords
}

// total is the number of store round trips.
func (c calls) total() int { return c.Load + c.LoadTouch + c.Touch + c.Save + c.Delete + c.Index }

func (c calls) String() string {
	return fmt.Sprintf("{Load:%d LoadTouch:%d Touch:%d Save:%d Delete:%d Index:%d}", c.Load, c.LoadTouch, c.Touch, c.Save, c.Delete, c.Index)
}

// store is a real store (memstore) that counts the lifecycle's calls and
// fails on demand. The suite reads and writes its records directly, without
// counting, to check what a request left behind.
type store struct {
	inner *memstore.Store

	mu sync.Mutex
	n  calls

	failLoad, failSave, failDelete atomic.Bool

	// stall, when armed, holds up the next Create or Replace: the call
	// fails at its context's deadline, as a store client gives up, while
	// the write goes on and lands in the store once landed is closed, as a
	// write held up in the network would. Its outcome goes to late.
	stall struct {
		armed           atomic.Bool
		stalled, landed chan struct{}
		late            chan error
	}
}

func newStore(t *testing.T) *store {
	s := &store{inner: memstore.New()}
	t.Cleanup(func() {
		if err := s.inner.Close(); err != nil {
			t.Errorf("memstore Close: %v", err)
		}
	})
	return s
}

// as returns s with the optional interfaces of kind and no others.
func (s *store) as(kind storeKind) sessions.Store {
	switch kind {
	case toucher:
		return toucherStore{plainStore{s}}
	case plain:
		return plainStore{s}
	case indexed:
		return indexedStore{loadToucherStore{toucherStore{plainStore{s}}}}
	}
	return loadToucherStore{toucherStore{plainStore{s}}}
}

// calls returns the counts since the last reset.
func (s *store) calls() calls {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.n
}

// reset zeroes the counts.
func (s *store) reset() {
	s.mu.Lock()
	s.n = calls{}
	s.mu.Unlock()
}

func (s *store) count(f func(*calls)) {
	s.mu.Lock()
	f(&s.n)
	s.mu.Unlock()
}

// record returns the record under key, uncounted.
func (s *store) record(t *testing.T, key string) ([]byte, bool) {
	t.Helper()
	rec, found, err := s.inner.Load(context.Background(), key)
	if err != nil {
		t.Fatalf("reading record %q: %v", key, err)
	}
	return rec.Data, found
}

// put stores a record directly, uncounted, replacing any.
func (s *store) put(t *testing.T, key string, data []byte, ttl time.Duration) {
	t.Helper()
	ctx := context.Background()
	if err := s.inner.Delete(ctx, key); err != nil {
		t.Fatalf("writing record %q: %v", key, err)
	}
	if err := s.inner.Create(ctx, key, data, ttl); err != nil {
		t.Fatalf("writing record %q: %v", key, err)
	}
}

func (s *store) load(ctx context.Context, key string) (sessions.Record, bool, error) {
	s.count(func(c *calls) { c.Load++ })
	if s.failLoad.Load() {
		return sessions.Record{}, false, errInjected
	}
	return s.inner.Load(ctx, key)
}

// armStall makes the next write stall (see store.stall).
func (s *store) armStall() {
	s.stall.stalled, s.stall.landed = make(chan struct{}), make(chan struct{})
	s.stall.late = make(chan error, 1)
	s.stall.armed.Store(true)
}

// save counts a Create or Replace and runs it, stalled if armed.
func (s *store) save(ctx context.Context, write func(context.Context) error) error {
	s.count(func(c *calls) { c.Save++ })
	if s.failSave.Load() {
		return errInjected
	}
	if !s.stall.armed.CompareAndSwap(true, false) {
		return write(ctx)
	}
	close(s.stall.stalled)
	<-ctx.Done()
	go func() {
		<-s.stall.landed
		s.stall.late <- write(context.Background())
	}()
	return ctx.Err()
}

func (s *store) create(ctx context.Context, key string, data []byte, ttl time.Duration) error {
	return s.save(ctx, func(ctx context.Context) error { return s.inner.Create(ctx, key, data, ttl) })
}

func (s *store) replace(ctx context.Context, key string, old sessions.Record, data []byte, ttl time.Duration) error {
	return s.save(ctx, func(ctx context.Context) error { return s.inner.Replace(ctx, key, old, data, ttl) })
}

func (s *store) deleteIf(ctx context.Context, key string, old sessions.Record) error {
	s.count(func(c *calls) { c.Delete++ })
	if s.failDelete.Load() {
		return errInjected
	}
	return s.inner.DeleteIf(ctx, key, old)
}

func (s *store) delete(ctx context.Context, key string) error {
	s.count(func(c *calls) { c.Delete++ })
	if s.failDelete.Load() {
		return errInjected
	}
	return s.inner.Delete(ctx, key)
}

func (s *store) touch(ctx context.Context, key string, ttl time.Duration) error {
	s.count(func(c *calls) { c.Touch++ })
	if s.failSave.Load() {
		return errInjected
	}
	return s.inner.Touch(ctx, key, ttl)
}

func (s *store) loadTouch(ctx context.Context, key string, ttl time.Duration) (sessions.Record, bool, error) {
	s.count(func(c *calls) { c.LoadTouch++ })
	if s.failLoad.Load() {
		return sessions.Record{}, false, errInjected
	}
	return s.inner.LoadTouch(ctx, key, ttl)
}

// plainStore offers Load, Create, Replace and Delete.
type plainStore struct{ s *store }

func (p plainStore) Load(ctx context.Context, key string) (sessions.Record, bool, error) {
	return p.s.load(ctx, key)
}

func (p plainStore) Create(ctx context.Context, key string, data []byte, ttl time.Duration) error {
	return p.s.create(ctx, key, data, ttl)
}

func (p plainStore) Replace(ctx context.Context, key string, old sessions.Record, data []byte, ttl time.Duration) error {
	return p.s.replace(ctx, key, old, data, ttl)
}

func (p plainStore) DeleteIf(ctx context.Context, key string, old sessions.Record) error {
	return p.s.deleteIf(ctx, key, old)
}

func (p plainStore) Delete(ctx context.Context, key string) error { return p.s.delete(ctx, key) }

// toucherStore adds Touch.
type toucherStore struct{ plainStore }

func (p toucherStore) Touch(ctx context.Context, key string, ttl time.Duration) error {
	return p.s.touch(ctx, key, ttl)
}

// loadToucherStore adds Touch and LoadTouch.
type loadToucherStore struct{ toucherStore }

func (p loadToucherStore) LoadTouch(ctx context.Context, key string, ttl time.Duration) (sessions.Record, bool, error) {
	return p.s.loadTouch(ctx, key, ttl)
}

// indexedStore adds the UserIndex.
type indexedStore struct{ loadToucherStore }

func (p indexedStore) Tie(ctx context.Context, user, key string, ttl time.Duration) error {
	p.s.count(func(c *calls) { c.Index++ })
	return p.s.inner.Tie(ctx, user, key, ttl)
}

func (p indexedStore) Untie(ctx context.Context, user, key string) error {
	p.s.count(func(c *calls) { c.Index++ })
	return p.s.inner.Untie(ctx, user, key)
}

func (p indexedStore) UserRecords(ctx context.Context, user string) ([]sessions.UserRecord, error) {
	p.s.count(func(c *calls) { c.Index++ })
	return p.s.inner.UserRecords(ctx, user)
}

var (
	_ sessions.UserIndex   = indexedStore{}
	_ sessions.LoadToucher = loadToucherStore{}
)
