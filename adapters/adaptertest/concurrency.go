package adaptertest

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/serversession/serversession/sessions"
)

// Concurrent requests on one session: an SPA's parallel calls, a second
// tab. None loses another's keys, a logout or login sticks against
// requests already in flight, and a save that lands late rolls nothing back.

// query returns a query parameter of the exchange's request.
func query(x Exchange, name string) string {
	for _, v := range x.Lookups() {
		if r, ok := v.(*http.Request); ok {
			return r.URL.Query().Get(name)
		}
	}
	return ""
}

// fetch is a request that may run on any goroutine: it reports failures as
// errors, not through t.
func (e *env) fetch(hc *http.Client, path, cookie string) (*http.Response, string, error) {
	req, err := http.NewRequest(http.MethodGet, e.srv.URL+path, nil)
	if err != nil {
		return nil, "", err
	}
	if cookie != "" {
		req.Header.Set("Cookie", e.cookieName()+"="+cookie)
	}
	res, err := hc.Do(req)
	if err != nil {
		return nil, "", err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	return res, string(body), err
}

// fetchLater runs fetch on a goroutine of its own and hands over the
// response (nil if it failed, which is reported) when it is done.
func (e *env) fetchLater(t *testing.T, hc *http.Client, path, cookie string) <-chan *http.Response {
	done := make(chan *http.Response, 1)
	go func() {
		res, _, err := e.fetch(hc, path, cookie)
		if err != nil {
			t.Errorf("GET %s: %v", path, err)
		}
		done <- res
	}()
	return done
}

// sentCookie fails t if the response res, which finished after what, set
// a cookie.
func sentCookie(t *testing.T, res *http.Response, what string) {
	t.Helper()
	if res != nil && len(res.Header.Values("Set-Cookie")) > 0 {
		t.Errorf("the slow request, finishing after %s, sent Set-Cookie %q", what, res.Header.Values("Set-Cookie"))
	}
}

// testManyRequestsOneCookie sends 240 requests at once on one session, half
// setting distinct keys and half reading: every key survives.
func testManyRequestsOneCookie(t *testing.T, h Harness) {
	e := start(t, h, Routes{
		"/seed": setter("seed", 1),
		"/key": func(x Exchange) error {
			s := session(x)
			s.Len()
			time.Sleep(2 * time.Millisecond) // let the others load the same record
			if k := query(x, "k"); k != "" {
				s.Set(k, true)
			}
			return x.Write("ok")
		},
		"/keys": func(x Exchange) error { return x.Write(strings.Join(session(x).Keys(), " ")) },
	})
	cookie := e.client().get("/seed").cookie
	if cookie == nil {
		t.Fatal("GET /seed set no cookie")
	}
	const n = 240
	var wg sync.WaitGroup
	var failures atomic.Int64
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			path := "/key"
			if i%2 == 0 {
				path += fmt.Sprintf("?k=k%03d", i)
			}
			res, _, err := e.fetch(e.srv.Client(), path, cookie.Value)
			if err != nil || res.StatusCode != http.StatusOK {
				failures.Add(1)
			}
		}()
	}
	wg.Wait()
	if f := failures.Load(); f > 0 {
		t.Errorf("%d of %d requests failed; ErrorHandler: %v", f, n, e.errs.all())
	}
	kept := map[string]bool{}
	for _, k := range strings.Fields(e.getWith("/keys", cookie.Value).body) {
		kept[k] = true
	}
	var lost []string
	for i := 0; i < n; i += 2 {
		if k := fmt.Sprintf("k%03d", i); !kept[k] {
			lost = append(lost, k)
		}
	}
	if len(lost) > 0 {
		t.Errorf("%d of %d keys lost: %v", len(lost), n/2, lost)
	}
}

// slowRoutes are the routes of the logout and login races: /slow loads the
// session, says so on loaded, waits for release, then sets a key.
func slowRoutes(loaded chan<- struct{}, release <-chan struct{}) Routes {
	return Routes{
		"/login": func(x Exchange) error {
			s := session(x)
			s.Regenerate()
			s.Set("user", query(x, "u"))
			return x.Write("logged in")
		},
		"/logout": destroy,
		"/slow": func(x Exchange) error {
			s := session(x)
			s.Len()
			loaded <- struct{}{}
			<-release
			s.Set("late", true)
			return x.Write("slow")
		},
		"/id":   id,
		"/show": show,
	}
}

// testSlowWriterVsLogout: a request that loaded the session before /logout
// committed, and writes after it, does not bring the session back, and
// sends no cookie for it.
func testSlowWriterVsLogout(t *testing.T, h Harness) {
	loaded, release := make(chan struct{}), make(chan struct{})
	e := start(t, h, slowRoutes(loaded, release))
	c := e.client()
	old := c.get("/login?u=ann").cookie
	if old == nil {
		t.Fatal("GET /login set no cookie")
	}
	slow := e.fetchLater(t, e.srv.Client(), "/slow", old.Value)
	<-loaded
	if r := c.get("/logout"); !expired(r.cookie) {
		t.Errorf("GET /logout: Set-Cookie %v, want the cookie expired", r.cookie)
	}
	close(release)
	sentCookie(t, <-slow, "the logout")
	if _, found := e.record(old); found {
		t.Error("the logged-out session's record is back in the store")
	}
	if r := e.getWith("/show", old.Value); r.body != "(empty)" {
		t.Errorf("GET /show with the logged-out cookie = %q, want (empty)", r.body)
	}
}

// testSlowWriterVsLogin: the same race with a login that moves the session
// to a new ID: the old ID is never readable again, the new session keeps
// what the login set and nothing of the slow request, and the browser keeps
// the login's cookie.
func testSlowWriterVsLogin(t *testing.T, h Harness) {
	loaded, release := make(chan struct{}), make(chan struct{})
	e := start(t, h, slowRoutes(loaded, release))
	c := e.client()
	old := c.get("/login?u=guest").cookie
	if old == nil {
		t.Fatal("GET /login set no cookie")
	}
	slow := e.fetchLater(t, c.hc, "/slow", "") // the browser's jar: its cookie is old's
	<-loaded
	login := c.get("/login?u=ann")
	if login.cookie == nil || login.cookie.Value == old.Value {
		t.Fatalf("GET /login: Set-Cookie %v, want a new ID", login.cookie)
	}
	close(release)
	sentCookie(t, <-slow, "the login")
	if _, found := e.record(old); found {
		t.Error("the record of the ID before the login is back in the store")
	}
	if r := e.getWith("/id", old.Value); !strings.HasSuffix(r.body, "new=true") {
		t.Errorf("GET /id with the cookie from before the login = %q, want a new session", r.body)
	}
	if r := c.get("/show"); r.body != "user=ann" {
		t.Errorf("GET /show after the login = %q, want user=ann", r.body)
	}
}

// testStalledSave: a save that stalls past the request's deadline, and
// lands in the store after newer requests wrote, rolls nothing back; the
// stalled request answers 500.
func testStalledSave(t *testing.T, h Harness) {
	e := start(t, h, Routes{
		"/incr": func(x Exchange) error {
			s := session(x)
			n, _ := sessions.Value[int](s, "n")
			s.Set("n", n+1)
			return write(x, "n=%d", n+1)
		},
		"/show": show,
	}, requestTimeout(300*time.Millisecond))
	cookie := e.client().get("/incr").cookie // n=1
	if cookie == nil {
		t.Fatal("GET /incr set no cookie")
	}
	e.store.armStall()
	if r := e.getWith("/incr", cookie.Value); r.status != http.StatusInternalServerError {
		t.Errorf("the stalled request answered %d %q, want 500", r.status, r.body)
	}
	for want := 2; want <= 4; want++ {
		if r := e.getWith("/incr", cookie.Value); r.body != fmt.Sprintf("n=%d", want) {
			t.Fatalf("GET /incr = %q, want n=%d", r.body, want)
		}
	}
	close(e.store.stall.landed) // the stalled write lands now
	if err := <-e.store.stall.late; !errors.Is(err, sessions.ErrConflict) {
		t.Errorf("the stalled write, landing late, returned %v; want a conflict", err)
	}
	if r := e.getWith("/show", cookie.Value); r.body != "n=4" {
		t.Errorf("GET /show after the stalled save landed = %q, want n=4", r.body)
	}
}

// testSlowReaderVsLogin: a read-only request that loaded the session before
// a login moved it to a new ID sends no cookie for the old ID, so the
// browser keeps the login's cookie.
func testSlowReaderVsLogin(t *testing.T, h Harness) {
	loaded, release := make(chan struct{}), make(chan struct{})
	routes := slowRoutes(loaded, release)
	routes["/slowread"] = func(x Exchange) error {
		s := session(x)
		s.Len()
		loaded <- struct{}{}
		<-release
		return write(x, "%d keys", s.Len())
	}
	e := start(t, h, routes)
	c := e.client()
	old := c.get("/login?u=guest").cookie
	if old == nil {
		t.Fatal("GET /login set no cookie")
	}
	slow := e.fetchLater(t, c.hc, "/slowread", "")
	<-loaded
	c.get("/login?u=ann")
	close(release)
	sentCookie(t, <-slow, "the login")
	if r := c.get("/show"); r.body != "user=ann" {
		t.Errorf("GET /show after the login = %q, want user=ann", r.body)
	}
}

// testConcurrentFlashes: flashes added by concurrent requests all survive,
// and a flash a request showed is not brought back by another.
func testConcurrentFlashes(t *testing.T, h Harness) {
	e := start(t, h, Routes{
		"/seed": setter("seed", 1),
		"/add": func(x Exchange) error {
			s := session(x)
			s.Len()
			time.Sleep(time.Millisecond)
			s.AddFlash(query(x, "m"))
			return x.Write("added")
		},
		"/take": func(x Exchange) error {
			var msgs []string
			for _, f := range session(x).Flashes() {
				msgs = append(msgs, f.Message)
			}
			return x.Write(strings.Join(msgs, " "))
		},
	})
	cookie := e.client().get("/seed").cookie
	if cookie == nil {
		t.Fatal("GET /seed set no cookie")
	}
	const adders, takers = 60, 12
	var mu sync.Mutex
	shown := map[string]bool{}
	var wg sync.WaitGroup
	for i := range adders + takers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			path := fmt.Sprintf("/add?m=m%02d", i)
			if i >= adders {
				path = "/take"
			}
			res, body, err := e.fetch(e.srv.Client(), path, cookie.Value)
			if err != nil || res.StatusCode != http.StatusOK {
				t.Errorf("GET %s: %v %v", path, res, err)
				return
			}
			if i >= adders {
				mu.Lock()
				for _, m := range strings.Fields(body) {
					shown[m] = true
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	left := strings.Fields(e.getWith("/take", cookie.Value).body)
	for _, m := range left {
		if shown[m] {
			t.Errorf("flash %s was shown, then came back", m)
		}
		shown[m] = true
	}
	for i := range adders {
		if m := fmt.Sprintf("m%02d", i); !shown[m] {
			t.Errorf("flash %s was lost", m)
		}
	}
}
