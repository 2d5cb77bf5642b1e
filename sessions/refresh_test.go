package sessions

import (
	"net/http"
	"testing"
	"time"
)

// A read within the RefreshInterval since the last refresh or write is a
// plain Load that writes nothing and sends no cookie; the first read after
// it refreshes (one LoadTouch, or the Replace fallback) and re-sends the
// cookie, which starts the interval again.
func TestRefreshInterval(t *testing.T) {
	for _, tc := range []struct {
		name string
		wrap func(*testStore) Store
		due  map[string]int
	}{
		{"LoadToucher", withLoadTouch, map[string]int{"loadtouch": 1}},
		{"PlainStore", nil, map[string]int{"load": 1, "save": 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, tc.wrap, nil)
			cookie := h.login(map[string]any{"a": 1})
			key := DefaultKeyPrefix + cookie.Value
			for _, step := range []struct {
				after time.Duration
				calls map[string]int
				sent  bool
			}{
				{0, map[string]int{"load": 1}, false},
				{59 * time.Second, map[string]int{"load": 1}, false},
				{2 * time.Second, tc.due, true}, // 61s after the login's write
				{30 * time.Second, map[string]int{"load": 1}, false},
				{31 * time.Second, tc.due, true},
			} {
				h.now = h.now.Add(step.after)
				h.store.resetCounts()
				h.store.ttl[key] = time.Hour // so that a refresh shows
				resp := h.serve(read("a"), cookie)
				if !mapsEqual(h.store.calls, step.calls) {
					t.Errorf("+%v: store calls %v, want %v", step.after, h.store.order, step.calls)
				}
				if c := resp.sessionCookie(); (c != nil) != step.sent {
					t.Errorf("+%v: cookie %v, want one: %v", step.after, c, step.sent)
				}
				if refreshed := h.store.ttl[key] == DefaultLifetime; refreshed != step.sent {
					t.Errorf("+%v: TTL %v, refreshed: %v", step.after, h.store.ttl[key], step.sent)
				}
				if !varies(resp.Header()) {
					t.Errorf("+%v: no Vary", step.after)
				}
			}
		})
	}
}

// The interval is at most half the Lifetime, so that reads keep a session
// in use alive; zero means DefaultRefreshInterval.
func TestRefreshIntervalDefaults(t *testing.T) {
	for _, tc := range []struct{ lifetime, interval, want time.Duration }{
		{0, 0, DefaultRefreshInterval},
		{time.Hour, 10 * time.Minute, 10 * time.Minute},
		{time.Minute, 0, 30 * time.Second},
		{time.Hour, -1, -1},
	} {
		m, err := New(Config{Store: newTestStore(), Lifetime: tc.lifetime, RefreshInterval: tc.interval})
		if err != nil {
			t.Fatal(err)
		}
		if got := m.Config().RefreshInterval; got != tc.want {
			t.Errorf("Lifetime %v, RefreshInterval %v: got %v, want %v", tc.lifetime, tc.interval, got, tc.want)
		}
	}
}

// The login race across instances: a read-only request on instance A
// loaded the session before a login on instance B gave it a new ID; A's
// response, coming after B's, must not carry the old cookie, or the
// browser would drop the login's. Within the interval A sends no cookie at
// all; a read due a refresh of a record already gone sends none either.
func TestLoginRaceAcrossInstances(t *testing.T) {
	a := newHarness(t, withLoadTouch, nil)
	b := newHarnessOn(t, a.store, withLoadTouch, nil)
	cookie := a.login(map[string]any{"cart": "apples"})
	login := func() *http.Cookie {
		resp := b.serve(func(_ http.ResponseWriter, _ *http.Request, s *Session) {
			s.Regenerate()
			s.Set(DefaultUserKey, "ann")
		}, cookie)
		c := resp.sessionCookie()
		if c == nil || c.Value == cookie.Value {
			t.Fatalf("the login's cookie %v, want a new ID", c)
		}
		return c
	}

	read := a.inFlight(cookie, func(s *Session) { s.Get("cart") })
	login()
	if c := read.wait().sessionCookie(); c != nil {
		t.Errorf("the read within the interval sent cookie %q after the login", c.Raw)
	}

	// Past A's interval: the old record is gone, so A's read starts a new,
	// empty session, which stores nothing and sends no cookie.
	a.now = a.now.Add(2 * time.Minute)
	resp := a.serve(func(_ http.ResponseWriter, _ *http.Request, s *Session) { s.Get("cart") }, cookie)
	if c := resp.sessionCookie(); c != nil {
		t.Errorf("a due read of the ended session sent cookie %q", c.Raw)
	}
}

// A session this Manager ended is final here at once, even if the store
// still returns its record for a while (a client-side cache that has not
// had the invalidation yet): the next read starts a new session.
func TestEndedSessionIsNotLoadedFromAStaleCopy(t *testing.T) {
	h := newHarness(t, withLoadTouch, nil)
	cookie := h.login(map[string]any{"user": "ann"})
	key := DefaultKeyPrefix + cookie.Value
	data, _ := h.store.get(key)
	h.serve(func(_ http.ResponseWriter, _ *http.Request, s *Session) { s.Destroy() }, cookie)
	h.store.put(key, data) // the stale copy
	h.serve(func(_ http.ResponseWriter, _ *http.Request, s *Session) {
		if v, _ := s.Get("user"); v != nil || !s.IsNew() {
			t.Errorf("after the logout, user %v, IsNew %v; want a new, empty session", v, s.IsNew())
		}
	}, cookie)
}
