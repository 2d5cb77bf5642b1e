package adaptertest

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/serversession/serversession/sessions"
)

// The commit around the framework's ways of answering: the
// session is committed right before the headers go out, whatever sends them.

// testSetAfterStatus sets the status first, then the session: where the
// framework records a status without writing (gin's c.Status), the session
// must still be committed with the response.
func testSetAfterStatus(t *testing.T, h Harness) {
	e := start(t, h, Routes{
		"/created": func(x Exchange) error {
			x.Status(http.StatusCreated)
			session(x).Set("made", "yes")
			return x.Write("created")
		},
		"/show": show,
	})
	c := e.client()
	r := c.get("/created")
	if r.status != http.StatusCreated || r.body != "created" {
		t.Errorf("GET /created = %d %q, want 201 created", r.status, r.body)
	}
	if r.cookie == nil {
		t.Fatal("a value set after Status() set no cookie")
	}
	if r := c.get("/show"); r.body != "made=yes" {
		t.Errorf("GET /show = %q, want made=yes", r.body)
	}
}

// lateSet writes the body, then changes the session.
func lateSet(x Exchange) error {
	if err := x.Write("body first;"); err != nil {
		return err
	}
	if err := x.Flush(); err != nil {
		return err
	}
	s := session(x)
	s.Set("late", "yes")
	return x.Write("then the session")
}

// testSetAfterWriteExisting changes a stored session after the body went
// out: no cookie is needed, so the change is saved when the handler returns.
func testSetAfterWriteExisting(t *testing.T, h Harness) {
	e := start(t, h, Routes{"/set": setter("a", 1), "/late": lateSet, "/show": show})
	c := e.client()
	c.get("/set")
	r := c.get("/late")
	if r.status != http.StatusOK || r.body != "body first;then the session" {
		t.Errorf("GET /late = %d %q", r.status, r.body)
	}
	if r.cookie != nil {
		t.Errorf("GET /late set a cookie after the headers went out: %v", r.cookie)
	}
	if r := c.get("/show"); r.body != "a=1 late=yes" {
		t.Errorf("GET /show after /late = %q, want a=1 late=yes", r.body)
	}
	if errs := e.errs.all(); len(errs) != 0 {
		t.Errorf("ErrorHandler got %v, want nothing", errs)
	}
}

// testSetAfterWriteNew gives a brand-new session its first data after the
// headers went out: its cookie cannot be set, and the ErrorHandler must hear
// of it (sessions.ErrHeadersSent), not silence.
func testSetAfterWriteNew(t *testing.T, h Harness) {
	e := start(t, h, Routes{"/late": lateSet})
	r := e.client().get("/late")
	if r.status != http.StatusOK || r.body != "body first;then the session" {
		t.Errorf("GET /late = %d %q; the response was already out and must stay as written", r.status, r.body)
	}
	if r.cookie != nil {
		t.Errorf("GET /late: Set-Cookie %v after the headers went out", r.cookie)
	}
	errs := e.errs.all()
	if len(errs) != 1 || !errors.Is(errs[0], sessions.ErrHeadersSent) {
		t.Errorf("ErrorHandler got %v, want one sessions.ErrHeadersSent", errs)
	}
	if n := e.store.calls(); n.Save != 0 {
		t.Errorf("a session nobody holds a cookie for was saved: calls %v", n)
	}
	if e.logs.count(0) == 0 {
		t.Error("the lost cookie was not logged")
	}
}

// stream answers in two flushed chunks and waits, between them, until the
// client has read the first: a Flush that does not reach the client fails
// the test rather than hanging it. With flushFirst, it flushes before
// writing anything.
func stream(release <-chan struct{}, flushFirst bool) Route {
	return func(x Exchange) error {
		s := session(x)
		s.Set("before", "yes")
		if !flushFirst {
			if err := x.Write("chunk1;"); err != nil {
				return err
			}
		}
		if err := x.Flush(); err != nil {
			return err
		}
		select {
		case <-release:
		case <-time.After(5 * time.Second):
			return x.Write("TIMEOUT: the client never got the flushed headers;")
		}
		s.Set("after", "yes")
		return x.Write("chunk2")
	}
}

// testStream checks that a flushed response carries the cookie in its
// headers, reaches the client before the handler ends, and that a value set
// between chunks is saved.
func testStream(t *testing.T, h Harness) {
	for _, flushFirst := range []bool{false, true} {
		release := make(chan struct{})
		e := start(t, h, Routes{"/stream": stream(release, flushFirst), "/show": show})
		c := e.client()
		res, err := c.hc.Do(e.request(http.MethodGet, "/stream"))
		if err != nil {
			close(release)
			t.Fatalf("GET /stream: %v", err)
		}
		cookie := e.sessionCookie(res.Request, res.Header)
		br := bufio.NewReader(res.Body)
		if !flushFirst {
			first := make([]byte, len("chunk1;"))
			if _, err := io.ReadFull(br, first); err != nil || string(first) != "chunk1;" {
				t.Errorf("first chunk = %q, %v", first, err)
			}
		}
		close(release)
		rest, err := io.ReadAll(br)
		res.Body.Close()
		if err != nil || string(rest) != "chunk2" {
			t.Errorf("flushFirst=%t: rest of the stream = %q, %v; want chunk2", flushFirst, rest, err)
		}
		if cookie == nil {
			t.Fatalf("flushFirst=%t: the flushed headers carry no session cookie", flushFirst)
		}
		if r := c.get("/show"); r.body != "after=yes before=yes" {
			t.Errorf("flushFirst=%t: GET /show after the stream = %q, want after=yes before=yes", flushFirst, r.body)
		}
		if errs := e.errs.all(); len(errs) != 0 {
			t.Errorf("flushFirst=%t: ErrorHandler got %v", flushFirst, errs)
		}
	}
}

// testRedirectAfterLogin logs in with Regenerate and answers 302: the
// redirect carries the new cookie.
func testRedirectAfterLogin(t *testing.T, h Harness) {
	e := start(t, h, Routes{
		"/visit": setter("cart", "book"),
		"/login": func(x Exchange) error {
			s := session(x)
			s.Regenerate()
			s.Set("user", "alice")
			return x.Redirect(http.StatusFound, "/home")
		},
		"/home": show,
	})
	c := e.client()
	before := c.get("/visit").cookie
	r := c.get("/login")
	if r.status != http.StatusFound || r.header.Get("Location") != "/home" {
		t.Fatalf("GET /login = %d Location %q, want 302 /home", r.status, r.header.Get("Location"))
	}
	if r.cookie == nil || expired(r.cookie) {
		t.Fatalf("the redirect after login set cookie %v, want a new session cookie", r.cookie)
	}
	if e.idOf(r.cookie.Value) == e.idOf(before.Value) {
		t.Error("the login kept the session ID")
	}
	if r := c.get("/home"); r.body != "cart=book user=alice" {
		t.Errorf("GET /home after the redirect = %q, want cart=book user=alice", r.body)
	}
}

// testHandlerError fails the handler the framework's way after changing the
// session: the error response commits the session, as Flask saves it on
// error responses.
func testHandlerError(t *testing.T, h Harness) {
	e := start(t, h, Routes{
		"/set": setter("a", 1),
		"/fail": func(x Exchange) error {
			session(x).Set("attempts", 1)
			return x.Fail(http.StatusInternalServerError, "boom")
		},
		"/bad": func(x Exchange) error {
			session(x).Set("last", "bad")
			return x.Fail(http.StatusBadRequest, "bad input")
		},
		"/show": show,
	})
	c := e.client()
	r := c.get("/fail")
	if r.status != http.StatusInternalServerError {
		t.Errorf("GET /fail = %d, want 500", r.status)
	}
	if r.cookie == nil {
		t.Fatal("the error response of a new session set no cookie")
	}
	c.get("/set")
	if r := c.get("/bad"); r.status != http.StatusBadRequest || r.cookie == nil {
		t.Errorf("GET /bad = %d, cookie %v, want 400 with the session refreshed", r.status, r.cookie)
	}
	if r := c.get("/show"); r.body != "a=1 attempts=1 last=bad" {
		t.Errorf("GET /show after the failed handlers = %q, want a=1 attempts=1 last=bad", r.body)
	}
	if errs := e.errs.all(); len(errs) != 0 {
		t.Errorf("the session's ErrorHandler got %v for a handler's own error", errs)
	}
}

// testPanic panics after changing the session, under the framework's
// recovery: the answer is 500, nothing is saved, and the server goes on.
func testPanic(t *testing.T, h Harness) {
	e := start(t, h, Routes{
		"/set": setter("a", 1),
		"/panic": func(x Exchange) error {
			s := session(x)
			s.Set("a", "changed")
			s.Set("b", 2)
			panic("adaptertest: deliberate panic")
		},
		"/show": show,
	})
	// A new session: no cookie, no record.
	r := e.client().get("/panic")
	if r.status != http.StatusInternalServerError {
		t.Errorf("GET /panic = %d, want 500 from the framework's recovery", r.status)
	}
	if r.cookie != nil {
		t.Errorf("GET /panic set cookie %v", r.cookie)
	}
	if n := e.store.calls(); n.Save != 0 {
		t.Errorf("a panicking handler's new session was saved: calls %v", n)
	}
	// A stored session: unchanged.
	c := e.client()
	set := c.get("/set")
	before, _ := e.record(set.cookie)
	e.store.reset()
	r = c.get("/panic")
	if r.status != http.StatusInternalServerError || r.cookie != nil {
		t.Errorf("GET /panic on a stored session = %d, cookie %v; want 500 and no cookie", r.status, r.cookie)
	}
	if n := e.store.calls(); n.Save != 0 || n.Delete != 0 {
		t.Errorf("a panicking handler's session was written: calls %v", n)
	}
	after, _ := e.record(set.cookie)
	if string(after) != string(before) {
		t.Error("a panicking handler changed the stored record")
	}
	if r := c.get("/show"); r.status != http.StatusOK || r.body != "a=1" {
		t.Errorf("GET /show after the panic = %d %q, want 200 a=1", r.status, r.body)
	}
}

// testCommitOnce writes many times: the session is saved and its cookie set
// once.
func testCommitOnce(t *testing.T, h Harness) {
	e := start(t, h, Routes{"/chunks": func(x Exchange) error {
		session(x).Set("a", 1)
		for range 3 {
			if err := x.Write("chunk;"); err != nil {
				return err
			}
			if err := x.Flush(); err != nil {
				return err
			}
		}
		return nil
	}})
	r := e.client().get("/chunks")
	if r.body != "chunk;chunk;chunk;" || r.cookie == nil {
		t.Errorf("GET /chunks = %q, cookie %v", r.body, r.cookie)
	}
	if n := e.store.calls(); n.Save != 1 {
		t.Errorf("calls %v, want one Save", n)
	}
}

// testGetFromEveryContextType finds the same session through every value
// the framework's handlers may pass to sessions.Get.
func testGetFromEveryContextType(t *testing.T, h Harness) {
	e := start(t, h, Routes{
		"/lookups": func(x Exchange) error {
			lookups := x.Lookups()
			var sawRequest, sawContext bool
			first := sessions.Get(lookups[0])
			for i, l := range lookups {
				switch l.(type) {
				case *http.Request:
					sawRequest = true
				case interface{ Deadline() (time.Time, bool) }:
					sawContext = true
				}
				s := sessions.Get(l)
				if s != first {
					t.Errorf("sessions.Get(%T) (lookup %d) is another session than sessions.Get(%T)", l, i, lookups[0])
				}
				if err := s.Err(); err != nil {
					t.Errorf("sessions.Get(%T).Err() = %v", l, err)
				}
			}
			if !sawRequest || !sawContext {
				t.Errorf("Lookups() = %T, want the *http.Request and a context.Context among them", lookups)
			}
			for i, l := range lookups {
				sessions.Get(l).Set("via"+string(rune('0'+i)), i)
			}
			return x.Write("ok")
		},
		"/show": show,
	})
	c := e.client()
	if r := c.get("/lookups"); r.body != "ok" {
		t.Fatalf("GET /lookups = %d %q", r.status, r.body)
	}
	r := c.get("/show")
	if !strings.HasPrefix(r.body, "via0=0 via1=1") {
		t.Errorf("GET /show = %q, want the value set through every lookup", r.body)
	}
}

// testClientGone lets the client hang up while the handler works: what the
// handler sets afterwards is still saved, since saves outlive the request's
// context.
func testClientGone(t *testing.T, h Harness) {
	started, ids := make(chan struct{}), make(chan string, 1)
	e := start(t, h, Routes{"/slow": func(x Exchange) error {
		close(started)
		select {
		case <-request(x).Context().Done():
		case <-time.After(5 * time.Second):
			t.Error("the request's context was not canceled when the client left")
		}
		s := session(x)
		s.Set("a", 1)
		_ = x.Write("nobody reads this") // the client is gone: the write may fail
		ids <- s.ID()
		return nil
	}})
	ctx, cancel := context.WithCancel(t.Context())
	go func() {
		<-started
		cancel()
	}()
	if res, err := e.srv.Client().Do(e.request(http.MethodGet, "/slow").WithContext(ctx)); err == nil {
		res.Body.Close()
		t.Fatal("the request was not canceled")
	}
	select {
	case id := <-ids:
		if _, found := e.store.record(t, e.key(id)); !found {
			t.Error("the session set after the client left was not saved")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the handler did not finish")
	}
}

// testLateIDChange regenerates or destroys a stored session after the body
// went out. Both retire the old ID, and it goes: the record is deleted. The
// regenerated session needed a new cookie, which could not be set: the
// ErrorHandler hears of it, and the client is left with no session rather
// than with an ID the handler meant to end.
func testLateIDChange(t *testing.T, h Harness) {
	late := func(f func(*sessions.Session)) Route {
		return func(x Exchange) error {
			if err := x.Write("body first"); err != nil {
				return err
			}
			f(session(x))
			return nil
		}
	}
	e := start(t, h, Routes{
		"/set":        setter("user", "alice"),
		"/regenerate": late((*sessions.Session).Regenerate),
		"/destroy":    late((*sessions.Session).Destroy),
		"/show":       show,
	})
	c := e.client()
	cookie := c.get("/set").cookie
	if r := c.get("/regenerate"); r.body != "body first" || r.cookie != nil {
		t.Errorf("GET /regenerate = %q, cookie %v", r.body, r.cookie)
	}
	if errs := e.errs.all(); len(errs) != 1 || !errors.Is(errs[0], sessions.ErrHeadersSent) {
		t.Errorf("a Regenerate after the headers: ErrorHandler got %v, want sessions.ErrHeadersSent", errs)
	}
	if _, found := e.record(cookie); found {
		t.Error("a Regenerate after the headers kept the old ID's record")
	}
	if got := c.get("/show").body; got != "(empty)" {
		t.Errorf("GET /show after a late Regenerate = %q, want (empty)", got)
	}
	cookie = c.get("/set").cookie
	c.get("/destroy")
	if _, found := e.record(cookie); found {
		t.Error("a Destroy after the headers left the record in the store")
	}
	if got := c.get("/show").body; got != "(empty)" {
		t.Errorf("GET /show after a late Destroy = %q, want (empty)", got)
	}
}

// request returns the *http.Request among x's lookups.
func request(x Exchange) *http.Request {
	for _, l := range x.Lookups() {
		if r, ok := l.(*http.Request); ok {
			return r
		}
	}
	panic("adaptertest: Exchange.Lookups holds no *http.Request")
}
