package adaptertest

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"slices"
	"strings"
	"time"
)

// client is one browser: an http.Client with its own cookie jar that does
// not follow redirects, so the suite sees them.
type client struct {
	e  *env
	hc *http.Client
}

// client returns a new browser for e's server.
func (e *env) client() *client {
	e.t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		e.t.Fatalf("cookiejar.New: %v", err)
	}
	return &client{e: e, hc: &http.Client{
		Jar:           jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// get requests path with the jar's cookies.
func (c *client) get(path string) *result {
	c.e.t.Helper()
	return c.e.do(c.hc, c.e.request(http.MethodGet, path))
}

// request returns a request for path on e's server.
func (e *env) request(method, path string) *http.Request {
	e.t.Helper()
	req, err := http.NewRequest(method, e.srv.URL+path, nil)
	if err != nil {
		e.t.Fatalf("NewRequest %s %s: %v", method, path, err)
	}
	return req
}

// getWith requests path with no jar, sending the session cookie with value
// exactly as given (no cookie at all when value is ""), as a client
// replaying or forging a cookie would.
func (e *env) getWith(path, value string) *result {
	e.t.Helper()
	req := e.request(http.MethodGet, path)
	if value != "" {
		req.Header.Set("Cookie", e.cookieName()+"="+value)
	}
	return e.do(e.srv.Client(), req)
}

// result is a response, read whole, with its session Set-Cookie parsed by
// net/http.
type result struct {
	status int
	body   string
	header http.Header
	// cookie is the session cookie the response set, nil if none.
	cookie *http.Cookie
}

// do sends req and reads the response. It fails the test on any transport
// or parse error, and when the response sets the session cookie more than
// once: the commit runs exactly once.
func (e *env) do(hc *http.Client, req *http.Request) *result {
	e.t.Helper()
	res, err := hc.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		e.t.Fatalf("%s %s: reading body: %v", req.Method, req.URL.Path, err)
	}
	r := &result{status: res.StatusCode, body: string(body), header: res.Header}
	r.cookie = e.sessionCookie(req, res.Header)
	return r
}

// sessionCookie parses every Set-Cookie line of h with net/http and returns
// the session's.
func (e *env) sessionCookie(req *http.Request, h http.Header) *http.Cookie {
	e.t.Helper()
	var found []*http.Cookie
	for _, line := range h.Values("Set-Cookie") {
		c, err := http.ParseSetCookie(line)
		if err != nil {
			e.t.Errorf("%s %s: Set-Cookie %q does not parse: %v", req.Method, req.URL.Path, line, err)
			continue
		}
		if err := c.Valid(); err != nil {
			e.t.Errorf("%s %s: Set-Cookie %q is not valid: %v", req.Method, req.URL.Path, line, err)
		}
		if c.Name == e.cookieName() {
			found = append(found, c)
		}
	}
	if len(found) > 1 {
		e.t.Errorf("%s %s: %d session Set-Cookie headers %q; the session must be committed once",
			req.Method, req.URL.Path, len(found), h.Values("Set-Cookie"))
	}
	if len(found) == 0 {
		return nil
	}
	return found[0]
}

// varyCookie reports whether the response varies on Cookie.
func (r *result) varyCookie() bool {
	for _, v := range r.header.Values("Vary") {
		if slices.ContainsFunc(strings.Split(v, ","), func(f string) bool {
			return strings.EqualFold(strings.TrimSpace(f), "Cookie")
		}) {
			return true
		}
	}
	return false
}

// expired reports whether the cookie deletes the client's: Max-Age<0 (how
// net/http parses "Max-Age=0") and Expires in the past.
func expired(c *http.Cookie) bool {
	return c != nil && c.MaxAge < 0 && c.RawExpires != "" && c.Expires.Before(time.Now())
}
