package sessions

import (
	"net/http"
	"strings"
	"testing"

	"github.com/serversession/serversession/internal/signing"
)

// A cookie whose ID cannot be one this configuration makes (another
// length) is no cookie: a fresh session, no store call with its key, never
// an error. A memcached key over 250 bytes gave a 500 on every page.
func TestImpossibleIDIsNoCookie(t *testing.T) {
	for _, signed := range []bool{false, true} {
		h := newHarness(t, withLoadTouch, func(cfg *Config) {
			if signed {
				cfg.SecretKey = testKey
			}
		})
		for _, id := range []string{newID(24), newID(33), strings.Repeat("a", 242), newID(64)} {
			value := id
			if signed {
				value = h.m.signer.Sign(id)
			}
			h.store.order = nil
			resp := h.serve(read("x"), &http.Cookie{Name: DefaultCookieName, Value: value})
			if resp.Code != http.StatusOK || len(h.store.order) != 0 {
				t.Errorf("signed=%v, a %d-character ID: status %d, store calls %q; want 200 and none", signed, len(id), resp.Code, h.store.order)
			}
		}
	}
}

// Of many cookies with the session's name, only the first few are
// candidates (each costs an HMAC per key): a valid one after them is not
// looked for.
func TestFewCookieCandidates(t *testing.T) {
	h := newHarness(t, withLoadTouch, func(cfg *Config) { cfg.SecretKey = testKey })
	c := h.login(map[string]any{"n": 1})
	forger := signing.New([][]byte{[]byte("another-key-0123456789")}, false)
	for _, tc := range []struct {
		before int
		found  bool
	}{{0, true}, {maxCookieCandidates - 1, true}, {maxCookieCandidates, false}, {1000, false}} {
		req, _ := http.NewRequest(http.MethodGet, "/", nil)
		var b strings.Builder
		for range tc.before {
			b.WriteString("session=" + forger.Sign(newID(32)) + "; ")
		}
		b.WriteString("session=" + c.Value)
		req.Header.Set("Cookie", b.String())
		id, _, had := h.m.readCookie(req)
		if found := id != ""; found != tc.found || !had {
			t.Errorf("the session cookie after %d others: found %v (had %v), want %v", tc.before, found, had, tc.found)
		}
	}
}
