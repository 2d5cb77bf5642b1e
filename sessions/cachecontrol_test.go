package sessions

import (
	"net/http"
	"testing"
)

// A response that sets the session cookie is marked Cache-Control: private,
// unless the app set a Cache-Control of its own; one that sets no cookie
// is left alone.
func TestCookieResponsesArePrivate(t *testing.T) {
	h := newHarness(t, withLoadTouch, nil)
	resp := h.serve(func(_ http.ResponseWriter, _ *http.Request, s *Session) { s.Set("a", 1) })
	if got := resp.Header().Values("Cache-Control"); len(got) != 1 || got[0] != "private" {
		t.Errorf("a new session's response: Cache-Control %q, want private", got)
	}
	c := resp.sessionCookie()
	resp = h.serve(func(w http.ResponseWriter, _ *http.Request, s *Session) {
		w.Header().Set("Cache-Control", "no-store")
		s.Set("a", 2)
	}, &http.Cookie{Name: c.Name, Value: c.Value})
	if got := resp.Header().Values("Cache-Control"); len(got) != 1 || got[0] != "no-store" {
		t.Errorf("the app's Cache-Control became %q", got)
	}
	h2 := newHarness(t, withLoadTouch, func(cfg *Config) { cfg.RefreshInterval = -1 })
	c = h2.login(map[string]any{"a": 1})
	resp = h2.serve(read("a"), &http.Cookie{Name: c.Name, Value: c.Value})
	if resp.sessionCookie() != nil || resp.Header().Get("Cache-Control") != "" {
		t.Errorf("a read that sets no cookie: Set-Cookie %v, Cache-Control %q", resp.sessionCookie(), resp.Header().Get("Cache-Control"))
	}
}
