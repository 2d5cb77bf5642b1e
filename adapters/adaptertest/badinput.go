package adaptertest

import (
	"bytes"
	"net/http"
	"strings"
	"testing"

	"github.com/serversession/serversession/sessions"
)

// Bad cookies never crash, never reach the store, and never keep the ID the
// client sent.

// testBadCookies sends forged and malformed cookies next to a real session
// and checks that each gets a fresh session under a new ID, with no store
// lookup, while the real session's record stays as it was.
func testBadCookies(t *testing.T, h Harness) {
	for _, signed := range []bool{true, false} {
		var opts []option
		if !signed {
			opts = append(opts, unsigned)
		}
		e := start(t, h, Routes{"/set": setter("mine", "yes"), "/show": func(x Exchange) error {
			s := session(x)
			return write(x, "%s new=%t", dump(s), s.IsNew())
		}}, opts...)
		victim := e.client().get("/set").cookie
		victimID := e.idOf(victim.Value)
		record, _ := e.record(victim)
		other := e.idOf(e.client().get("/set").cookie.Value)

		cases := map[string]string{
			"garbage":       "%%%!!not-a-cookie!!%%%",
			"dot-dot-slash": "../../../../etc/passwd",
			"encoded-path":  "..%2F..%2Fetc%2Fpasswd",
			"encoded-nul":   victimID[:20] + "%00" + victimID[20:],
			"oversized":     strings.Repeat("A", 8<<10),
			"bad-base64":    victimID[:40] + "!@#",
			"empty-value":   "\"\"",
		}
		if signed {
			sig := victim.Value[len(victimID)+1:]
			flipped := []byte(victim.Value)
			flipped[len(flipped)-1] ^= 1
			cases["tampered-signature"] = string(flipped)
			cases["other-id-same-signature"] = other + "." + sig
			cases["unsigned-real-id"] = victimID
			cases["signature-bad-base64"] = victimID + "." + strings.Repeat("*", len(sig))
			cases["signature-truncated"] = victim.Value[:len(victim.Value)-4]
			cases["two-dots"] = victimID + ".." + sig
			cases["oversized-signed"] = strings.Repeat("A", 600) + "." + sig
		} else {
			cases["id-too-short"] = victimID[:10]
			cases["id-with-dot"] = victimID + ".x"
		}
		for name, value := range cases {
			e.store.reset()
			r := e.getWith("/show", value)
			if r.status != http.StatusOK || r.body != "(empty) new=true" {
				t.Errorf("signed=%t, %s cookie: GET /show = %d %q, want 200 and a fresh session", signed, name, r.status, r.body)
			}
			if n := e.store.calls(); n.Load+n.LoadTouch != 0 {
				t.Errorf("signed=%t, %s cookie reached the store: calls %v", signed, name, n)
			}
			r = e.getWith("/set", value)
			if r.cookie == nil {
				t.Errorf("signed=%t, %s cookie: writing set no cookie", signed, name)
				continue
			}
			if got := e.idOf(r.cookie.Value); got == victimID || got == other || strings.Contains(value, got) {
				t.Errorf("signed=%t, %s cookie: the new session reuses ID %q", signed, name, got)
			}
		}
		if after, _ := e.record(victim); !bytes.Equal(after, record) {
			t.Errorf("signed=%t: the bad cookies changed the real session's record", signed)
		}
	}
}

// testSigningFallbacks rotates the key: a cookie signed by a fallback key
// loads its session and is signed again with the current key; a server that
// dropped the old key rejects the old cookie.
func testSigningFallbacks(t *testing.T, h Harness) {
	oldKey := []byte("the-old-secret-key-32-bytes-long")
	newKey := []byte("the-new-secret-key-32-bytes-long")
	routes := Routes{"/set": setter("user", "alice"), "/show": show}
	before := start(t, h, routes, with(func(c *sessions.Config) { c.SecretKey = oldKey }))
	share := func(e *env) { e.store = before.store; e.cfg.Store = before.store.as(loadToucher) }
	rotated := start(t, h, routes, share, with(func(c *sessions.Config) {
		c.SecretKey, c.SecretKeyFallbacks = newKey, [][]byte{oldKey}
	}))
	after := start(t, h, routes, share, with(func(c *sessions.Config) { c.SecretKey = newKey }))

	old := before.client().get("/set").cookie
	r := rotated.getWith("/show", old.Value)
	if r.body != "user=alice" {
		t.Fatalf("a cookie signed by a fallback key: GET /show = %q, want user=alice", r.body)
	}
	if r.cookie == nil || r.cookie.Value == old.Value || rotated.idOf(r.cookie.Value) != before.idOf(old.Value) {
		t.Fatalf("the fallback-signed cookie was answered with %v, want the same ID signed with the current key", r.cookie)
	}
	if got := after.getWith("/show", r.cookie.Value).body; got != "user=alice" {
		t.Errorf("the re-signed cookie on a server with only the new key: GET /show = %q, want user=alice", got)
	}
	if got := after.getWith("/show", old.Value).body; got != "(empty)" {
		t.Errorf("the old cookie on a server without the old key: GET /show = %q, want (empty)", got)
	}
}

// testDuplicateCookies sends two cookies of the session's name, as browsers
// do when an old cookie lingers under another path: a bad one does not hide
// the good one, in either order.
func testDuplicateCookies(t *testing.T, h Harness) {
	e := start(t, h, Routes{"/set": setter("user", "alice"), "/show": show})
	good := e.client().get("/set").cookie
	name := e.cookieName()
	for _, header := range []string{
		name + "=garbage; " + name + "=" + good.Value,
		name + "=" + good.Value + "; " + name + "=garbage",
	} {
		req := e.request(http.MethodGet, "/show")
		req.Header.Set("Cookie", header)
		if r := e.do(e.srv.Client(), req); r.body != "user=alice" {
			t.Errorf("Cookie: %s: GET /show = %q, want user=alice", header, r.body)
		}
	}
}
