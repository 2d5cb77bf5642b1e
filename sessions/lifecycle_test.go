package sessions

import (
	"bytes"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

// These tests drive the lifecycle as an adapter does (Begin, Commit before
// the headers, Run's finish after the handler, or its abandon on panic) and check what a
// user sees: Set-Cookie parsed by net/http, Vary, the stored bytes and the
// store's round trips. Each test's comment states the rule it covers.

// A request that never touches the session costs zero store
// round trips, sets no cookie and adds no Vary.
func TestUntouchedSessionCostsNothing(t *testing.T) {
	h := newHarness(t, withLoadTouch, nil)
	cookie := h.login(map[string]any{"user_id": 1})
	for _, c := range []*http.Cookie{nil, cookie, {Name: "session", Value: "garbage"}} {
		resp := h.serve(func(w http.ResponseWriter, _ *http.Request, _ *Session) {
			w.Write([]byte("hello"))
		}, c)
		if n := h.store.total(); n != 0 {
			t.Errorf("cookie %v: %d store calls (%v), want 0", c, n, h.store.order)
		}
		if got := resp.Header().Values("Set-Cookie"); len(got) != 0 {
			t.Errorf("cookie %v: Set-Cookie %q, want none", c, got)
		}
		if got := resp.Header().Values("Vary"); len(got) != 0 {
			t.Errorf("cookie %v: Vary %q, want none", c, got)
		}
		if resp.Body.String() != "hello" {
			t.Errorf("body %q", resp.Body.String())
		}
	}
}

// A session that was accessed adds Vary: Cookie, once, even if the handler
// already varies on something else or on Cookie.
func TestAccessedAddsVaryCookie(t *testing.T) {
	h := newHarness(t, nil, nil)
	for _, tc := range []struct {
		name   string
		preset []string
		want   []string
	}{
		{"none", nil, []string{"Cookie"}},
		{"other", []string{"Accept-Encoding"}, []string{"Accept-Encoding", "Cookie"}},
		{"already", []string{"Accept-Encoding, cookie"}, []string{"Accept-Encoding, cookie"}},
		{"star", []string{"*"}, []string{"*"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp := h.serve(func(w http.ResponseWriter, _ *http.Request, s *Session) {
				for _, v := range tc.preset {
					w.Header().Add("Vary", v)
				}
				s.Has("x")
				w.Write([]byte("ok"))
			})
			if got := resp.Header().Values("Vary"); !slices.Equal(got, tc.want) {
				t.Errorf("Vary = %q, want %q", got, tc.want)
			}
		})
	}
}

// An empty session that was never stored stores nothing and sets no cookie,
// even when the handler read it, asked its ID, or set and removed a value.
func TestEmptyNewSessionStoresNothing(t *testing.T) {
	h := newHarness(t, withLoadTouch, nil)
	handlers := map[string]func(http.ResponseWriter, *http.Request, *Session){
		"read": func(_ http.ResponseWriter, _ *http.Request, s *Session) {
			s.Get("a")
			s.Keys()
			s.Len()
			s.IsNew()
			s.Permanent()
		},
		"id":         func(_ http.ResponseWriter, _ *http.Request, s *Session) { s.ID() },
		"set-delete": func(_ http.ResponseWriter, _ *http.Request, s *Session) { s.Set("a", 1); s.Delete("a") },
		"set-pop":    func(_ http.ResponseWriter, _ *http.Request, s *Session) { s.Set("a", 1); s.Pop("a") },
		"set-clear":  func(_ http.ResponseWriter, _ *http.Request, s *Session) { s.Set("a", 1); s.Clear() },
		"destroy":    func(_ http.ResponseWriter, _ *http.Request, s *Session) { s.Destroy() },
		"flashes":    func(_ http.ResponseWriter, _ *http.Request, s *Session) { s.AddFlash("x"); s.Flashes() },
		"regenerate": func(_ http.ResponseWriter, _ *http.Request, s *Session) { s.Regenerate(); s.Clear() },
	}
	for name, handler := range handlers {
		t.Run(name, func(t *testing.T) {
			h.store.resetCounts()
			resp := h.serve(handler)
			if n := h.store.total(); n != 0 {
				t.Errorf("%d store calls %v, want 0", n, h.store.order)
			}
			if got := resp.Header().Values("Set-Cookie"); len(got) != 0 {
				t.Errorf("Set-Cookie %q, want none", got)
			}
			if !varies(resp.Header()) {
				t.Errorf("no Vary: Cookie on an accessed session")
			}
		})
	}
}

// A modified session saves its whole record with TTL = Lifetime and sets a
// permanent cookie with Expires and Max-Age, HttpOnly and SameSite=Lax by
// default.
func TestModifiedSessionIsSavedWithPermanentCookie(t *testing.T) {
	h := newHarness(t, withLoadTouch, nil)
	resp := h.serve(func(_ http.ResponseWriter, _ *http.Request, s *Session) {
		if !s.IsNew() {
			t.Error("IsNew = false for a request without a cookie")
		}
		s.Set("user_id", 42)
	})
	c := resp.sessionCookie()
	if c == nil {
		t.Fatalf("no session cookie; headers %v", resp.Header())
	}
	if !validID(c.Value) || len(c.Value) != 43 {
		t.Errorf("cookie value %q is not a 43-char ID", c.Value)
	}
	if c.Path != "/" || c.Domain != "" || !c.HttpOnly || c.Secure || c.SameSite != http.SameSiteLaxMode || c.Partitioned {
		t.Errorf("cookie attributes %+v, want Path=/ HttpOnly SameSite=Lax, no Domain/Secure/Partitioned", c)
	}
	if c.MaxAge != int(DefaultLifetime/time.Second) {
		t.Errorf("Max-Age = %d, want %d", c.MaxAge, int(DefaultLifetime/time.Second))
	}
	if want := h.now.Add(DefaultLifetime); !c.Expires.Equal(want) {
		t.Errorf("Expires = %v, want %v", c.Expires, want)
	}
	if n, want := h.store.count("save"), 1; n != want || h.store.total() != 1 {
		t.Errorf("store calls %v, want one save", h.store.order)
	}
	key := DefaultKeyPrefix + c.Value
	if ttl := h.store.ttl[key]; ttl != DefaultLifetime {
		t.Errorf("stored TTL %v, want %v", ttl, DefaultLifetime)
	}
	rec := h.record(c.Value)
	if len(rec) != 2 || rec["user_id"] != int64(42) || rec["_permanent"] != true {
		t.Errorf("stored record %#v, want user_id 42 and _permanent true", rec)
	}
	if got := resp.session.ID(); got != c.Value {
		t.Errorf("ID() = %q, cookie %q", got, c.Value)
	}
	if !varies(resp.Header()) {
		t.Error("no Vary: Cookie")
	}

	// The next request, past the RefreshInterval, reads it back, no longer
	// new, and refreshes it.
	h.now = h.now.Add(2 * time.Minute)
	resp = h.serve(func(_ http.ResponseWriter, _ *http.Request, s *Session) {
		if s.IsNew() {
			t.Error("IsNew = true for a stored session")
		}
		if v, ok := Value[int](s, "user_id"); !ok || v != 42 {
			t.Errorf("user_id = %v, %v", v, ok)
		}
		if !s.Permanent() {
			t.Error("Permanent = false")
		}
	}, &http.Cookie{Name: "session", Value: c.Value})
	if c2 := resp.sessionCookie(); c2 == nil || c2.Value != c.Value {
		t.Errorf("refreshed cookie %v, want the same ID", c2)
	}
}

// A non-permanent session's cookie has neither Expires nor
// Max-Age, but its record still expires after Lifetime.
func TestNonPermanentCookieHasNoExpiry(t *testing.T) {
	cases := []struct {
		name string
		cfg  func(*Config)
		set  func(*Session)
		perm bool
	}{
		{"config", func(c *Config) { c.Transient = true }, func(*Session) {}, false},
		{"SetPermanent(false)", nil, func(s *Session) { s.SetPermanent(false) }, false},
		{"SetPermanent(true)", func(c *Config) { c.Transient = true }, func(s *Session) { s.SetPermanent(true) }, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, nil, func(c *Config) {
				c.Lifetime = 2 * time.Hour
				if tc.cfg != nil {
					tc.cfg(c)
				}
			})
			resp := h.serve(func(_ http.ResponseWriter, _ *http.Request, s *Session) {
				s.Set("a", "b")
				tc.set(s)
			})
			c := resp.sessionCookie()
			if c == nil {
				t.Fatal("no cookie")
			}
			hasExpiry := c.MaxAge != 0 || !c.Expires.IsZero()
			if hasExpiry != tc.perm {
				t.Errorf("cookie Max-Age=%d Expires=%v; want expiry %v (raw %q)", c.MaxAge, c.Expires, tc.perm, c.Raw)
			}
			if ttl := h.store.ttl[DefaultKeyPrefix+c.Value]; ttl != 2*time.Hour {
				t.Errorf("stored TTL %v, want 2h", ttl)
			}
			if _, ok := h.record(c.Value)["_permanent"]; ok != tc.perm {
				t.Errorf("record has _permanent: %v, want %v", ok, tc.perm)
			}

			// Reading it back, when due a refresh, keeps it as it was and
			// re-sends no cookie unless permanent.
			h.now = h.now.Add(2 * time.Minute)
			resp = h.serve(func(_ http.ResponseWriter, _ *http.Request, s *Session) {
				if s.Permanent() != tc.perm {
					t.Errorf("Permanent() = %v after reload", !tc.perm)
				}
			}, &http.Cookie{Name: "session", Value: c.Value})
			if got := resp.sessionCookie() != nil; got != tc.perm {
				t.Errorf("cookie re-sent on read: %v, want %v", got, tc.perm)
			}
		})
	}
}

// Every cookie attribute reaches Set-Cookie, parsed by net/http.
func TestCookieAttributes(t *testing.T) {
	h := newHarness(t, nil, func(c *Config) {
		c.Cookie.Name = "sid"
		c.Cookie.Domain = "example.com"
		c.Cookie.Path = "/app"
		c.Cookie.Secure = true
		c.Cookie.SameSite = http.SameSiteNoneMode
		c.Cookie.Partitioned = true
		c.Cookie.NoHTTPOnly = true
	})
	resp := h.serve(func(_ http.ResponseWriter, _ *http.Request, s *Session) { s.Set("a", 1) })
	c := resp.cookie("sid")
	if c == nil {
		t.Fatalf("no sid cookie: %v", resp.Header())
	}
	if c.Domain != "example.com" || c.Path != "/app" || !c.Secure || c.SameSite != http.SameSiteNoneMode || !c.Partitioned || c.HttpOnly {
		t.Errorf("cookie %q parsed as %+v", c.Raw, c)
	}
	if resp.sessionCookie() != nil {
		t.Error("a cookie named session was set too")
	}

	h = newHarness(t, nil, func(c *Config) { c.Cookie.SameSite = http.SameSiteStrictMode })
	resp = h.serve(func(_ http.ResponseWriter, _ *http.Request, s *Session) { s.Set("a", 1) })
	if c := resp.sessionCookie(); c == nil || c.SameSite != http.SameSiteStrictMode {
		t.Errorf("SameSite Strict cookie: %v", c)
	}
}

// A permanent session that was accessed but not modified, with refresh on,
// has its TTL extended without rewriting the data, and its cookie is re-sent.
// With a LoadToucher that is one store round trip in all, the budget for a
// read; without one the very bytes loaded are written back.
func TestRefreshTouchesWithoutRewrite(t *testing.T) {
	cases := []struct {
		name  string
		wrap  func(*testStore) Store
		calls map[string]int
	}{
		{"LoadToucher", withLoadTouch, map[string]int{"loadtouch": 1}},
		{"fallback", nil, map[string]int{"load": 1, "save": 1}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, tc.wrap, func(c *Config) { c.Lifetime = time.Hour })
			cookie := h.login(map[string]any{"user_id": 7, "cart": map[string]any{"apples": 2}})
			key := DefaultKeyPrefix + cookie.Value
			before, _ := h.store.get(key)
			h.store.ttl[key] = time.Minute // as if time had passed

			h.now = h.now.Add(10 * time.Minute)
			resp := h.serve(func(_ http.ResponseWriter, _ *http.Request, s *Session) {
				if v, _ := Value[int](s, "user_id"); v != 7 {
					t.Errorf("user_id = %v", v)
				}
				s.Get("cart")
			}, cookie)

			if !mapsEqual(h.store.calls, tc.calls) {
				t.Errorf("store calls %v, want %v", h.store.calls, tc.calls)
			}
			after, _ := h.store.get(key)
			if !bytes.Equal(before, after) {
				t.Errorf("record rewritten:\n%q\n%q", before, after)
			}
			if ttl := h.store.ttl[key]; ttl != time.Hour {
				t.Errorf("TTL after refresh %v, want 1h", ttl)
			}
			c := resp.sessionCookie()
			if c == nil || c.Value != cookie.Value {
				t.Fatalf("refreshed cookie %v, want value %q", c, cookie.Value)
			}
			if c.MaxAge != 3600 || !c.Expires.Equal(h.now.Add(time.Hour)) {
				t.Errorf("refreshed cookie Max-Age=%d Expires=%v", c.MaxAge, c.Expires)
			}
		})
	}
}

// As in Flask's should_set_cookie, a non-permanent session read and not
// modified gets no cookie; its record's TTL is still extended so that
// a session in use does not expire under the browser.
func TestRefreshTransient(t *testing.T) {
	h := newHarness(t, withLoadTouch, func(c *Config) { c.Transient = true })
	cookie := h.login(map[string]any{"a": 1})
	h.now = h.now.Add(2 * time.Minute) // past the RefreshInterval
	resp := h.serve(read("a"), cookie)
	if c := resp.sessionCookie(); c != nil {
		t.Errorf("cookie %q re-sent for a non-permanent session", c.Raw)
	}
	if !mapsEqual(h.store.calls, map[string]int{"loadtouch": 1}) {
		t.Errorf("store calls %v, want one loadtouch", h.store.order)
	}
}

// A negative RefreshInterval (Flask's SESSION_REFRESH_EACH_REQUEST =
// False): no touch, no cookie; a LoadToucher is not used to load.
func TestNeverRefreshed(t *testing.T) {
	for _, wrap := range []func(*testStore) Store{nil, withLoadTouch} {
		h := newHarness(t, wrap, func(c *Config) { c.RefreshInterval = -1 })
		cookie := h.login(map[string]any{"a": 1})
		h.now = h.now.Add(time.Hour)
		resp := h.serve(read("a"), cookie)
		if !mapsEqual(h.store.calls, map[string]int{"load": 1}) {
			t.Errorf("store calls %v, want one load", h.store.order)
		}
		if got := resp.Header().Values("Set-Cookie"); len(got) != 0 {
			t.Errorf("Set-Cookie %q", got)
		}
		if !varies(resp.Header()) {
			t.Error("no Vary")
		}
		// A modified session is still saved with its cookie.
		h.store.resetCounts()
		resp = h.serve(func(_ http.ResponseWriter, _ *http.Request, s *Session) { s.Set("a", 2) }, cookie)
		if h.store.count("save") != 1 || resp.sessionCookie() == nil {
			t.Errorf("modified session: calls %v, cookie %v", h.store.order, resp.sessionCookie())
		}
	}
}

// Changes inside nested values are saved without MarkModified;
// an untouched nested value causes no rewrite.
func TestNestedChangeDetection(t *testing.T) {
	for _, codec := range []Codec{Msgpack, JSON} {
		h := newHarness(t, withLoadTouch, func(c *Config) { c.Codec = codec })
		cookie := h.login(map[string]any{
			"cart": map[string]any{"apples": 1},
			"tags": []any{"a", "b"},
		})
		id := cookie.Value

		// Read, not changed, within the RefreshInterval: one plain load,
		// nothing written.
		h.serve(func(_ http.ResponseWriter, _ *http.Request, s *Session) {
			s.Get("cart")
			s.Get("tags")
		}, cookie)
		if !mapsEqual(h.store.calls, map[string]int{"load": 1}) {
			t.Errorf("%T unchanged: store calls %v, want one load", codec, h.store.order)
		}

		// A map mutated in place.
		h.store.resetCounts()
		h.serve(func(_ http.ResponseWriter, _ *http.Request, s *Session) {
			cart, _ := Value[map[string]any](s, "cart")
			cart["pears"] = 3
		}, cookie)
		if h.store.count("save") != 1 {
			t.Errorf("%T map mutated: store calls %v, want load and save", codec, h.store.order)
		}
		if cart, _ := h.record(id)["cart"].(map[string]any); len(cart) != 2 {
			t.Errorf("%T saved cart %v, want apples and pears", codec, h.record(id)["cart"])
		}

		// A slice element replaced in place.
		h.store.resetCounts()
		h.serve(func(_ http.ResponseWriter, _ *http.Request, s *Session) {
			tags, _ := s.Get("tags")
			tags.([]any)[0] = "z"
		}, cookie)
		if h.store.count("save") != 1 {
			t.Errorf("%T slice mutated: store calls %v, want a save", codec, h.store.order)
		}
		if tags := h.record(id)["tags"].([]any); tags[0] != "z" {
			t.Errorf("%T saved tags %v", codec, tags)
		}
	}
}

// A missing or expired record starts an empty session under a
// NEW ID; the client's ID is never adopted, signed or not.
func TestMissingRecordGetsNewID(t *testing.T) {
	for _, key := range [][]byte{nil, testKey} {
		h := newHarness(t, withLoadTouch, func(c *Config) { c.SecretKey = key })
		planted := newID(32)
		value := planted
		if h.m.signer != nil {
			value = h.m.signer.Sign(planted)
		}
		cookie := &http.Cookie{Name: "session", Value: value}

		// Read only: one lookup, nothing stored, no cookie.
		resp := h.serve(func(_ http.ResponseWriter, _ *http.Request, s *Session) {
			if !s.IsNew() {
				t.Error("IsNew = false for a missing record")
			}
			if s.ID() == planted {
				t.Error("ID() adopted the client's ID")
			}
		}, cookie)
		if h.store.total() != 1 || resp.sessionCookie() != nil {
			t.Errorf("read of a missing record: calls %v, cookie %v", h.store.order, resp.sessionCookie())
		}

		// Written: saved under a new ID, never under the planted one.
		resp = h.serve(func(_ http.ResponseWriter, _ *http.Request, s *Session) { s.Set("user", "eve") }, cookie)
		c := resp.sessionCookie()
		if c == nil {
			t.Fatal("no cookie")
		}
		if id := h.idOf(c); id == planted || strings.Contains(c.Value, planted) {
			t.Errorf("saved under the client's ID %q", planted)
		}
		for _, k := range h.store.keys() {
			if strings.Contains(k, planted) {
				t.Errorf("store key %q holds the client's ID", k)
			}
		}
	}
}

// A forged, malformed or oversized cookie means a new session,
// never an error, and is not looked up.
func TestBadCookiesAreNotLoaded(t *testing.T) {
	h := newHarness(t, nil, func(c *Config) { c.SecretKey = testKey })
	good := h.login(map[string]any{"a": 1})
	id := h.idOf(good)
	other, _ := New(Config{Store: newTestStore(), SecretKey: []byte("another-key-0123456789")})
	bad := []string{
		id, // unsigned
		id + ".",
		id + "." + strings.Repeat("A", 43),
		other.signer.Sign(id), // signed by another key
		good.Value[:len(good.Value)-1] + "x",
		"../../etc/passwd",
		strings.Repeat("a", 5000),
		"%00%00",
	}
	for _, v := range bad {
		h.store.resetCounts()
		resp := h.serve(func(w http.ResponseWriter, _ *http.Request, s *Session) {
			if _, ok := s.Get("a"); ok {
				t.Errorf("cookie %.60q loaded the session", v)
			}
			w.Write([]byte("ok"))
		}, &http.Cookie{Name: "session", Value: v})
		if resp.Code != http.StatusOK || h.store.total() != 0 {
			t.Errorf("cookie %.60q: status %d, store calls %v", v, resp.Code, h.store.order)
		}
	}
}

// Regenerate gives a new ID, keeps the data, and deletes the
// old record after the new one is saved; the old ID no longer loads.
func TestRegenerate(t *testing.T) {
	h := newHarness(t, withLoadTouch, func(c *Config) { c.SecretKey = testKey })
	cookie := h.login(map[string]any{"cart": "apples"})
	oldID := h.idOf(cookie)
	var during string
	resp := h.serve(func(_ http.ResponseWriter, _ *http.Request, s *Session) {
		s.Get("cart")
		s.Regenerate()
		s.Set("user_id", 1)
		during = s.ID()
	}, cookie)
	c := resp.sessionCookie()
	if c == nil {
		t.Fatal("no cookie")
	}
	newID := h.idOf(c)
	if newID == oldID || during != newID {
		t.Fatalf("new ID %q, old %q, ID() during the request %q", newID, oldID, during)
	}
	want := []string{"load session:" + oldID, "save session:" + newID, "deleteif session:" + oldID}
	if !slices.Equal(h.store.order, want) {
		t.Errorf("store calls %q, want %q", h.store.order, want)
	}
	if rec := h.record(newID); rec["cart"] != "apples" || rec["user_id"] != int64(1) {
		t.Errorf("new record %v", rec)
	}
	if _, ok := h.store.get("session:" + oldID); ok {
		t.Error("old record still stored")
	}
	h.serve(func(_ http.ResponseWriter, _ *http.Request, s *Session) {
		if !s.IsNew() || s.Len() != 0 {
			t.Error("the old cookie still loads a session")
		}
	}, cookie)
}

// Destroy and Clear delete the record and expire the cookie with the same
// Name, Domain, Path, Secure, SameSite and Partitioned.
func TestDestroyAndClear(t *testing.T) {
	for _, end := range []string{"Destroy", "Clear"} {
		t.Run(end, func(t *testing.T) {
			h := newHarness(t, withLoadTouch, func(c *Config) {
				c.Cookie.Name = "sid"
				c.Cookie.Domain = "example.com"
				c.Cookie.Path = "/app"
				c.Cookie.Secure = true
				c.Cookie.SameSite = http.SameSiteNoneMode
				c.Cookie.Partitioned = true
			})
			resp := h.serve(func(_ http.ResponseWriter, _ *http.Request, s *Session) {
				s.Set("a", 1)
			})
			set := resp.cookie("sid")
			cookie := &http.Cookie{Name: "sid", Value: set.Value}
			h.store.resetCounts()

			resp = h.serve(func(_ http.ResponseWriter, _ *http.Request, s *Session) {
				switch end {
				case "Destroy":
					s.Destroy()
				case "Clear":
					s.Clear()
				}
			}, cookie)
			if _, ok := h.store.get("session:" + cookie.Value); ok {
				t.Error("record still stored")
			}
			if h.store.count("save") != 0 || h.store.count("delete") != 1 {
				t.Errorf("store calls %v, want one delete", h.store.order)
			}
			c := resp.cookie("sid")
			if c == nil {
				t.Fatalf("no expiring cookie: %v", resp.Header())
			}
			if c.Value != "" || c.MaxAge >= 0 || !c.Expires.Before(h.now) {
				t.Errorf("cookie %q does not expire", c.Raw)
			}
			if c.Domain != set.Domain || c.Path != set.Path || c.Secure != set.Secure || c.SameSite != set.SameSite ||
				c.Partitioned != set.Partitioned || c.HttpOnly != set.HttpOnly {
				t.Errorf("expiring cookie %q has other attributes than %q", c.Raw, set.Raw)
			}
		})
	}
}

// A session emptied key by key (Delete, Pop, Flashes) is deleted and its
// cookie expired, as Flask does, by a conditional delete of the record it
// loaded.
func TestEmptiedKeyByKey(t *testing.T) {
	for _, end := range []string{"Delete", "Pop", "Flashes"} {
		t.Run(end, func(t *testing.T) {
			h := newHarness(t, withLoadTouch, nil)
			set := h.serve(func(_ http.ResponseWriter, _ *http.Request, s *Session) {
				if end == "Flashes" {
					s.AddFlash("hi")
				} else {
					s.Set("a", 1)
				}
			}).sessionCookie()
			cookie := &http.Cookie{Name: set.Name, Value: set.Value}
			h.store.resetCounts()
			resp := h.serve(func(_ http.ResponseWriter, _ *http.Request, s *Session) {
				switch end {
				case "Delete":
					s.Delete("a")
				case "Pop":
					s.Pop("a")
				case "Flashes":
					s.Flashes()
				}
			}, cookie)
			if h.store.count("deleteif") != 1 || h.store.count("save") != 0 || h.store.count("delete") != 0 {
				t.Errorf("store calls %v, want load and one conditional delete", h.store.order)
			}
			if _, ok := h.store.get(DefaultKeyPrefix + cookie.Value); ok {
				t.Error("record still stored")
			}
			if c := resp.sessionCookie(); c == nil || !c.Expires.Before(h.now) {
				t.Errorf("cookie %v, want it expired", c)
			}
		})
	}
}

// A session emptied while another request added a key is not deleted: the
// conditional delete fails, and the merge keeps the other request's key.
func TestEmptiedWhileAnotherRequestAdds(t *testing.T) {
	h := newHarness(t, withLoadTouch, nil)
	cookie := h.login(map[string]any{"token": "once"})
	a := h.inFlight(cookie, func(s *Session) { s.Pop("token") })
	h.serve(func(_ http.ResponseWriter, _ *http.Request, s *Session) { s.Set("b", 2) }, cookie)
	resp := a.wait()
	rec := h.record(cookie.Value)
	if _, ok := rec["token"]; ok || rec["b"] == nil {
		t.Errorf("record %v, want b and no token", rec)
	}
	if c := resp.sessionCookie(); c == nil || c.Value != cookie.Value || c.MaxAge <= 0 {
		t.Errorf("cookie %v, want the session's cookie kept", c)
	}
}

// Values set after Destroy start a new session under a new ID; the old
// record is deleted.
func TestDestroyThenSet(t *testing.T) {
	h := newHarness(t, nil, nil)
	cookie := h.login(map[string]any{"user": "ann"})
	resp := h.serve(func(_ http.ResponseWriter, _ *http.Request, s *Session) {
		s.Destroy()
		if s.Len() != 0 {
			t.Error("data left after Destroy")
		}
		s.AddFlash("logged out")
	}, cookie)
	c := resp.sessionCookie()
	if c == nil || c.Value == cookie.Value {
		t.Fatalf("cookie %v, want a new ID", c)
	}
	if _, ok := h.store.get("session:" + cookie.Value); ok {
		t.Error("old record still stored")
	}
	if rec := h.record(c.Value); rec["user"] != nil || rec["_flashes"] == nil {
		t.Errorf("new record %v", rec)
	}
}

// Changes made after the headers went out are saved when the
// handler returns.
func TestChangesAfterCommitSavedByFinish(t *testing.T) {
	h := newHarness(t, withLoadTouch, nil)
	cookie := h.login(map[string]any{"n": 1})
	h.now = h.now.Add(2 * time.Minute) // past the RefreshInterval
	resp := h.serve(func(w http.ResponseWriter, _ *http.Request, s *Session) {
		s.Get("n")
		w.Write([]byte("body"))
		s.Set("n", 2)
		s.Set("late", true)
	}, cookie)
	if rec := h.record(cookie.Value); rec["n"] != int64(2) || rec["late"] != true {
		t.Errorf("record %v, want the late changes", rec)
	}
	if errs := h.errs.list(); len(errs) != 0 {
		t.Errorf("ErrorHandler got %v", errs)
	}
	if resp.Code != http.StatusOK || resp.Body.String() != "body" {
		t.Errorf("response %d %q", resp.Code, resp.Body)
	}
	// The cookie went out before the change, as a refresh.
	if c := resp.sessionCookie(); c == nil || c.Value != cookie.Value {
		t.Errorf("cookie %v", c)
	}

	// Also for a session first accessed after the headers.
	h.serve(func(w http.ResponseWriter, _ *http.Request, s *Session) {
		w.Write([]byte("body"))
		s.Set("n", 3)
	}, cookie)
	if rec := h.record(cookie.Value); rec["n"] != int64(3) {
		t.Errorf("record %v, want n=3", rec)
	}
}

// A brand-new session that first gets data after the headers
// went out cannot set its cookie: the ErrorHandler hears ErrHeadersSent, and
// nothing is stored.
func TestNewSessionDataAfterHeaders(t *testing.T) {
	for _, regenerate := range []bool{false, true} {
		h := newHarness(t, nil, nil)
		var cookie *http.Cookie
		if regenerate {
			cookie = h.login(map[string]any{"a": 1})
		}
		resp := h.serve(func(w http.ResponseWriter, _ *http.Request, s *Session) {
			w.Write([]byte("body"))
			if regenerate {
				s.Regenerate()
			}
			s.Set("b", 2)
		}, cookie)
		if errs := h.errs.list(); len(errs) != 1 || !errorsIs(errs, ErrHeadersSent) {
			t.Errorf("regenerate=%v: ErrorHandler got %v, want ErrHeadersSent", regenerate, errs)
		}
		if h.store.count("save") != 0 {
			t.Errorf("regenerate=%v: store calls %v, want no save", regenerate, h.store.order)
		}
		if resp.Code != http.StatusOK || resp.Body.String() != "body" {
			t.Errorf("response %d %q", resp.Code, resp.Body)
		}
		if !strings.Contains(h.log.String(), ErrHeadersSent.Error()) {
			t.Errorf("not logged: %s", h.log)
		}
	}
}

// A session destroyed after the headers went out (a
// logout that streams its page) loses its record even if values were set
// afterwards, which cannot be saved without a cookie.
func TestDestroyAfterHeaders(t *testing.T) {
	h := newHarness(t, nil, nil)
	cookie := h.login(map[string]any{"user": "ann"})
	h.serve(func(w http.ResponseWriter, _ *http.Request, s *Session) {
		w.Write([]byte("bye"))
		s.Destroy()
		s.AddFlash("logged out")
	}, cookie)
	if _, ok := h.store.get("session:" + cookie.Value); ok {
		t.Error("the destroyed session's record is still stored")
	}
	if errs := h.errs.list(); !errorsIs(errs, ErrHeadersSent) {
		t.Errorf("ErrorHandler got %v, want ErrHeadersSent", errs)
	}
}

// A handler that panics saves nothing and sets no cookie.
func TestAbandonSavesNothing(t *testing.T) {
	h := newHarness(t, nil, nil)
	cookie := h.login(map[string]any{"a": 1})
	for _, c := range []*http.Cookie{nil, cookie} {
		h.store.resetCounts()
		resp := h.serve(func(_ http.ResponseWriter, _ *http.Request, s *Session) {
			s.Set("a", 2)
			s.Regenerate()
			panic("boom")
		}, c)
		if n := h.store.count("save") + h.store.count("delete"); n != 0 {
			t.Errorf("store calls %v after a panic", h.store.order)
		}
		if got := resp.Header().Values("Set-Cookie"); len(got) != 0 {
			t.Errorf("Set-Cookie %q after a panic", got)
		}
	}
	if rec := h.record(cookie.Value); rec["a"] != int64(1) {
		t.Errorf("record %v changed", rec)
	}
}

// Commit runs once: a second Commit (an adapter hooking several writes)
// neither saves again nor adds headers.
func TestCommitOnce(t *testing.T) {
	h := newHarness(t, nil, nil)
	req, _ := http.NewRequest(http.MethodGet, "/", nil)
	resp := h.serveRequest(req, func(w http.ResponseWriter, _ *http.Request, s *Session) {
		s.Set("a", 1)
		w.Write([]byte("x"))
		if !s.h.Commit() || !s.h.Commit() {
			t.Error("Commit reported a replaced response")
		}
	})
	if h.store.count("save") != 1 || len(resp.Header().Values("Set-Cookie")) != 1 || len(resp.Header().Values("Vary")) != 1 {
		t.Errorf("store calls %v, headers %v", h.store.order, resp.Header())
	}
}

func mapsEqual(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// A session emptied before the headers (its cookie expired)
// that gets data again after them cannot be saved under the expired
// cookie's ID, where nothing would ever load it: the ErrorHandler hears
// ErrHeadersSent.
func TestClearedThenRefilledAfterHeaders(t *testing.T) {
	h := newHarness(t, nil, nil)
	cookie := h.login(map[string]any{"a": 1})
	resp := h.serve(func(w http.ResponseWriter, _ *http.Request, s *Session) {
		s.Clear()
		w.Write([]byte("cleared"))
		s.Set("b", 2)
	}, cookie)
	if c := resp.sessionCookie(); c == nil || c.MaxAge >= 0 {
		t.Fatalf("cookie %v, want it expired", c)
	}
	if keys := h.store.keys(); len(keys) != 0 {
		t.Errorf("store holds %v, unreachable with the cookie expired (calls %v)", keys, h.store.order)
	}
	if errs := h.errs.list(); len(errs) != 1 || !errorsIs(errs, ErrHeadersSent) {
		t.Errorf("ErrorHandler got %v, want ErrHeadersSent", errs)
	}
}

// A request that never uses its session costs one allocation
// (the Session) and does not even parse the cookie header.
func TestUntouchedSessionAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are not meaningful under -race")
	}
	h := newHarness(t, withLoadTouch, func(c *Config) { c.SecretKey = testKey })
	r, _ := http.NewRequest(http.MethodGet, "/", nil)
	r.AddCookie(&http.Cookie{Name: "session", Value: h.m.signer.Sign(newID(32))})
	r.AddCookie(&http.Cookie{Name: "other", Value: "x"})
	w := newRecorder()
	n := testing.AllocsPerRun(100, func() {
		s := h.m.Begin(w, r).Session()
		s.h.Commit()
		s.h.finish()
	})
	if n != 1 {
		t.Errorf("an untouched session allocates %v times, want 1", n)
	}
}
