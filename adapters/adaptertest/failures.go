package adaptertest

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/serversession/serversession/sessions"
)

// Store failures, missing middleware and bad configuration.

// storedSession makes a session with data through e's server and returns
// its cookie and record.
func storedSession(t *testing.T, e *env, path string) (*http.Cookie, []byte) {
	t.Helper()
	r := e.getWith(path, "")
	if r.cookie == nil {
		t.Fatalf("GET %s set no cookie", path)
	}
	record, found := e.record(r.cookie)
	if !found {
		t.Fatalf("GET %s stored no record", path)
	}
	return r.cookie, record
}

// checkRecord fails if the session's record is no longer exactly want.
func checkRecord(t *testing.T, e *env, c *http.Cookie, want []byte, what string) {
	t.Helper()
	got, found := e.record(c)
	if !found || !bytes.Equal(got, want) {
		t.Errorf("%s: the stored record changed (found %t); a failing store must never lose a session", what, found)
	}
}

// checkErrs checks that the ErrorHandler was called once, with target.
func checkErrs(t *testing.T, e *env, target error, what string) {
	t.Helper()
	errs := e.errs.all()
	if len(errs) != 1 || !errors.Is(errs[0], target) {
		t.Errorf("%s: ErrorHandler got %v, want one error wrapping %q", what, errs, target)
	}
}

// writeOver is a route that reads and changes the session, reporting what
// it saw.
func writeOver(x Exchange) error {
	s := session(x)
	_, had := s.Get("user")
	s.Set("user", "mallory")
	s.Set("extra", 1)
	err := s.Err()
	return write(x, "had=%t len=%d err=%t load-err=%t", had, s.Len(), err != nil, errors.Is(err, sessions.ErrStoreLoad))
}

// testLoadFailure makes the store fail on load: by default the answer is 500;
// with IgnoreErrors the handler sees an empty session whose Err wraps
// ErrStoreLoad; with a handler of one's own, its response replaces the
// route's. The record is never written over.
func testLoadFailure(t *testing.T, h Harness) {
	cases := []struct {
		name       string
		handler    func(http.ResponseWriter, *http.Request, error)
		wantStatus int
		wantBody   string
	}{
		{"Default", nil, http.StatusInternalServerError, "Internal Server Error\n"},
		{"IgnoreErrors", sessions.IgnoreErrors, http.StatusOK, "had=false len=0 err=true load-err=true"},
		{"OwnHandler", func(w http.ResponseWriter, _ *http.Request, _ error) {
			w.Header().Set("Retry-After", "5")
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprint(w, "store down")
		}, http.StatusServiceUnavailable, "store down"},
	}
	for _, kind := range []struct {
		name string
		opt  option
	}{{"LoadToucher", storeAs(loadToucher)}, {"PlainStore", storeAs(plain)}} {
		for _, tc := range cases {
			t.Run(kind.name+"/"+tc.name, func(t *testing.T) {
				t.Parallel()
				e := start(t, h, Routes{
					"/set":       setter("user", "alice"),
					"/write":     writeOver,
					"/untouched": untouched,
					"/show":      show,
				}, kind.opt, with(func(c *sessions.Config) { c.ErrorHandler = tc.handler }))
				cookie, record := storedSession(t, e, "/set")
				e.store.failLoad.Store(true)
				e.store.reset()

				if r := e.getWith("/untouched", cookie.Value); r.status != http.StatusOK || len(e.errs.all()) != 0 {
					t.Errorf("an untouched session with a failing store: %d, ErrorHandler got %v", r.status, e.errs.all())
				}
				r := e.getWith("/write", cookie.Value)
				if r.status != tc.wantStatus || r.body != tc.wantBody {
					t.Errorf("GET /write with a failing store = %d %q, want %d %q", r.status, r.body, tc.wantStatus, tc.wantBody)
				}
				if r.cookie != nil {
					t.Errorf("GET /write with a failing store set cookie %v", r.cookie)
				}
				if n := e.store.calls(); n.Save+n.Delete != 0 {
					t.Errorf("a session that failed to load was written: calls %v", n)
				}
				checkRecord(t, e, cookie, record, "load failure")
				checkErrs(t, e, sessions.ErrStoreLoad, "load failure")
				if e.logs.count(0) == 0 {
					t.Error("the load failure was not logged")
				}

				e.store.failLoad.Store(false)
				if got := e.getWith("/show", cookie.Value).body; got != "user=alice" {
					t.Errorf("GET /show once the store is back = %q, want user=alice", got)
				}
			})
		}
	}
}

// testSaveFailure makes the store fail on save: 500 by default, no cookie
// for a record that was not stored, and the old record kept.
func testSaveFailure(t *testing.T, h Harness) {
	t.Run("NewSession", func(t *testing.T) {
		t.Parallel()
		e := start(t, h, Routes{"/set": setter("a", 1)})
		e.store.failSave.Store(true)
		r := e.client().get("/set")
		if r.status != http.StatusInternalServerError {
			t.Errorf("GET /set with a failing store = %d, want 500", r.status)
		}
		if r.cookie != nil {
			t.Errorf("GET /set with a failing store set cookie %v for a record that was not stored", r.cookie)
		}
		checkErrs(t, e, sessions.ErrStoreSave, "save failure")
	})
	t.Run("StoredSession", func(t *testing.T) {
		t.Parallel()
		e := start(t, h, Routes{"/set": setter("a", 1), "/change": setter("a", 2), "/show": show})
		cookie, record := storedSession(t, e, "/set")
		e.store.failSave.Store(true)
		if r := e.getWith("/change", cookie.Value); r.status != http.StatusInternalServerError {
			t.Errorf("GET /change with a failing store = %d, want 500", r.status)
		}
		checkRecord(t, e, cookie, record, "save failure")
		checkErrs(t, e, sessions.ErrStoreSave, "save failure")
	})
	t.Run("IgnoreErrors", func(t *testing.T) {
		t.Parallel()
		e := start(t, h, Routes{"/set": setter("a", 1)}, with(func(c *sessions.Config) { c.ErrorHandler = sessions.IgnoreErrors }))
		e.store.failSave.Store(true)
		r := e.client().get("/set")
		if r.status != http.StatusOK || r.body != "ok" || r.cookie != nil {
			t.Errorf("GET /set with IgnoreErrors and a failing store = %d %q, cookie %v; want 200 ok and no cookie", r.status, r.body, r.cookie)
		}
		checkErrs(t, e, sessions.ErrStoreSave, "save failure")
	})
	t.Run("AfterHeaders", func(t *testing.T) {
		t.Parallel()
		e := start(t, h, Routes{"/set": setter("a", 1), "/late": lateSet})
		cookie, record := storedSession(t, e, "/set")
		e.store.failSave.Store(true)
		r := e.getWith("/late", cookie.Value)
		if r.status != http.StatusOK || r.body != "body first;then the session" {
			t.Errorf("GET /late = %d %q; the response was out before the save and must stay", r.status, r.body)
		}
		checkRecord(t, e, cookie, record, "save failure after the headers")
		checkErrs(t, e, sessions.ErrStoreSave, "save failure after the headers")
	})
	t.Run("Refresh", func(t *testing.T) {
		t.Parallel()
		// A store without LoadTouch refreshes by a Replace of the loaded
		// bytes, after the load: that is the write that fails.
		e := start(t, h, Routes{"/set": setter("a", 1), "/read": show}, storeAs(plain), due)
		cookie, record := storedSession(t, e, "/set")
		e.store.failSave.Store(true)
		if r := e.getWith("/read", cookie.Value); r.status != http.StatusInternalServerError {
			t.Errorf("GET /read with a failing refresh = %d, want 500", r.status)
		}
		checkRecord(t, e, cookie, record, "refresh failure")
		checkErrs(t, e, sessions.ErrStoreSave, "refresh failure")
	})
	t.Run("Destroy", func(t *testing.T) {
		t.Parallel()
		e := start(t, h, Routes{"/set": setter("a", 1), "/destroy": destroy})
		cookie, record := storedSession(t, e, "/set")
		e.store.failDelete.Store(true)
		if r := e.getWith("/destroy", cookie.Value); r.status != http.StatusInternalServerError {
			t.Errorf("GET /destroy with a failing Delete = %d, want 500", r.status)
		}
		checkRecord(t, e, cookie, record, "delete failure")
		checkErrs(t, e, sessions.ErrStoreSave, "delete failure")
	})
}

// nullChecks reads a null session through every lookup, then writes to it
// and reports the panic's message.
func nullChecks(t *testing.T, x Exchange, want error) error {
	var panics []string
	for _, l := range x.Lookups() {
		s := sessions.Get(l)
		if s == nil {
			t.Fatalf("sessions.Get(%T) = nil", l)
		}
		if err := s.Err(); !errors.Is(err, want) {
			t.Errorf("sessions.Get(%T).Err() = %v, want %v", l, err, want)
		}
		if _, ok := s.Get("a"); ok || s.Len() != 0 || len(s.Keys()) != 0 || s.Has("a") {
			t.Errorf("sessions.Get(%T) reads something from a null session", l)
		}
		func() {
			defer func() { panics = append(panics, fmt.Sprint(recover())) }()
			s.Set("a", 1)
		}()
	}
	return x.Write(strings.Join(panics, "\n"))
}

// testNoMiddleware checks what sessions.Get gives a handler served without
// the middleware: an empty session whose Err is ErrNoMiddleware and whose
// first write panics with a message naming the middleware.
func testNoMiddleware(t *testing.T, h Harness) {
	srv := h.New(t, nil, Routes{"/null": func(x Exchange) error { return nullChecks(t, x, sessions.ErrNoMiddleware) }})
	e := &env{t: t, srv: httptest.NewServer(srv)}
	t.Cleanup(e.srv.Close)
	r := e.getWith("/null", "")
	if r.status != http.StatusOK {
		t.Fatalf("GET /null = %d %q", r.status, r.body)
	}
	for _, msg := range strings.Split(r.body, "\n") {
		if msg != sessions.ErrNoMiddleware.Error() || !strings.Contains(msg, "New(cfg)") {
			t.Errorf("writing without the middleware panicked with %q, want %q", msg, sessions.ErrNoMiddleware)
		}
	}
	if r.cookie != nil || r.varyCookie() {
		t.Errorf("a handler without the middleware sent Set-Cookie %v, Vary %q", r.cookie, r.header.Values("Vary"))
	}
}

// testNilStore checks Flask-Session's null session: Config.Store nil reads
// empty and panics on write with ErrNoStore's message.
func testNilStore(t *testing.T, h Harness) {
	e := start(t, h, Routes{"/null": func(x Exchange) error { return nullChecks(t, x, sessions.ErrNoStore) }},
		with(func(c *sessions.Config) { c.Store = nil }))
	r := e.getWith("/null", randomID(t))
	if r.status != http.StatusOK {
		t.Fatalf("GET /null = %d %q", r.status, r.body)
	}
	for _, msg := range strings.Split(r.body, "\n") {
		if msg != sessions.ErrNoStore.Error() || !strings.Contains(msg, "Config.Store") {
			t.Errorf("writing with a nil Store panicked with %q, want %q", msg, sessions.ErrNoStore)
		}
	}
	if r.cookie != nil || r.varyCookie() {
		t.Errorf("a nil Store sent Set-Cookie %v, Vary %q", r.cookie, r.header.Values("Vary"))
	}
	if len(e.errs.all()) != 0 {
		t.Errorf("ErrorHandler got %v", e.errs.all())
	}
}

// testInvalidConfig builds the middleware with bad Configs: it must panic at
// once, naming the field to change.
func testInvalidConfig(t *testing.T, h Harness) {
	cases := []struct {
		field string
		cfg   func(*sessions.Config)
	}{
		{"SecretKey", func(c *sessions.Config) { c.SecretKey = []byte("short") }},
		{"SecretKeyFallbacks", func(c *sessions.Config) { c.SecretKey = nil; c.SecretKeyFallbacks = [][]byte{testKey} }},
		{"SecretKeyFallbacks[0]", func(c *sessions.Config) { c.SecretKeyFallbacks = [][]byte{[]byte("short")} }},
		{"Cookie.Secure", func(c *sessions.Config) { c.Cookie.SameSite = http.SameSiteNoneMode }},
		{"Cookie.Partitioned", func(c *sessions.Config) { c.Cookie.Partitioned = true }},
		{"Cookie.Name", func(c *sessions.Config) { c.Cookie.Name = "my session" }},
		{"Cookie.Path", func(c *sessions.Config) { c.Cookie.Path = "/;evil" }},
		{"IDLength", func(c *sessions.Config) { c.IDLength = 8 }},
		{"Lifetime", func(c *sessions.Config) { c.Lifetime = 1 }},
		{"AbsoluteTimeout", func(c *sessions.Config) { c.AbsoluteTimeout = -1 }},
		{"FlaskSigner", func(c *sessions.Config) { c.SecretKey = nil; c.FlaskSigner = true }},
	}
	for _, tc := range cases {
		cfg := sessions.Config{Store: newStore(t).as(loadToucher), SecretKey: testKey}
		tc.cfg(&cfg)
		msg := func() (msg string) {
			defer func() {
				if r := recover(); r != nil {
					msg = fmt.Sprint(r)
				}
			}()
			h.New(t, &cfg, Routes{"/": untouched})
			return ""
		}()
		if msg == "" {
			t.Errorf("%s: the middleware accepted an invalid Config", tc.field)
		} else if !strings.Contains(msg, tc.field) {
			t.Errorf("%s: the panic %q does not name the field", tc.field, msg)
		}
	}
}

// testNullFlashes reads flashes from null sessions, as a layout that shows
// them on every page does. Taking nothing changes nothing, so it is a read:
// it must return none, not panic (Flask's get_flashed_messages returns []
// from its NullSession).
func testNullFlashes(t *testing.T, h Harness) {
	check := func(x Exchange) error {
		var problems []string
		for _, l := range x.Lookups() {
			func() {
				defer func() {
					if r := recover(); r != nil {
						problems = append(problems, fmt.Sprintf("sessions.Get(%T).Flashes() panicked: %v", l, r))
					}
				}()
				if f := sessions.Get(l).Flashes(); len(f) != 0 {
					problems = append(problems, fmt.Sprintf("sessions.Get(%T).Flashes() = %v", l, f))
				}
			}()
		}
		return x.Write(strings.Join(problems, "\n"))
	}
	nilStore := start(t, h, Routes{"/flashes": check}, with(func(c *sessions.Config) { c.Store = nil }))
	if r := nilStore.getWith("/flashes", ""); r.status != http.StatusOK || r.body != "" {
		t.Errorf("nil Store: GET /flashes = %d %q", r.status, r.body)
	}
	bare := &env{t: t, srv: httptest.NewServer(h.New(t, nil, Routes{"/flashes": check}))}
	t.Cleanup(bare.srv.Close)
	if r := bare.getWith("/flashes", ""); r.status != http.StatusOK || r.body != "" {
		t.Errorf("no middleware: GET /flashes = %d %q", r.status, r.body)
	}
}
