package sessions

import (
	"context"
	"net/http"
	"slices"
	"testing"
	"time"
)

// A login that calls SetUser without Regenerate still gets a new ID: the
// cookie an attacker planted (one the server gave them) does not read the
// victim's session, and the login costs what Regenerate + SetUser costs.
func TestSetUserRegenerates(t *testing.T) {
	h := newHarness(t, withLoadTouch, nil)
	planted := h.login(map[string]any{"cart": "apples"})
	h.store.order = nil // within the RefreshInterval of that write, the load is a plain load
	resp := h.serve(func(_ http.ResponseWriter, _ *http.Request, s *Session) { s.SetUser("ann") }, planted)
	c := resp.sessionCookie()
	if c == nil || c.Value == planted.Value {
		t.Fatalf("login by SetUser alone kept the planted ID (cookie %v)", c)
	}
	key, old := DefaultKeyPrefix+h.idOf(c), DefaultKeyPrefix+planted.Value
	if want := []string{"load " + old, "save " + key, "deleteif " + old}; !slices.Equal(h.store.order, want) {
		t.Errorf("login store calls %q, want %q", h.store.order, want)
	}
	if rec := h.record(h.idOf(c)); rec[DefaultUserKey] != "ann" || rec["cart"] != "apples" {
		t.Errorf("record after login %v, want the user and the cart", rec)
	}
	if _, ok := h.store.get(old); ok {
		t.Error("the planted ID's record is still stored")
	}
	h.serve(func(_ http.ResponseWriter, _ *http.Request, s *Session) {
		if u := s.User(); u != "" {
			t.Errorf("the planted cookie reads user %q", u)
		}
	}, planted)

	// Regenerate + SetUser, in either order, is one new ID; so is setting
	// the user key directly, and a change to another user or to none.
	for name, login := range map[string]func(*Session){
		"Regenerate, SetUser": func(s *Session) { s.Regenerate(); s.SetUser("bob") },
		"SetUser, Regenerate": func(s *Session) { s.SetUser("bob"); s.Regenerate() },
		"Set(UserKey)":        func(s *Session) { s.Set(DefaultUserKey, "bob") },
		"SetUser twice":       func(s *Session) { s.SetUser("bob"); s.SetUser("carl") },
	} {
		c := h.login(map[string]any{"a": 1})
		h.store.order = nil
		nc := h.serve(func(_ http.ResponseWriter, _ *http.Request, s *Session) { login(s) }, c).sessionCookie()
		if nc == nil || nc.Value == c.Value || len(h.store.order) != 3 {
			t.Errorf("%s: cookie %v, store calls %q; want a new ID in 3 calls", name, nc, h.store.order)
		}
	}
	for name, change := range map[string]func(*Session){
		"SetUser(other)":  func(s *Session) { s.SetUser("bob") },
		"SetUser(\"\")":   func(s *Session) { s.SetUser("") },
		"Delete(UserKey)": func(s *Session) { s.Delete(DefaultUserKey) },
		"Pop(UserKey)":    func(s *Session) { s.Pop(DefaultUserKey) },
	} {
		c := h.login(map[string]any{DefaultUserKey: "ann", "a": 1})
		nc := h.serve(func(_ http.ResponseWriter, _ *http.Request, s *Session) { change(s) }, c).sessionCookie()
		if nc == nil || nc.Value == c.Value {
			t.Errorf("%s: a change of user kept the ID (cookie %v)", name, nc)
		}
	}
}

// Setting the same user again, or a user on a session that has no record
// yet, keeps the ID; SetUserKeepingID keeps it on a change of user.
func TestSetUserKeepsID(t *testing.T) {
	h := newHarness(t, withLoadTouch, nil)
	c := h.login(map[string]any{DefaultUserKey: "ann"})
	h.store.order = nil
	h.serve(func(_ http.ResponseWriter, _ *http.Request, s *Session) { s.SetUser("ann"); s.Set("n", 1) }, c)
	key := DefaultKeyPrefix + c.Value
	if want := []string{"load " + key, "save " + key}; !slices.Equal(h.store.order, want) {
		t.Errorf("SetUser of the same user: store calls %q, want %q", h.store.order, want)
	}
	h.store.order = nil
	resp := h.serve(func(_ http.ResponseWriter, _ *http.Request, s *Session) { s.SetUserKeepingID("bob") }, c)
	if nc := resp.sessionCookie(); nc != nil && nc.Value != c.Value {
		t.Errorf("SetUserKeepingID gave a new ID")
	}
	if want := []string{"load " + key, "save " + key}; !slices.Equal(h.store.order, want) {
		t.Errorf("SetUserKeepingID: store calls %q, want %q", h.store.order, want)
	}
	if rec := h.record(c.Value); rec[DefaultUserKey] != "bob" {
		t.Errorf("record %v, want user bob", rec)
	}
	h.store.order = nil
	nc := h.serve(func(_ http.ResponseWriter, _ *http.Request, s *Session) { s.SetUser("ann") }).sessionCookie()
	if nc == nil || len(h.store.order) != 1 {
		t.Errorf("a new session's login: cookie %v, store calls %q; want one create", nc, h.store.order)
	}
}

// hintStore notes the user hint of each Create and Replace.
type hintStore struct {
	Store
	hints []bool
}

func (s *hintStore) Create(ctx context.Context, key string, data []byte, ttl time.Duration) error {
	s.hints = append(s.hints, HasUserHint(ctx))
	return s.Store.Create(ctx, key, data, ttl)
}

func (s *hintStore) Replace(ctx context.Context, key string, old Record, data []byte, ttl time.Duration) error {
	s.hints = append(s.hints, HasUserHint(ctx))
	return s.Store.Replace(ctx, key, old, data, ttl)
}

// The writes of a session that names a user carry the user hint; others
// do not, and the hint reaches no other context.
func TestWritesCarryUserHint(t *testing.T) {
	var hs *hintStore
	h := newHarness(t, func(s *testStore) Store { hs = &hintStore{Store: s}; return hs }, nil)
	c := h.login(map[string]any{"a": 1})
	h.serve(func(_ http.ResponseWriter, _ *http.Request, s *Session) { s.SetUser("ann") }, c)
	if want := []bool{false, true}; !slices.Equal(hs.hints, want) {
		t.Errorf("hints of an anonymous Create and a login's Create = %v, want %v", hs.hints, want)
	}
	if HasUserHint(t.Context()) || !HasUserHint(WithUserHint(t.Context())) {
		t.Error("HasUserHint does not follow WithUserHint")
	}
}

// Clear of a logged-in session is a change of user too: values set
// afterwards go under a new ID, and without any the session ends as
// Clear ends one.
func TestClearOfUserRegenerates(t *testing.T) {
	h := newHarness(t, withLoadTouch, nil)
	c := h.login(map[string]any{DefaultUserKey: "ann", "a": 1})
	resp := h.serve(func(_ http.ResponseWriter, _ *http.Request, s *Session) { s.Clear(); s.Set("b", 2) }, c)
	nc := resp.sessionCookie()
	if nc == nil || nc.Value == c.Value {
		t.Fatalf("Clear of a logged-in session then Set kept the ID (cookie %v)", nc)
	}
	if keys := h.store.keys(); len(keys) != 1 || keys[0] != DefaultKeyPrefix+nc.Value {
		t.Errorf("store holds %v; want only the new ID", keys)
	}
	c = h.login(map[string]any{DefaultUserKey: "ann"})
	resp = h.serve(func(_ http.ResponseWriter, _ *http.Request, s *Session) { s.Clear() }, c)
	if nc := resp.sessionCookie(); nc == nil || nc.MaxAge >= 0 {
		t.Errorf("Clear of a logged-in session: cookie %v; want it expired", nc)
	}
	if _, ok := h.store.get(DefaultKeyPrefix + c.Value); ok {
		t.Error("the cleared session's record is still stored")
	}
}
