package sessions

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/serversession/serversession/internal/numconv"
)

var errDown = errors.New("store is down")

// A store failure on load is reported by Err (wrapping
// ErrStoreLoad); writes are ignored and the session is never saved over the
// record; the default ErrorHandler answers 500 in place of the handler.
func TestLoadFailure(t *testing.T) {
	for _, wrap := range []func(*testStore) Store{nil, withLoadTouch} {
		h := newHarness(t, wrap, nil)
		cookie := h.login(map[string]any{"user_id": 1})
		before, _ := h.store.get("session:" + cookie.Value)
		h.store.failLoad = errDown

		resp := h.serve(func(w http.ResponseWriter, _ *http.Request, s *Session) {
			if _, ok := s.Get("user_id"); ok {
				t.Error("a failed load returned data")
			}
			err := s.Err()
			if !errors.Is(err, ErrStoreLoad) || !errors.Is(err, errDown) {
				t.Errorf("Err() = %v, want ErrStoreLoad wrapping the store's error", err)
			}
			s.Set("user_id", 2)
			s.AddFlash("x")
			s.Regenerate()
			s.Destroy()
			s.Clear()
			s.SetPermanent(false)
			s.MarkModified()
			if _, ok := s.Get("user_id"); ok || s.Len() != 0 {
				t.Error("a write to a read-only session took effect")
			}
			if s.ID() != "" {
				t.Errorf("ID() = %q for a session that failed to load", s.ID())
			}
			if s.Flashes() != nil {
				t.Error("Flashes on a failed session")
			}
			w.Write([]byte("handler output"))
		}, cookie)

		if resp.Code != http.StatusInternalServerError || strings.Contains(resp.Body.String(), "handler output") {
			t.Errorf("response %d %q, want the ErrorHandler's 500 alone", resp.Code, resp.Body)
		}
		if n := h.store.count("save") + h.store.count("delete"); n != 0 {
			t.Errorf("store calls %v after a failed load", h.store.order)
		}
		if after, _ := h.store.get("session:" + cookie.Value); string(after) != string(before) {
			t.Error("record changed")
		}
		if got := resp.Header().Values("Set-Cookie"); len(got) != 0 {
			t.Errorf("Set-Cookie %q after a failed load", got)
		}
		if errs := h.errs.list(); len(errs) != 1 || !errors.Is(errs[0], ErrStoreLoad) {
			t.Errorf("ErrorHandler got %v", errs)
		}
		if !strings.Contains(h.log.String(), "level=ERROR") || !strings.Contains(h.log.String(), errDown.Error()) {
			t.Errorf("failure not logged: %s", h.log)
		}
	}
}

// With IgnoreErrors the request goes on with an empty, read-only
// session, and still nothing is saved; the error is logged.
func TestLoadFailureIgnored(t *testing.T) {
	h := newHarness(t, nil, func(c *Config) { c.ErrorHandler = IgnoreErrors })
	cookie := h.login(map[string]any{"user_id": 1})
	h.store.failLoad = errDown
	resp := h.serve(func(w http.ResponseWriter, _ *http.Request, s *Session) {
		s.Set("user_id", 2)
		w.WriteHeader(http.StatusTeapot)
		w.Write([]byte("still here"))
		s.Set("late", 1)
	}, cookie)
	if resp.Code != http.StatusTeapot || resp.Body.String() != "still here" {
		t.Errorf("response %d %q, want the handler's", resp.Code, resp.Body)
	}
	if h.store.count("save") != 0 || h.store.count("delete") != 0 {
		t.Errorf("store calls %v", h.store.order)
	}
	if !varies(resp.Header()) {
		t.Error("no Vary on an accessed session")
	}
	if !strings.Contains(h.log.String(), errDown.Error()) {
		t.Errorf("not logged: %s", h.log)
	}
}

// A store failure on save before the headers answers 500 by
// default, sets no cookie and is logged; the ErrorHandler runs once.
func TestSaveFailure(t *testing.T) {
	for _, existing := range []bool{false, true} {
		h := newHarness(t, nil, nil)
		var cookie *http.Cookie
		if existing {
			cookie = h.login(map[string]any{"a": 1})
		}
		h.store.failSave = errDown
		resp := h.serve(func(w http.ResponseWriter, _ *http.Request, s *Session) {
			s.Set("a", 2)
			w.Write([]byte("handler output"))
		}, cookie)
		if resp.Code != http.StatusInternalServerError || strings.Contains(resp.Body.String(), "handler output") {
			t.Errorf("existing=%v: response %d %q, want 500", existing, resp.Code, resp.Body)
		}
		if got := resp.Header().Values("Set-Cookie"); len(got) != 0 {
			t.Errorf("existing=%v: Set-Cookie %q after a failed save", existing, got)
		}
		errs := h.errs.list()
		if len(errs) != 1 || !errors.Is(errs[0], ErrStoreSave) || !errors.Is(errs[0], errDown) {
			t.Errorf("existing=%v: ErrorHandler got %v, want one ErrStoreSave", existing, errs)
		}
		if n := h.store.count("save"); n != 1 {
			t.Errorf("existing=%v: %d saves, want 1", existing, n)
		}
		if !strings.Contains(h.log.String(), errDown.Error()) {
			t.Errorf("existing=%v: not logged: %s", existing, h.log)
		}
	}
}

// A save that fails after the headers went out is logged and
// handed to the ErrorHandler, which can no longer change the response.
func TestSaveFailureAfterHeaders(t *testing.T) {
	h := newHarness(t, nil, nil)
	cookie := h.login(map[string]any{"a": 1})
	h.store.failSave = errDown
	resp := h.serve(func(w http.ResponseWriter, _ *http.Request, s *Session) {
		w.Write([]byte("body"))
		s.Set("a", 2)
	}, cookie)
	if resp.Code != http.StatusOK || resp.Body.String() != "body" {
		t.Errorf("response %d %q", resp.Code, resp.Body)
	}
	if errs := h.errs.list(); len(errs) != 1 || !errors.Is(errs[0], ErrStoreSave) {
		t.Errorf("ErrorHandler got %v", errs)
	}
}

// A failed TTL refresh (on a store without LoadTouch, a Replace of the
// bytes loaded) is a failed save.
func TestRefreshFailure(t *testing.T) {
	h := newHarness(t, nil, nil)
	cookie := h.login(map[string]any{"a": 1})
	h.now = h.now.Add(2 * time.Minute) // past the RefreshInterval
	h.store.failSave = errDown
	resp := h.serve(read("a"), cookie)
	if resp.Code != http.StatusInternalServerError {
		t.Errorf("status %d, want 500", resp.Code)
	}
	if errs := h.errs.list(); len(errs) != 1 || !errors.Is(errs[0], ErrStoreSave) {
		t.Errorf("ErrorHandler got %v", errs)
	}
	if resp.sessionCookie() != nil {
		t.Error("cookie refreshed although the record was not")
	}
}

// The session ID is a bearer credential: it never reaches the log, even
// when a store's error message quotes its key.
func TestLogsNeverHoldTheSessionID(t *testing.T) {
	h := newHarness(t, nil, func(c *Config) { c.SecretKey = testKey })
	cookie := h.login(map[string]any{"a": 1})
	id := h.idOf(cookie)
	h.store.failSave = fmt.Errorf("teststore: save %q: %w", "session:"+id, errDown)
	h.serve(func(_ http.ResponseWriter, _ *http.Request, s *Session) {
		s.Regenerate()
		s.Set("a", 2)
	}, cookie)
	h.store.failSave = nil
	h.store.failLoad = fmt.Errorf("teststore: load %q: %w", "session:"+id, errDown)
	h.serve(read("a"), cookie)
	log := h.log.String()
	if strings.Count(log, errDown.Error()) != 2 {
		t.Fatalf("want two failures logged: %s", log)
	}
	if strings.Contains(log, id) || strings.Contains(log, id[:16]) {
		t.Errorf("the session ID is in the log:\n%s", log)
	}
	// Nor is it in what the ErrorHandler gets (and may log), which still
	// unwraps to the store's error.
	errs := h.errs.list()
	if len(errs) != 2 {
		t.Fatalf("ErrorHandler got %v, want 2 errors", errs)
	}
	for _, err := range errs {
		if strings.Contains(err.Error(), id) || !errors.Is(err, errDown) {
			t.Errorf("ErrorHandler got %q", err)
		}
	}
}

// A corrupt record (truncated, garbage, another codec) gives a
// fresh session under a new ID; it is logged, and the record left alone (a
// service on another codec may own it).
func TestCorruptRecord(t *testing.T) {
	for name, data := range map[string][]byte{
		"garbage":   []byte("\xc1\xc1\xc1"),
		"truncated": []byte("\x82\xa1a\x01"),
		"json":      []byte(`{"a":1}`),
		"not a map": []byte("\x93\x01\x02\x03"),
	} {
		t.Run(name, func(t *testing.T) {
			h := newHarness(t, withLoadTouch, nil)
			id := newID(32)
			h.store.put("session:"+id, data)
			cookie := &http.Cookie{Name: "session", Value: id}

			resp := h.serve(func(_ http.ResponseWriter, _ *http.Request, s *Session) {
				if !s.IsNew() || s.Len() != 0 || s.Err() != nil {
					t.Errorf("IsNew %v, Len %d, Err %v; want a fresh session", s.IsNew(), s.Len(), s.Err())
				}
			}, cookie)
			if got, _ := h.store.get("session:" + id); !bytes.Equal(got, data) {
				t.Errorf("the record became %q; one that does not decode is left for whoever wrote it", got)
			}
			if resp.Code != http.StatusOK || len(h.errs.list()) != 0 {
				t.Errorf("status %d, errors %v", resp.Code, h.errs.list())
			}
			log := h.log.String()
			if !strings.Contains(log, "does not decode") || !strings.Contains(log, "level=WARN") {
				t.Errorf("not logged: %s", log)
			}
			if strings.Contains(log, id) {
				t.Errorf("log holds the session ID: %s", log)
			}

			// A write saves under a new ID.
			h.store.put("session:"+id, data)
			resp = h.serve(func(_ http.ResponseWriter, _ *http.Request, s *Session) { s.Set("a", 1) }, cookie)
			if c := resp.sessionCookie(); c == nil || c.Value == id {
				t.Errorf("cookie %v, want a new ID", c)
			}
			if got, _ := h.store.get("session:" + id); !bytes.Equal(got, data) {
				t.Errorf("the record became %q; one that does not decode is left for whoever wrote it", got)
			}
		})
	}
}

// Null behaviour: Get without the middleware returns a session
// whose reads are empty and whose first write panics naming the fix.
func TestNullSessionWithoutMiddleware(t *testing.T) {
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	for _, c := range []any{nil, req, req.Context(), context.Background(), echoLike{req}} {
		s := Get(c)
		if s == nil {
			t.Fatalf("Get(%T) = nil", c)
		}
		checkNull(t, s, ErrNoMiddleware, "ginsession.New(cfg)")
	}
}

// A nil Store is Flask-Session's null session: a warning at New,
// empty reads, a panic naming the fix on write, nothing at commit.
func TestNullSessionWithoutStore(t *testing.T) {
	log := &logBuffer{}
	h := newHarness(t, nil, nil)
	h.store = nil
	cfg := h.m.cfg
	cfg.Store = nil
	cfg.Logger = newTextLogger(log)
	m, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(log.String(), "Config.Store is nil") {
		t.Errorf("no warning at New: %q", log)
	}
	h.m = m
	resp := h.serve(func(w http.ResponseWriter, r *http.Request, s *Session) {
		if Get(r) != s {
			t.Error("Get(r) is not the request's session")
		}
		checkNull(t, s, ErrNoStore, "memstore.New()")
		w.Write([]byte("ok"))
	}, &http.Cookie{Name: "session", Value: newID(32)})
	if len(resp.Header()["Set-Cookie"]) != 0 || len(resp.Header()["Vary"]) != 0 || resp.Code != http.StatusOK {
		t.Errorf("null session response: %d %v", resp.Code, resp.Header())
	}
}

func checkNull(t *testing.T, s *Session, reason error, fix string) {
	t.Helper()
	if _, ok := s.Get("a"); ok || s.Has("a") || s.Len() != 0 || len(s.Keys()) != 0 || s.ID() != "" || s.IsNew() {
		t.Error("null session reads are not empty")
	}
	if _, ok := Value[int](s, "a"); ok {
		t.Error("Value on a null session")
	}
	// Taking no flashes is a read, as in Flask's NullSession: a layout that
	// shows flashes on every page must not panic.
	if f := s.Flashes(); f != nil {
		t.Errorf("Flashes on a null session = %v", f)
	}
	if !errors.Is(s.Err(), reason) {
		t.Errorf("Err() = %v, want %v", s.Err(), reason)
	}
	for name, write := range map[string]func(){
		"Set":          func() { s.Set("a", 1) },
		"Delete":       func() { s.Delete("a") },
		"Pop":          func() { s.Pop("a") },
		"Clear":        func() { s.Clear() },
		"SetPermanent": func() { s.SetPermanent(false) },
		"MarkModified": func() { s.MarkModified() },
		"Regenerate":   func() { s.Regenerate() },
		"Destroy":      func() { s.Destroy() },
		"AddFlash":     func() { s.AddFlash("x") },
	} {
		func() {
			defer func() {
				msg := fmt.Sprint(recover())
				if !strings.Contains(msg, fix) {
					t.Errorf("%s on a null session: panic %q, want one naming %q", name, msg, fix)
				}
			}()
			write()
		}()
	}
	// The session is still usable after a recovered panic: the lock was
	// released.
	s.Get("a")
}

// echoLike has echo.Context's Request method.
type echoLike struct{ r *http.Request }

func (e echoLike) Request() *http.Request { return e.r }

// ginLike is a context.Context whose Value knows nothing of the request's
// context, as *gin.Context without ContextWithFallback. Like ginsession,
// the test teaches Get where it keeps the request, with RegisterContext.
type ginLike struct {
	context.Context
	Request *http.Request
}

func (ginLike) Value(any) any { return nil }

func init() {
	RegisterContext(func(c ginLike) *http.Request { return c.Request })
}

// Get finds the session from a *http.Request, a context.Context,
// an echo.Context and a gin context.
func TestGetFindsTheSession(t *testing.T) {
	h := newHarness(t, nil, nil)
	h.serve(func(_ http.ResponseWriter, r *http.Request, s *Session) {
		for name, c := range map[string]any{
			"request": r,
			"context": r.Context(),
			"derived": context.WithValue(r.Context(), struct{}{}, 1),
			"echo":    echoLike{r},
			"gin":     ginLike{context.Background(), r},
		} {
			if got := Get(c); got != s {
				t.Errorf("Get(%s) did not find the session", name)
			}
		}
		if got, ok := FromContext(r.Context()); !ok || got != s {
			t.Error("FromContext")
		}
	})
}

// Get with a value of a type it does not know gives a null session whose
// Err, and the panic of its first write, name that type and what Get takes;
// it does not claim the middleware is missing.
func TestGetOfAnUnknownType(t *testing.T) {
	for _, c := range []any{"a string", 42, struct{ W http.ResponseWriter }{}} {
		s := Get(c)
		err := s.Err()
		if err == nil || errors.Is(err, ErrNoMiddleware) || !strings.Contains(err.Error(), fmt.Sprintf("%T", c)) ||
			!strings.Contains(err.Error(), "RegisterContext") {
			t.Errorf("Get(%T).Err() = %v, want an error naming the type and RegisterContext", c, err)
		}
		func() {
			defer func() {
				if v := recover(); v == nil || !strings.Contains(fmt.Sprint(v), fmt.Sprintf("%T", c)) {
					t.Errorf("Set on Get(%T): panic %v, want one naming the type", c, v)
				}
			}()
			s.Set("k", 1)
		}()
	}
	if !errors.Is(Get(nil).Err(), ErrNoMiddleware) {
		t.Error("Get(nil) is not the no-middleware null session")
	}
}

// A read through Get of an unknown type is logged, once per type, naming
// the type and the contexts Get takes, Echo v5's among them: a read that
// finds nothing is not left unexplained.
func TestGetOfAnUnknownTypeIsLogged(t *testing.T) {
	var log bytes.Buffer
	defer slog.SetDefault(slog.Default())
	slog.SetDefault(slog.New(slog.NewTextHandler(&log, nil)))
	type responseLike struct{ http.ResponseWriter }
	for range 3 {
		if _, ok := Value[string](Get(responseLike{}), "user"); ok {
			t.Fatal("a read through an unknown type found a value")
		}
	}
	out := log.String()
	if n := strings.Count(out, "level=WARN"); n != 1 {
		t.Errorf("%d log lines for three reads, want 1:\n%s", n, out)
	}
	for _, want := range []string{"sessions.responseLike", "*echo.Context", "RegisterContext"} {
		if !strings.Contains(out, want) {
			t.Errorf("the log does not name %q:\n%s", want, out)
		}
	}
}

// Absolute timeout, as OWASP recommends: a session ends AbsoluteTimeout after
// its creation whatever its activity; the TTL and the cookie never outlive
// it.
func TestAbsoluteTimeout(t *testing.T) {
	h := newHarness(t, nil, func(c *Config) {
		c.AbsoluteTimeout = time.Hour
		c.Lifetime = 24 * time.Hour
	})
	created := h.now
	cookie := h.login(map[string]any{"a": 1})
	if got := createdOf(h.record(cookie.Value)); got != created.Unix() {
		t.Errorf("_created = %v, want %d", got, created.Unix())
	}
	if ttl := h.store.ttl["session:"+cookie.Value]; ttl != time.Hour {
		t.Errorf("TTL of a new session %v, want the 1h left", ttl)
	}

	// Half way: the refresh is capped at what is left.
	h.now = created.Add(40 * time.Minute)
	resp := h.serve(read("a"), cookie)
	if ttl := h.store.ttl["session:"+cookie.Value]; ttl != 20*time.Minute {
		t.Errorf("TTL after refresh %v, want 20m", ttl)
	}
	if c := resp.sessionCookie(); c == nil || c.MaxAge != 20*60 || !c.Expires.Equal(created.Add(time.Hour)) {
		t.Errorf("refreshed cookie %v, want Max-Age 1200", c)
	}

	// Keys reserved for metadata are not user values.
	h.serve(func(_ http.ResponseWriter, _ *http.Request, s *Session) {
		if s.Has("_created") || s.Has("_permanent") {
			t.Errorf("metadata visible as values: %v", s.Keys())
		}
	}, cookie)

	// Past the limit: a new session, the old record deleted.
	h.now = created.Add(time.Hour)
	h.store.resetCounts()
	resp = h.serve(func(_ http.ResponseWriter, _ *http.Request, s *Session) {
		if !s.IsNew() || s.Has("a") {
			t.Error("an expired session was loaded")
		}
		s.Set("b", 2)
	}, cookie)
	c := resp.sessionCookie()
	if c == nil || c.Value == cookie.Value {
		t.Fatalf("cookie %v, want a new ID", c)
	}
	if _, ok := h.store.get("session:" + cookie.Value); ok {
		t.Error("the expired record was not deleted")
	}
	if got := createdOf(h.record(c.Value)); got != h.now.Unix() {
		t.Errorf("new session _created %v, want %d", got, h.now.Unix())
	}
}

// AbsoluteTimeout turned on for records saved without a creation time starts
// their clock now (one rewrite); Destroy followed by new data starts a new
// clock.
func TestAbsoluteTimeoutStartsClock(t *testing.T) {
	h := newHarness(t, withLoadTouch, func(c *Config) { c.AbsoluteTimeout = time.Hour })
	id := newID(32)
	data, _ := Msgpack.Marshal(map[string]any{"a": 1, "_permanent": true})
	h.store.put("session:"+id, data)
	h.serve(read("a"), &http.Cookie{Name: "session", Value: id})
	if got := createdOf(h.record(id)); got != h.now.Unix() {
		t.Errorf("_created = %v, want now", got)
	}

	cookie := h.login(map[string]any{"user": "ann"})
	h.now = h.now.Add(30 * time.Minute)
	resp := h.serve(func(_ http.ResponseWriter, _ *http.Request, s *Session) {
		s.Destroy()
		s.Set("fresh", true)
	}, cookie)
	c := resp.sessionCookie()
	if c == nil {
		t.Fatal("no cookie")
	}
	if got := createdOf(h.record(c.Value)); got != h.now.Unix() {
		t.Errorf("after Destroy, new session _created = %v, want %d", got, h.now.Unix())
	}
}

func createdOf(rec map[string]any) int64 {
	n, _ := numconv.Int64(rec["_created"])
	return n
}

// A record that cannot be deleted (Destroy, Regenerate) is a
// failed save: reported, 500 by default, logged.
func TestDeleteFailure(t *testing.T) {
	for _, op := range []string{"Destroy", "Regenerate"} {
		h := newHarness(t, nil, nil)
		cookie := h.login(map[string]any{"a": 1})
		h.store.failDelete = errDown
		resp := h.serve(func(_ http.ResponseWriter, _ *http.Request, s *Session) {
			if op == "Destroy" {
				s.Destroy()
			} else {
				s.Regenerate()
			}
		}, cookie)
		if errs := h.errs.list(); len(errs) != 1 || !errors.Is(errs[0], ErrStoreSave) || !errors.Is(errs[0], errDown) {
			t.Errorf("%s: ErrorHandler got %v", op, errs)
		}
		if resp.Code != http.StatusInternalServerError {
			t.Errorf("%s: status %d", op, resp.Code)
		}
		// Regenerate deletes the old record only if it is unchanged (see
		// leaveMoved); Destroy deletes it whatever it holds.
		want := map[string]string{"Destroy": "delete", "Regenerate": "deleteif"}[op]
		if n := h.store.count(want); n != 1 {
			t.Errorf("%s: %d %s calls, want 1", op, n, want)
		}
	}
}

// An ErrorHandler's answer replaces the handler's response, headers
// included: a 500 must not go out cacheable, redirecting or setting the
// handler's cookies. Vary stays. The ErrorHandler finds the session with Get.
func TestErrorResponseDropsHandlerHeaders(t *testing.T) {
	var found *Session
	h := newHarness(t, nil, func(c *Config) {
		c.ErrorHandler = func(w http.ResponseWriter, r *http.Request, err error) {
			found = Get(r)
			DefaultErrorHandler(w, r, err)
		}
	})
	h.store.failSave = errDown
	var opened *Session
	resp := h.serve(func(w http.ResponseWriter, _ *http.Request, s *Session) {
		opened = s
		w.Header().Set("Cache-Control", "public, max-age=3600")
		w.Header().Set("Location", "/next")
		w.Header().Add("Set-Cookie", "theme=dark")
		s.Set("a", 1)
		w.WriteHeader(http.StatusFound)
	})
	if resp.Code != http.StatusInternalServerError {
		t.Fatalf("status %d, want 500", resp.Code)
	}
	for _, name := range []string{"Cache-Control", "Location", "Set-Cookie"} {
		if v := resp.Header().Values(name); len(v) != 0 {
			t.Errorf("the 500 carries the handler's %s: %q", name, v)
		}
	}
	if v := resp.Header().Get("Vary"); v != "Cookie" {
		t.Errorf("Vary = %q, want Cookie", v)
	}
	if found != opened {
		t.Errorf("Get(r) in the ErrorHandler = %p, want the request's session %p", found, opened)
	}
}

// With IgnoreErrors the handler's own headers go out untouched.
func TestIgnoredErrorKeepsHandlerHeaders(t *testing.T) {
	h := newHarness(t, nil, func(c *Config) { c.ErrorHandler = IgnoreErrors })
	h.store.failSave = errDown
	resp := h.serve(func(w http.ResponseWriter, _ *http.Request, s *Session) {
		w.Header().Set("Cache-Control", "no-store")
		s.Set("a", 1)
		w.WriteHeader(http.StatusAccepted)
	})
	if resp.Code != http.StatusAccepted || resp.Header().Get("Cache-Control") != "no-store" {
		t.Errorf("response %d %v, want the handler's 202 with its headers", resp.Code, resp.Header())
	}
}

// A load that fails after the headers went out (the handler
// first used its session while streaming) is reported, not dropped.
func TestLoadFailureAfterHeaders(t *testing.T) {
	h := newHarness(t, nil, nil)
	cookie := h.login(map[string]any{"a": 1})
	h.store.failLoad = errDown
	h.serve(func(w http.ResponseWriter, _ *http.Request, s *Session) {
		w.Write([]byte("streaming"))
		s.Set("a", 2)
		if !errors.Is(s.Err(), ErrStoreLoad) {
			t.Errorf("Err() = %v", s.Err())
		}
	}, cookie)
	if errs := h.errs.list(); len(errs) != 1 || !errors.Is(errs[0], ErrStoreLoad) {
		t.Errorf("ErrorHandler got %v, want one ErrStoreLoad", errs)
	}
	if !strings.Contains(h.log.String(), errDown.Error()) {
		t.Errorf("not logged: %s", h.log)
	}
	h.store.failLoad = nil
	h.serve(func(_ http.ResponseWriter, _ *http.Request, s *Session) {
		if n, _ := Value[int](s, "a"); n != 1 {
			t.Errorf("a = %d after the failed request; the record must be unchanged", n)
		}
	}, cookie)
}

// A write after the request ended (a goroutine that outlived its handler)
// cannot be saved; it is logged instead of dropped in silence.
func TestWriteAfterFinishIsLogged(t *testing.T) {
	h := newHarness(t, nil, nil)
	var kept *Session
	cookie := h.serve(func(_ http.ResponseWriter, _ *http.Request, s *Session) {
		s.Set("a", 1)
		kept = s
	}).sessionCookie()
	saves := h.store.count("save")
	kept.Set("b", 2)
	if h.store.count("save") != saves {
		t.Error("a write after Finish reached the store")
	}
	if !strings.Contains(h.log.String(), "after the request ended") {
		t.Errorf("the late write was not logged: %s", h.log)
	}
	h.serve(func(_ http.ResponseWriter, _ *http.Request, s *Session) {
		if s.Has("b") || !s.Has("a") {
			t.Errorf("keys after the late write: %v", s.Keys())
		}
	}, cookie)
}

// A zero Session, which no middleware opened, is a null session rather than
// a nil dereference.
func TestZeroSessionIsNull(t *testing.T) {
	var s Session
	checkNull(t, &s, ErrNoMiddleware, "ginsession.New(cfg)")
}

// A value the Codec cannot encode is reported as ErrEncode, never as a
// store failure: on every path that encodes (a new session's create, a
// loaded one's replace, the commit's check for values changed in place,
// and a save after the headers), the ErrorHandler hears it once (500 by
// default before the headers), it is logged, and nothing reaches the store.
func TestUnencodableValue(t *testing.T) {
	type step struct {
		name     string
		existing bool // the request loads a stored session
		codecs   []Codec
		handler  func(w http.ResponseWriter, s *Session)
		headers  bool // the value is set after the headers went out
	}
	both := []Codec{Msgpack, JSON}
	steps := []step{
		{name: "new session", codecs: both, handler: func(_ http.ResponseWriter, s *Session) {
			s.Set("c", make(chan int))
		}},
		{name: "loaded session", existing: true, codecs: both, handler: func(_ http.ResponseWriter, s *Session) {
			s.Set("f", func() {})
		}},
		{name: "changed in place", existing: true, codecs: both, handler: func(_ http.ResponseWriter, s *Session) {
			m, _ := Value[map[string]any](s, "m")
			m["c"] = make(chan int)
		}},
		{name: "after the headers", existing: true, codecs: both, headers: true, handler: func(w http.ResponseWriter, s *Session) {
			w.Write([]byte("body"))
			s.Set("c", make(chan int))
		}},
		{name: "NaN", codecs: []Codec{JSON}, handler: func(_ http.ResponseWriter, s *Session) {
			s.Set("n", math.NaN())
		}},
	}
	for _, st := range steps {
		for _, codec := range st.codecs {
			name := fmt.Sprintf("%s/%T", st.name, codec)
			h := newHarness(t, nil, func(c *Config) { c.Codec = codec })
			var cookie *http.Cookie
			var before []byte
			if st.existing {
				cookie = h.login(map[string]any{"m": map[string]any{"a": "b"}})
				before, _ = h.store.get(DefaultKeyPrefix + h.idOf(cookie))
			}
			resp := h.serve(func(w http.ResponseWriter, _ *http.Request, s *Session) { st.handler(w, s) }, cookie)
			errs := h.errs.list()
			if len(errs) != 1 || !errors.Is(errs[0], ErrEncode) || errors.Is(errs[0], ErrStoreSave) {
				t.Errorf("%s: ErrorHandler got %v, want one ErrEncode and no ErrStoreSave", name, errs)
			}
			if len(errs) == 1 && !strings.HasPrefix(errs[0].Error(), ErrEncode.Error()+": ") {
				t.Errorf("%s: error %q does not start with ErrEncode's text", name, errs[0])
			}
			wantCode := http.StatusInternalServerError
			if st.headers {
				wantCode = http.StatusOK
			}
			if resp.Code != wantCode {
				t.Errorf("%s: status %d, want %d", name, resp.Code, wantCode)
			}
			if n := h.store.count("save"); n != 0 {
				t.Errorf("%s: store calls %v, want no save", name, h.store.order)
			}
			if got := resp.Header().Values("Set-Cookie"); len(got) != 0 {
				t.Errorf("%s: Set-Cookie %q for a session not saved", name, got)
			}
			if !strings.Contains(h.log.String(), "cannot be encoded by the Codec") {
				t.Errorf("%s: not logged: %s", name, h.log)
			}
			if st.existing {
				if after, _ := h.store.get(DefaultKeyPrefix + h.idOf(cookie)); !bytes.Equal(after, before) {
					t.Errorf("%s: record changed to %q", name, after)
				}
			}
		}
	}
}

// A record over MaxRecordSize is refused before any store call: the save
// fails with ErrTooLarge (500 by default), the stored record is kept, and no
// cookie names a session that was not saved. Reads of a record stored
// before the limit was lowered still work; a negative limit is no limit.
func TestMaxRecordSize(t *testing.T) {
	big := strings.Repeat("x", 2<<20)
	t.Run("new session", func(t *testing.T) {
		h := newHarness(t, nil, nil)
		resp := h.serve(func(_ http.ResponseWriter, _ *http.Request, s *Session) { s.Set("big", big) })
		if errs := h.errs.list(); len(errs) != 1 || !errors.Is(errs[0], ErrTooLarge) || errors.Is(errs[0], ErrStoreSave) {
			t.Errorf("ErrorHandler got %v, want one ErrTooLarge", errs)
		}
		if resp.Code != http.StatusInternalServerError || h.store.count("save") != 0 || len(resp.Header().Values("Set-Cookie")) != 0 {
			t.Errorf("status %d, store calls %v, Set-Cookie %q; want 500, no save, no cookie", resp.Code, h.store.order, resp.Header().Values("Set-Cookie"))
		}
	})
	t.Run("loaded session", func(t *testing.T) {
		h := newHarness(t, nil, nil)
		cookie := h.login(map[string]any{"a": 1})
		before, _ := h.store.get(DefaultKeyPrefix + h.idOf(cookie))
		resp := h.serve(func(_ http.ResponseWriter, _ *http.Request, s *Session) { s.Set("big", big) }, cookie)
		if resp.Code != http.StatusInternalServerError {
			t.Errorf("status %d, want 500", resp.Code)
		}
		if after, _ := h.store.get(DefaultKeyPrefix + h.idOf(cookie)); !bytes.Equal(after, before) {
			t.Errorf("record changed to %d bytes", len(after))
		}
	})
	t.Run("lowered limit, read", func(t *testing.T) {
		st := newTestStore()
		h := newHarnessOn(t, st, nil, nil)
		cookie := h.login(map[string]any{"m": map[string]any{"a": strings.Repeat("y", 500)}})
		h2 := newHarnessOn(t, st, nil, func(c *Config) { c.MaxRecordSize = 100 })
		resp := h2.serve(read("m"), cookie)
		if resp.Code != http.StatusOK || len(h2.errs.list()) != 0 {
			t.Errorf("read of a record over a lowered limit: status %d, errors %v", resp.Code, h2.errs.list())
		}
	})
	t.Run("no limit", func(t *testing.T) {
		h := newHarness(t, nil, func(c *Config) { c.MaxRecordSize = -1 })
		resp := h.serve(func(_ http.ResponseWriter, _ *http.Request, s *Session) { s.Set("big", big) })
		if resp.Code != http.StatusOK || h.store.count("save") != 1 {
			t.Errorf("status %d, store calls %v; want 200 and the record saved", resp.Code, h.store.order)
		}
	})
}

// quotingCodec is a codec whose decode errors quote the record, as a
// third-party codec's may.
type quotingCodec struct{ Codec }

func (quotingCodec) Unmarshal(data []byte, _ any) error {
	return fmt.Errorf("quoting: cannot decode %q", data)
}

// TestUndecodableNotQuoted: the log of a record that does not decode
// names the error's type, never its message, which may quote the data.
func TestUndecodableNotQuoted(t *testing.T) {
	h := newHarness(t, withLoadTouch, func(c *Config) { c.Codec = quotingCodec{Msgpack} })
	id := newID(32)
	h.store.put("session:"+id, []byte("card-4111-1111"))
	h.serve(func(_ http.ResponseWriter, _ *http.Request, s *Session) { s.Get("a") }, &http.Cookie{Name: "session", Value: id})
	log := h.log.String()
	if !strings.Contains(log, "does not decode") || !strings.Contains(log, "error_type=") {
		t.Errorf("not logged with its error_type: %s", log)
	}
	if strings.Contains(log, "4111") || strings.Contains(log, id) {
		t.Errorf("log quotes the record or the ID: %s", log)
	}
}
