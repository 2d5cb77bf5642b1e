package adaptertest

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/serversession/serversession/sessions"
)

// The sessions of a user, as a handler sees them: the suite's store keeps
// a user index, and the routes log in, list and revoke through the
// session.

// userRoutes log a user in and out, list the user's sessions ("ref
// current=true ua=… ip=…" lines, current first) and revoke them.
func userRoutes() Routes {
	return Routes{
		"/login": func(x Exchange) error {
			s := session(x)
			s.Regenerate()
			s.SetUser(query(x, "u"))
			return x.Write("logged in")
		},
		"/logout": destroy,
		"/user":   func(x Exchange) error { return x.Write("user=" + session(x).User()) },
		"/list":   listSessions,
		"/revoke": func(x Exchange) error {
			if err := session(x).Revoke(query(x, "ref")); err != nil {
				return x.Write("error: " + err.Error())
			}
			return x.Write("revoked")
		},
		"/revoke-others": func(x Exchange) error {
			n, err := session(x).RevokeOthers()
			if err != nil {
				return x.Write("error: " + err.Error())
			}
			return write(x, "revoked %d", n)
		},
		"/set":  setter("n", 1),
		"/show": show,
	}
}

func listSessions(x Exchange) error {
	list, err := session(x).UserSessions()
	if err != nil {
		return x.Write("error: " + err.Error())
	}
	var b strings.Builder
	for _, us := range list {
		if us.Current {
			fmt.Fprintf(&b, "%s current=true ua=%s ip=%s\n", us.Ref, us.UserAgent, us.IP)
		}
	}
	for _, us := range list {
		if !us.Current {
			fmt.Fprintf(&b, "%s current=false ua=%s ip=%s\n", us.Ref, us.UserAgent, us.IP)
		}
	}
	return x.Write(b.String())
}

// startIndexed serves userRoutes with the user index, recording devices.
func startIndexed(t *testing.T, h Harness, opts ...option) *env {
	t.Helper()
	opts = append([]option{storeAs(indexed), with(func(cfg *sessions.Config) {
		cfg.Users = &sessions.UserIndexConfig{Devices: true}
	})}, opts...)
	return start(t, h, userRoutes(), opts...)
}

// lines returns the listed sessions, one string each.
func lines(t *testing.T, c *client) []string {
	t.Helper()
	r := c.get("/list")
	if strings.HasPrefix(r.body, "error") || r.status != http.StatusOK {
		t.Fatalf("GET /list = %d %q", r.status, r.body)
	}
	return strings.Split(strings.TrimSuffix(r.body, "\n"), "\n")
}

// getAs requests path with the jar's cookies and a User-Agent.
func (c *client) getAs(path, userAgent string) *result {
	c.e.t.Helper()
	req := c.e.request(http.MethodGet, path)
	req.Header.Set("User-Agent", userAgent)
	return c.e.do(c.hc, req)
}

// testUserSessions: two browsers of one user are both listed, each
// marking itself current, with the user agent that logged it in; another
// user's sessions are not; a logout drops the session from the list.
func testUserSessions(t *testing.T, h Harness) {
	e := startIndexed(t, h)
	phone, laptop, bob := e.client(), e.client(), e.client()
	phone.getAs("/login?u=ann", "phone-browser")
	laptop.getAs("/login?u=ann", "laptop-browser")
	bob.getAs("/login?u=bob", "bob-browser")

	got := lines(t, laptop)
	if len(got) != 2 || !strings.Contains(got[0], "current=true ua=laptop-browser ip=127.0.0.1") ||
		!strings.Contains(got[1], "current=false ua=phone-browser ip=127.0.0.1") {
		t.Fatalf("ann's sessions seen from the laptop:\n%s\nwant the laptop (current) and the phone, with their user agents", strings.Join(got, "\n"))
	}
	if other := lines(t, phone); len(other) != 2 || !strings.Contains(other[0], "ua=phone-browser") || strings.Fields(other[0])[0] != strings.Fields(got[1])[0] {
		t.Errorf("the phone's view %q does not mark the phone's session current with the laptop's Ref for it", other)
	}
	if got := lines(t, bob); len(got) != 1 {
		t.Errorf("bob lists %d sessions, want his own only: %q", len(got), got)
	}
	for _, l := range append(got, lines(t, phone)...) {
		ref := strings.Fields(l)[0]
		for _, c := range []*client{phone, laptop} {
			if id := e.idOf(jarCookie(t, c).Value); strings.Contains(id, ref) || strings.Contains(ref, id) {
				t.Errorf("Ref %q reveals a session ID", ref)
			}
		}
	}
	phone.get("/logout")
	if got := lines(t, laptop); len(got) != 1 {
		t.Errorf("after the phone's logout, ann lists %q, want the laptop only", got)
	}
}

// jarCookie returns the session cookie in c's jar.
func jarCookie(t *testing.T, c *client) *http.Cookie {
	t.Helper()
	for _, ck := range c.hc.Jar.Cookies(mustURL(t, c.e.srv.URL)) {
		if ck.Name == c.e.cookieName() {
			return ck
		}
	}
	t.Fatal("the browser holds no session cookie")
	return nil
}

// testRevokeOthers: "log out other sessions" logs the other browser out
// on its next request and keeps this one.
func testRevokeOthers(t *testing.T, h Harness) {
	e := startIndexed(t, h)
	a, b := e.client(), e.client()
	a.get("/login?u=ann")
	b.get("/login?u=ann")
	if r := a.get("/revoke-others"); r.body != "revoked 1" {
		t.Fatalf("GET /revoke-others = %q, want revoked 1", r.body)
	}
	if r := b.get("/user"); r.body != "user=" {
		t.Errorf("the other browser still reads %q after it was logged out", r.body)
	}
	if r := a.get("/user"); r.body != "user=ann" {
		t.Errorf("the browser that logged the others out reads %q, want user=ann", r.body)
	}
	if got := lines(t, a); len(got) != 1 || !strings.Contains(got[0], "current=true") {
		t.Errorf("after revoking the others, ann lists %q, want the current session only", got)
	}
}

// testRevokeByRef: a session revoked by its Ref is logged out; a Ref of
// another user's session is refused; revoking the current session logs
// this browser out, with its cookie expired.
func testRevokeByRef(t *testing.T, h Harness) {
	e := startIndexed(t, h)
	a, b, bob := e.client(), e.client(), e.client()
	a.get("/login?u=ann")
	b.get("/login?u=ann")
	bob.get("/login?u=bob")
	other := strings.Fields(lines(t, a)[1])[0]
	if r := bob.get("/revoke?ref=" + other); !strings.Contains(r.body, sessions.ErrUnknownSession.Error()) {
		t.Errorf("bob revoking ann's session: %q, want %v", r.body, sessions.ErrUnknownSession)
	}
	if r := b.get("/user"); r.body != "user=ann" {
		t.Fatalf("bob's attempt logged ann's browser out: %q", r.body)
	}
	if r := a.get("/revoke?ref=" + other); r.body != "revoked" {
		t.Fatalf("GET /revoke = %q", r.body)
	}
	if r := b.get("/user"); r.body != "user=" {
		t.Errorf("the revoked browser reads %q, want no user", r.body)
	}
	own := strings.Fields(lines(t, a)[0])[0]
	if r := a.get("/revoke?ref=" + own); r.body != "revoked" || !expired(r.cookie) {
		t.Errorf("revoking the current session: %q, Set-Cookie %v; want it ended and the cookie expired", r.body, r.cookie)
	}
	if r := a.get("/user"); r.body != "user=" {
		t.Errorf("after revoking itself, the browser reads %q", r.body)
	}
}

// testRevokeInFlight: a request that loaded the session before it was
// revoked, and writes or logs in again after, brings nothing back and
// sends no cookie.
func testRevokeInFlight(t *testing.T, h Harness) {
	for _, op := range []string{"write", "regenerate"} {
		t.Run(op, func(t *testing.T) {
			loaded, release := make(chan struct{}), make(chan struct{})
			routes := userRoutes()
			routes["/slow"] = func(x Exchange) error {
				s := session(x)
				s.Len()
				loaded <- struct{}{}
				<-release
				if op == "write" {
					s.Set("late", true)
				} else {
					s.Regenerate()
				}
				return x.Write("slow")
			}
			e := start(t, h, routes, storeAs(indexed), with(func(cfg *sessions.Config) { cfg.Users = &sessions.UserIndexConfig{} }))
			a, b := e.client(), e.client()
			a.get("/login?u=ann")
			b.get("/login?u=ann")
			old := jarCookie(t, b)
			slow := e.fetchLater(t, b.hc, "/slow", "")
			<-loaded
			if r := a.get("/revoke-others"); r.body != "revoked 1" {
				t.Fatalf("GET /revoke-others = %q", r.body)
			}
			close(release)
			res := <-slow
			for _, line := range res.Header.Values("Set-Cookie") {
				if c, err := http.ParseSetCookie(line); err == nil && c.Name == e.cookieName() && c.MaxAge >= 0 {
					t.Errorf("the request in flight set the session cookie: %q", line)
				}
			}
			if _, found := e.record(old); found {
				t.Error("the revoked session's record is back")
			}
			if r := b.get("/user"); r.body != "user=" {
				t.Errorf("the revoked browser reads %q after its request in flight", r.body)
			}
			if got := lines(t, a); len(got) != 1 {
				t.Errorf("ann lists %q, want the current session only", got)
			}
		})
	}
}

// testIndexRoundTrips: a login costs one index call more than without the
// index; reads and writes of a logged-in session cost none.
func testIndexRoundTrips(t *testing.T, h Harness) {
	e := startIndexed(t, h)
	c := e.client()
	c.get("/set")
	e.store.reset()
	c.get("/login?u=ann")
	if n := e.store.calls(); n.Index != 1 || n.total() != 4 {
		t.Errorf("a login made %v store calls, want LoadTouch, Save, Delete and one Index", n)
	}
	e.store.reset()
	c.get("/set")
	c.get("/show")
	if n := e.store.calls(); n.Index != 0 || n.total() != 3 {
		t.Errorf("a write and a read of a logged-in session made %v store calls, want LoadTouch, Save, LoadTouch", n)
	}
}

// mustURL parses a URL the suite made.
func mustURL(t *testing.T, raw string) *url.URL {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatalf("url.Parse(%q): %v", raw, err)
	}
	return u
}
