package adaptertest

import (
	"net/http"
	"testing"
	"time"

	"github.com/serversession/serversession/sessions"
)

// The cookie and the headers a commit sends, as the Config asks for them.

// cookieWant is the cookie a Config must produce.
type cookieWant struct {
	name        string
	path        string
	domain      string
	httpOnly    bool
	secure      bool
	partitioned bool
	sameSite    http.SameSite
	maxAge      int // 0: neither Max-Age nor Expires (a browser-session cookie)
}

// testCookieAttributes sets a session under many Configs and checks every
// attribute of its cookie, and of the cookie that expires it on Destroy,
// as net/http parses them.
func testCookieAttributes(t *testing.T, h Harness) {
	month := int(sessions.DefaultLifetime / time.Second)
	def := cookieWant{name: "session", path: "/", httpOnly: true, sameSite: http.SameSiteLaxMode, maxAge: month}
	change := func(f func(*cookieWant)) cookieWant { w := def; f(&w); return w }
	cases := []struct {
		name string
		cfg  func(*sessions.Config)
		want cookieWant
	}{
		{"Defaults", func(*sessions.Config) {}, def},
		{"Transient", func(c *sessions.Config) { c.Transient = true },
			change(func(w *cookieWant) { w.maxAge = 0 })},
		{"NoHTTPOnly", func(c *sessions.Config) { c.Cookie.NoHTTPOnly = true },
			change(func(w *cookieWant) { w.httpOnly = false })},
		{"Strict", func(c *sessions.Config) { c.Cookie.SameSite = http.SameSiteStrictMode },
			change(func(w *cookieWant) { w.sameSite = http.SameSiteStrictMode })},
		{"NoneSecure", func(c *sessions.Config) { c.Cookie.SameSite = http.SameSiteNoneMode; c.Cookie.Secure = true },
			change(func(w *cookieWant) { w.sameSite = http.SameSiteNoneMode; w.secure = true })},
		{"Secure", func(c *sessions.Config) { c.Cookie.Secure = true },
			change(func(w *cookieWant) { w.secure = true })},
		{"Partitioned", func(c *sessions.Config) {
			c.Cookie.Partitioned, c.Cookie.Secure, c.Cookie.SameSite = true, true, http.SameSiteNoneMode
		}, change(func(w *cookieWant) { w.partitioned, w.secure, w.sameSite = true, true, http.SameSiteNoneMode })},
		{"DomainPathName", func(c *sessions.Config) {
			c.Cookie.Domain, c.Cookie.Path, c.Cookie.Name = "example.test", "/app", "sid"
		}, change(func(w *cookieWant) { w.domain, w.path, w.name = "example.test", "/app", "sid" })},
		{"Lifetime", func(c *sessions.Config) { c.Lifetime = time.Hour },
			change(func(w *cookieWant) { w.maxAge = 3600 })},
		{"TransientEverything", func(c *sessions.Config) {
			c.Transient, c.Cookie.Secure, c.Cookie.Partitioned, c.Cookie.SameSite = true, true, true, http.SameSiteStrictMode
			c.Cookie.Domain, c.Cookie.Path, c.Cookie.NoHTTPOnly = "example.test", "/app", true
		}, cookieWant{name: "session", path: "/app", domain: "example.test", secure: true, partitioned: true,
			sameSite: http.SameSiteStrictMode}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := start(t, h, Routes{"/set": setter("a", 1), "/destroy": destroy}, with(tc.cfg))
			// No jar: Secure, Domain and Path would keep a jar from sending
			// the cookie back to this plain-HTTP 127.0.0.1 server.
			r := e.getWith("/set", "")
			checkCookie(t, "the session cookie", r.cookie, tc.want, time.Now())
			if r.cookie == nil {
				return
			}
			gone := e.getWith("/destroy", r.cookie.Value)
			if !expired(gone.cookie) {
				t.Fatalf("Destroy set cookie %v, want it expired: Max-Age<0 and Expires in the past", gone.cookie)
			}
			want := tc.want
			want.maxAge = -1
			checkCookie(t, "the expiring cookie", gone.cookie, want, time.Now())
		})
	}
}

// checkCookie compares c's attributes with want's.
func checkCookie(t *testing.T, what string, c *http.Cookie, want cookieWant, now time.Time) {
	t.Helper()
	if c == nil {
		t.Errorf("%s is missing", what)
		return
	}
	if c.Name != want.name || c.Path != want.path || c.Domain != want.domain {
		t.Errorf("%s: name %q path %q domain %q, want %q %q %q", what, c.Name, c.Path, c.Domain, want.name, want.path, want.domain)
	}
	if c.HttpOnly != want.httpOnly || c.Secure != want.secure || c.Partitioned != want.partitioned {
		t.Errorf("%s: HttpOnly=%t Secure=%t Partitioned=%t, want %t %t %t",
			what, c.HttpOnly, c.Secure, c.Partitioned, want.httpOnly, want.secure, want.partitioned)
	}
	if c.SameSite != want.sameSite {
		t.Errorf("%s: SameSite %v, want %v", what, c.SameSite, want.sameSite)
	}
	switch {
	case want.maxAge == 0:
		if c.MaxAge != 0 || c.RawExpires != "" {
			t.Errorf("%s: Max-Age %d Expires %q, want neither (a browser-session cookie)", what, c.MaxAge, c.RawExpires)
		}
	case want.maxAge < 0:
		if c.MaxAge >= 0 || c.RawExpires == "" || !c.Expires.Before(now) {
			t.Errorf("%s: Max-Age %d Expires %q, want Max-Age<=0 and Expires in the past", what, c.MaxAge, c.RawExpires)
		}
	default:
		if c.MaxAge != want.maxAge {
			t.Errorf("%s: Max-Age %d, want %d", what, c.MaxAge, want.maxAge)
		}
		wantExp := now.Add(time.Duration(want.maxAge) * time.Second)
		if c.RawExpires == "" || c.Expires.Sub(wantExp).Abs() > 5*time.Second {
			t.Errorf("%s: Expires %q, want about %v", what, c.RawExpires, wantExp.UTC())
		}
	}
}

// testSetPermanent switches a session from the configured default: the
// cookie follows the session, not the Config.
func testSetPermanent(t *testing.T, h Harness) {
	for _, nonPermanent := range []bool{false, true} {
		e := start(t, h, Routes{
			"/flip": func(x Exchange) error {
				s := session(x)
				s.Set("a", 1)
				s.SetPermanent(nonPermanent)
				return write(x, "%t", s.Permanent())
			},
			"/permanent": func(x Exchange) error { return write(x, "%t", session(x).Permanent()) },
		}, with(func(cfg *sessions.Config) { cfg.Transient = nonPermanent }))
		c := e.client()
		r := c.get("/flip")
		if r.cookie == nil {
			t.Fatal("GET /flip set no cookie")
		}
		if hasAge := r.cookie.MaxAge > 0 && r.cookie.RawExpires != ""; hasAge != nonPermanent {
			t.Errorf("Transient=%t, SetPermanent(%t): cookie Max-Age %d Expires %q",
				nonPermanent, nonPermanent, r.cookie.MaxAge, r.cookie.RawExpires)
		}
		if got := c.get("/permanent").body; got != r.body {
			t.Errorf("Transient=%t: Permanent() on the next request = %s, want %s (kept in the record)", nonPermanent, got, r.body)
		}
	}
}

// testVary checks that a response varies on Cookie when, and only when, the
// handler accessed the session.
func testVary(t *testing.T, h Harness) {
	e := start(t, h, Routes{
		"/untouched": untouched,
		"/read":      func(x Exchange) error { _, ok := session(x).Get("a"); return write(x, "%t", ok) },
		"/set":       setter("a", 1),
	})
	c := e.client()
	if r := c.get("/untouched"); r.varyCookie() {
		t.Errorf("an untouched new session: Vary %q", r.header.Values("Vary"))
	}
	if r := c.get("/read"); !r.varyCookie() {
		t.Error("a read of a new session: no Vary: Cookie")
	}
	if r := c.get("/set"); !r.varyCookie() {
		t.Error("a write: no Vary: Cookie")
	}
	if r := c.get("/untouched"); r.varyCookie() {
		t.Errorf("an untouched stored session: Vary %q", r.header.Values("Vary"))
	}
	if r := c.get("/read"); !r.varyCookie() {
		t.Error("a read of a stored session: no Vary: Cookie")
	}
}

// testUntouched checks that a request that never touches the session costs
// no store call and sends no Set-Cookie and no Vary, with or without a
// session cookie, for any method (a CORS preflight among them).
func testUntouched(t *testing.T, h Harness) {
	e := start(t, h, Routes{"/set": setter("a", 1), "/untouched": untouched})
	c := e.client()
	c.get("/set")
	for _, withCookie := range []bool{false, true} {
		for _, method := range []string{http.MethodGet, http.MethodPost, http.MethodOptions} {
			e.store.reset()
			var r *result
			if withCookie {
				r = e.do(c.hc, e.request(method, "/untouched"))
			} else {
				r = e.do(e.srv.Client(), e.request(method, "/untouched"))
			}
			if r.status != http.StatusOK || r.body != "untouched" {
				t.Errorf("%s /untouched (cookie %t) = %d %q", method, withCookie, r.status, r.body)
			}
			if n := e.store.calls(); n.total() != 0 {
				t.Errorf("%s /untouched (cookie %t): store calls %v, want none", method, withCookie, n)
			}
			if r.cookie != nil || r.varyCookie() {
				t.Errorf("%s /untouched (cookie %t): Set-Cookie %v, Vary %q; want neither",
					method, withCookie, r.cookie, r.header.Values("Vary"))
			}
		}
	}
}

// testEmptyNeverStored checks that a new session that ends empty — read,
// or written and emptied again — stores nothing and sets no cookie: bots
// must not fill the store.
func testEmptyNeverStored(t *testing.T, h Harness) {
	e := start(t, h, Routes{
		"/read": func(x Exchange) error { return write(x, "%d", session(x).Len()) },
		"/set-and-delete": func(x Exchange) error {
			s := session(x)
			s.Set("a", 1)
			s.Delete("a")
			return x.Write("ok")
		},
		"/flashes": func(x Exchange) error { return write(x, "%d", len(session(x).Flashes())) },
		"/id":      id,
	})
	for _, path := range []string{"/read", "/set-and-delete", "/flashes", "/id"} {
		e.store.reset()
		r := e.client().get(path)
		if r.status != http.StatusOK {
			t.Errorf("GET %s = %d", path, r.status)
		}
		if r.cookie != nil {
			t.Errorf("GET %s on a new session set cookie %v", path, r.cookie)
		}
		if n := e.store.calls(); n.Save != 0 {
			t.Errorf("GET %s on a new session: calls %v, want no Save", path, n)
		}
	}
}
