package storetest_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/serversession/serversession/backends/memstore"
	"github.com/serversession/serversession/backends/storetest"
	"github.com/serversession/serversession/sessions"
)

// plainStore hides memstore's LoadTouch and UserIndex.
type plainStore struct{ s *memstore.Store }

func (p plainStore) Load(ctx context.Context, k string) (sessions.Record, bool, error) {
	return p.s.Load(ctx, k)
}
func (p plainStore) Create(ctx context.Context, k string, d []byte, ttl time.Duration) error {
	return p.s.Create(ctx, k, d, ttl)
}
func (p plainStore) Replace(ctx context.Context, k string, old sessions.Record, d []byte, ttl time.Duration) error {
	return p.s.Replace(ctx, k, old, d, ttl)
}
func (p plainStore) DeleteIf(ctx context.Context, k string, old sessions.Record) error {
	return p.s.DeleteIf(ctx, k, old)
}
func (p plainStore) Delete(ctx context.Context, k string) error { return p.s.Delete(ctx, k) }

// fakeIndex is a UserIndex that remembers the last call it got.
type fakeIndex struct{ last *string }

func (f fakeIndex) Tie(context.Context, string, string, time.Duration) error {
	*f.last = "Tie"
	return nil
}
func (f fakeIndex) Untie(context.Context, string, string) error {
	*f.last = "Untie"
	return nil
}
func (f fakeIndex) UserRecords(context.Context, string) ([]sessions.UserRecord, error) {
	*f.last = "UserRecords"
	return []sessions.UserRecord{{Key: "k"}}, nil
}

// handleIndex is a fakeIndex that gives handles (sessions.KeyHandler).
type handleIndex struct{ fakeIndex }

func (handleIndex) KeyHandle(key string) string { return "handle of " + key + "." }

// The stores below add a UserIndex to the others.
type (
	indexedPlain struct {
		plainStore
		fakeIndex
	}
	indexedLoadTouch struct {
		loadTouchOnly
		fakeIndex
	}
	handledPlain struct {
		plainStore
		handleIndex
	}
	handledLoadTouch struct {
		loadTouchOnly
		handleIndex
	}
)

// loadTouchOnly has LoadTouch but no UserIndex.
type loadTouchOnly struct {
	plainStore
	lt sessions.LoadToucher
}

func (s loadTouchOnly) LoadTouch(ctx context.Context, k string, ttl time.Duration) (sessions.Record, bool, error) {
	return s.lt.LoadTouch(ctx, k, ttl)
}

func TestCount(t *testing.T) {
	ms := memstore.New()
	t.Cleanup(func() { _ = ms.Close() })
	ctx := context.Background()

	c, s := storetest.Count(ms)
	if _, ok := s.(sessions.LoadToucher); !ok {
		t.Fatal("the wrapper of a LoadToucher is not one")
	}
	must := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s through the wrapper: %v", what, err)
		}
	}
	must("Create", s.Create(ctx, "k", []byte("v"), time.Hour))
	rec, found, err := s.Load(ctx, "k")
	if err != nil || !found || string(rec.Data) != "v" {
		t.Fatalf("Load through the wrapper = (%q, %v, %v); want (\"v\", true, nil)", rec.Data, found, err)
	}
	must("Replace", s.Replace(ctx, "k", rec, []byte("w"), time.Hour))
	rec, found, err = s.(sessions.LoadToucher).LoadTouch(ctx, "k", time.Hour)
	if err != nil || !found || string(rec.Data) != "w" {
		t.Fatalf("LoadTouch through the wrapper = (%q, %v, %v); want (\"w\", true, nil)", rec.Data, found, err)
	}
	// A conflict passes through unchanged, and counts too.
	if err := s.Create(ctx, "k", []byte("x"), time.Hour); !errors.Is(err, sessions.ErrConflict) {
		t.Fatalf("Create over a live record through the wrapper returned %v; want the store's ErrConflict", err)
	}
	if err := s.DeleteIf(ctx, "k", sessions.Record{Data: []byte("v")}); !errors.Is(err, sessions.ErrConflict) {
		t.Fatalf("DeleteIf over stale bytes through the wrapper returned %v; want the store's ErrConflict", err)
	}
	must("DeleteIf", s.DeleteIf(ctx, "k", rec))
	if _, found, err := s.Load(ctx, "k"); err != nil || found {
		t.Fatalf("Load through the wrapper after DeleteIf = (found %v, err %v); want (false, nil)", found, err)
	}
	must("Delete", s.Delete(ctx, "k"))
	if n := c.Calls(); n != 9 {
		t.Errorf("Calls() = %d after Create, Load, Replace, LoadTouch, Create, DeleteIf, DeleteIf, Load and Delete; want 9", n)
	}
	c.Reset()
	if n := c.Calls(); n != 0 {
		t.Errorf("Calls() = %d after Reset; want 0", n)
	}

	var last string
	ix := fakeIndex{&last}
	for _, w := range []struct {
		name                   string
		store                  sessions.Store
		ltouch, index, handles bool
	}{
		{"plain", plainStore{ms}, false, false, false},
		{"load-touch only", loadTouchOnly{plainStore{ms}, ms}, true, false, false},
		{"plain indexed", indexedPlain{plainStore{ms}, ix}, false, true, false},
		{"load-touch indexed", indexedLoadTouch{loadTouchOnly{plainStore{ms}, ms}, ix}, true, true, false},
		{"plain indexed with handles", handledPlain{plainStore{ms}, handleIndex{ix}}, false, true, true},
		{"load-touch indexed with handles", handledLoadTouch{loadTouchOnly{plainStore{ms}, ms}, handleIndex{ix}}, true, true, true},
	} {
		c, wrapped := storetest.Count(w.store)
		if _, ok := wrapped.(sessions.LoadToucher); ok != w.ltouch {
			t.Errorf("the wrapper of a %s store implements LoadToucher: %v; want %v", w.name, ok, w.ltouch)
		}
		kh, ok := wrapped.(sessions.KeyHandler)
		if ok != w.handles {
			t.Errorf("the wrapper of a %s store implements KeyHandler: %v; want %v", w.name, ok, w.handles)
		}
		if ok {
			if h := kh.KeyHandle("k"); h != "handle of k." {
				t.Errorf("KeyHandle(\"k\") through the wrapper of a %s store = %q; want the store's handle", w.name, h)
			}
			if n := c.Calls(); n != 0 {
				t.Errorf("Calls() = %d after KeyHandle through the wrapper of a %s store; want 0: it makes no round trip", n, w.name)
			}
		}
		wix, ok := wrapped.(sessions.UserIndex)
		if ok != w.index {
			t.Errorf("the wrapper of a %s store implements UserIndex: %v; want %v", w.name, ok, w.index)
		}
		if !ok || !w.index {
			continue
		}
		for _, call := range []struct {
			name string
			do   func() error
		}{
			{"Tie", func() error { return wix.Tie(ctx, "u", "k", time.Hour) }},
			{"Untie", func() error { return wix.Untie(ctx, "u", "k") }},
			{"UserRecords", func() error {
				recs, err := wix.UserRecords(ctx, "u")
				if err == nil && (len(recs) != 1 || recs[0].Key != "k") {
					t.Errorf("UserRecords through the wrapper of a %s store = %v; want the store's records", w.name, recs)
				}
				return err
			}},
		} {
			last = ""
			must(call.name, call.do())
			if last != call.name {
				t.Errorf("%s through the wrapper of a %s store reached %q; want %s", call.name, w.name, last, call.name)
			}
		}
		if n := c.Calls(); n != 3 {
			t.Errorf("Calls() = %d after Tie, Untie and UserRecords through the wrapper of a %s store; want 3", n, w.name)
		}
	}
}
