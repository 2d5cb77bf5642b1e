package echosession_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v5"
	"github.com/labstack/echo/v5/middleware"
	"github.com/serversession/serversession/backends/memstore"
	"github.com/serversession/serversession/echosession/v5"
	"github.com/serversession/serversession/sessions"
)

// newEcho returns an Echo with the session middleware over a fresh
// memstore, after the middleware mw.
func newEcho(t *testing.T, mw ...echo.MiddlewareFunc) (*echo.Echo, *memstore.Store) {
	return newEchoWith(t, echo.New(), mw...)
}

// newEchoWith is newEcho on the Echo e.
func newEchoWith(t *testing.T, e *echo.Echo, mw ...echo.MiddlewareFunc) (*echo.Echo, *memstore.Store) {
	store := memstore.New()
	t.Cleanup(func() {
		if err := store.Close(); err != nil {
			t.Errorf("memstore Close: %v", err)
		}
	})
	e.Logger = slog.New(slog.DiscardHandler)
	e.Use(mw...)
	e.Use(echosession.New(sessions.Config{Store: store, Logger: slog.New(slog.DiscardHandler)}))
	return e, store
}

// serve sends one GET to h over a real connection and returns the
// response, read whole, with its session cookie parsed by net/http.
func serve(t *testing.T, h http.Handler, path string) (*http.Response, string, *http.Cookie) {
	t.Helper()
	return do(t, h, http.MethodGet, path)
}

// do is serve with a method.
func do(t *testing.T, h http.Handler, method, path string) (*http.Response, string, *http.Cookie) {
	t.Helper()
	srv := httptest.NewServer(h)
	defer srv.Close()
	req, err := http.NewRequest(method, srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := srv.Client().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("%s %s: reading the body: %v", method, path, err)
	}
	var cookie *http.Cookie
	for _, c := range res.Cookies() {
		if c.Name == sessions.DefaultCookieName {
			cookie = c
		}
	}
	return res, string(body), cookie
}

// stored reports whether the store holds the session a cookie names.
func stored(t *testing.T, store *memstore.Store, id string) bool {
	t.Helper()
	_, found, err := store.Load(context.Background(), sessions.DefaultKeyPrefix+id)
	if err != nil {
		t.Fatal(err)
	}
	return found
}

// response returns the *echo.Response under c.Response(), failing the test
// if there is none.
func response(t *testing.T, c *echo.Context) *echo.Response {
	t.Helper()
	res, err := echo.UnwrapResponse(c.Response())
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// TestGetFromContext gets the session from Echo v5's *echo.Context, a
// struct pointer rather than v4's interface.
func TestGetFromContext(t *testing.T) {
	e, _ := newEcho(t)
	e.GET("/", func(c *echo.Context) error {
		s := sessions.Get(c)
		if err := s.Err(); err != nil {
			t.Errorf("sessions.Get(*echo.Context).Err() = %v", err)
		}
		if s != sessions.Get(c.Request()) {
			t.Error("sessions.Get(c) is not the request's session")
		}
		s.Set("a", 1)
		return c.String(http.StatusOK, "ok")
	})
	if _, body, cookie := serve(t, e, "/"); body != "ok" || cookie == nil {
		t.Errorf("GET / = %q, cookie %v", body, cookie)
	}
}

// TestRecoverOrder runs a panicking handler under Echo's Recover middleware
// placed before the session middleware (the order Echo documents) and
// after it. Before it, the 500 that Echo's HTTPErrorHandler writes for the
// recovered panic goes through the session's writer, which must not commit
// the abandoned session. After it, the panic reaches the session
// middleware as an ordinary error.
func TestRecoverOrder(t *testing.T) {
	for _, recoverFirst := range []bool{true, false} {
		var e *echo.Echo
		var store *memstore.Store
		if recoverFirst {
			e, store = newEcho(t, middleware.Recover())
		} else {
			e, store = newEcho(t)
			e.Use(middleware.Recover())
		}
		ids := make(chan string, 1)
		e.GET("/", func(c *echo.Context) error {
			s := sessions.Get(c)
			s.Set("a", 1)
			ids <- s.ID()
			panic("deliberate")
		})
		res, _, cookie := serve(t, e, "/")
		if res.StatusCode != http.StatusInternalServerError {
			t.Errorf("recover first %t: status %d, want 500", recoverFirst, res.StatusCode)
		}
		saved := stored(t, store, <-ids)
		if saved == recoverFirst || (cookie != nil) != saved {
			t.Errorf("recover first %t: saved %t, cookie %v", recoverFirst, saved, cookie)
		}
	}
}

// TestErrorAfterCommit returns an error after the response went out: the
// session committed with the response and is saved.
func TestErrorAfterCommit(t *testing.T) {
	e, store := newEcho(t)
	ids := make(chan string, 1)
	e.GET("/", func(c *echo.Context) error {
		s := sessions.Get(c)
		s.Set("a", 1)
		ids <- s.ID()
		if err := c.String(http.StatusOK, "done"); err != nil {
			return err
		}
		return errors.New("after the response")
	})
	res, body, cookie := serve(t, e, "/")
	if res.StatusCode != http.StatusOK || body != "done" || cookie == nil {
		t.Errorf("GET / = %d %q, cookie %v", res.StatusCode, body, cookie)
	}
	if !stored(t, store, <-ids) {
		t.Error("the session was not saved")
	}
}

// TestAnswers answers in each of Echo's ways after setting a value; each
// sends the session cookie.
func TestAnswers(t *testing.T) {
	answers := map[string]echo.HandlerFunc{
		"NoContent": func(c *echo.Context) error { return c.NoContent(http.StatusNoContent) },
		"JSON":      func(c *echo.Context) error { return c.JSON(http.StatusOK, map[string]int{"a": 1}) },
		"Blob":      func(c *echo.Context) error { return c.Blob(http.StatusOK, "text/plain", []byte("x")) },
		"Stream": func(c *echo.Context) error {
			return c.Stream(http.StatusOK, "text/plain", strings.NewReader("x"))
		},
		"WriteHeader": func(c *echo.Context) error { c.Response().WriteHeader(http.StatusAccepted); return nil },
		"Nothing":     func(c *echo.Context) error { return nil },
		"HTTPError":   func(c *echo.Context) error { return echo.ErrForbidden },
		"WrapHandler": echo.WrapHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			sessions.Get(r).Set("b", 2)
			fmt.Fprint(w, "x")
		})),
		"OwnBeforeHook": func(c *echo.Context) error {
			res := response(t, c)
			res.Before(func() { res.Header().Set("X-Before", "yes") })
			return c.String(http.StatusOK, "x")
		},
		"Flush":          func(c *echo.Context) error { response(t, c).Flush(); return nil },
		"FlushInterface": func(c *echo.Context) error { c.Response().(http.Flusher).Flush(); return nil },
	}
	for name, answer := range answers {
		e, _ := newEcho(t)
		e.GET("/", func(c *echo.Context) error {
			sessions.Get(c).Set("a", 1)
			return answer(c)
		})
		res, _, cookie := serve(t, e, "/")
		if cookie == nil {
			t.Errorf("%s: status %d, no session cookie", name, res.StatusCode)
		}
		if name == "OwnBeforeHook" && res.Header.Get("X-Before") != "yes" {
			t.Errorf("%s: the handler's own Before hook did not run", name)
		}
	}
}

// TestFlushRunsBeforeHooks flushes before writing anything: the headers go
// out through Response.WriteHeader, so another middleware's Before hook
// runs as well as the session's commit, and the streamed body follows.
func TestFlushRunsBeforeHooks(t *testing.T) {
	hook := func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c *echo.Context) error {
			res := response(t, c)
			res.Before(func() { res.Header().Set("X-Hook", "ran") })
			return next(c)
		}
	}
	for name, flush := range map[string]func(c *echo.Context) error{
		"Response.Flush":     func(c *echo.Context) error { response(t, c).Flush(); return nil },
		"ResponseController": func(c *echo.Context) error { return http.NewResponseController(c.Response()).Flush() },
	} {
		e, _ := newEcho(t, hook)
		e.GET("/", func(c *echo.Context) error {
			sessions.Get(c).Set("a", 1)
			c.Response().Header().Set("Content-Type", "text/event-stream")
			if err := flush(c); err != nil {
				return err
			}
			if !response(t, c).Committed {
				t.Errorf("%s: the Response is not committed after the Flush", name)
			}
			_, err := c.Response().Write([]byte("data: x\n\n"))
			return err
		})
		res, body, cookie := serve(t, e, "/")
		if cookie == nil || res.Header.Get("X-Hook") != "ran" || body != "data: x\n\n" {
			t.Errorf("%s: cookie %v, X-Hook %q, body %q", name, cookie, res.Header.Get("X-Hook"), body)
		}
	}
}

// TestHijack commits the session before the connection is handed over,
// whichever way the handler hijacks.
func TestHijack(t *testing.T) {
	for name, hijack := range map[string]func(c *echo.Context) (net.Conn, *bufio.ReadWriter, error){
		"Response.Hijack": func(c *echo.Context) (net.Conn, *bufio.ReadWriter, error) {
			return response(t, c).Hijack()
		},
		"Hijacker": func(c *echo.Context) (net.Conn, *bufio.ReadWriter, error) {
			return c.Response().(http.Hijacker).Hijack()
		},
		"ResponseController": func(c *echo.Context) (net.Conn, *bufio.ReadWriter, error) {
			return http.NewResponseController(c.Response()).Hijack()
		},
	} {
		e, store := newEcho(t)
		e.GET("/", func(c *echo.Context) error {
			s := sessions.Get(c)
			s.Set("a", 1)
			conn, buf, err := hijack(c)
			if err != nil {
				return err
			}
			defer conn.Close()
			// A hijacked connection (a WebSocket) may outlive the session's
			// usefulness by hours: the session must be saved by now.
			if !stored(t, store, s.ID()) {
				t.Errorf("%s: the session was not saved before the hijack", name)
			}
			fmt.Fprint(buf, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
			return buf.Flush()
		})
		if _, body, _ := serve(t, e, "/"); body != "ok" {
			t.Errorf("%s: body %q", name, body)
		}
	}
}

// TestResponseController reaches the server's deadlines through
// c.Response() with http.ResponseController, across the middleware's writer.
func TestResponseController(t *testing.T) {
	e, _ := newEcho(t)
	e.GET("/", func(c *echo.Context) error {
		sessions.Get(c).Set("a", 1)
		rc := http.NewResponseController(c.Response())
		if err := rc.SetWriteDeadline(time.Now().Add(time.Minute)); err != nil {
			t.Errorf("SetWriteDeadline: %v", err)
		}
		if err := rc.Flush(); err != nil {
			t.Errorf("Flush: %v", err)
		}
		return c.String(http.StatusOK, "ok")
	})
	if _, body, cookie := serve(t, e, "/"); body != "ok" || cookie == nil {
		t.Errorf("GET / = %q, cookie %v", body, cookie)
	}
}

// TestGroupMiddleware uses the middleware on one group: routes outside it
// get the null session, whose Err names the fix.
func TestGroupMiddleware(t *testing.T) {
	e := echo.New()
	app := e.Group("/app", echosession.New(sessions.Config{Store: memstore.New(memstore.WithCleanupInterval(0))}))
	app.GET("/in", func(c *echo.Context) error { sessions.Get(c).Set("a", 1); return nil })
	e.GET("/out", func(c *echo.Context) error {
		err := sessions.Get(c).Err()
		if !errors.Is(err, sessions.ErrNoMiddleware) || !strings.Contains(err.Error(), "echosession.New") {
			t.Errorf("outside the group: Err() = %v", err)
		}
		return nil
	})
	if _, _, cookie := serve(t, e, "/app/in"); cookie == nil {
		t.Error("inside the group: no session cookie")
	}
	if _, _, cookie := serve(t, e, "/out"); cookie != nil {
		t.Error("outside the group: a session cookie")
	}
}

// TestDirectWriter writes to the Response's ResponseWriter itself, past
// Echo's Response and its Before hooks: the session still commits first.
func TestDirectWriter(t *testing.T) {
	for name, answer := range map[string]func(w http.ResponseWriter) error{
		"Write": func(w http.ResponseWriter) error { _, err := w.Write([]byte("x")); return err },
		"WriteHeader": func(w http.ResponseWriter) error {
			w.WriteHeader(http.StatusAccepted)
			_, err := w.Write([]byte("x"))
			return err
		},
		"EarlyHints": func(w http.ResponseWriter) error {
			w.Header().Set("Link", "</style.css>; rel=preload")
			w.WriteHeader(http.StatusEarlyHints)
			_, err := w.Write([]byte("x"))
			return err
		},
		"ReadFrom": func(w http.ResponseWriter) error {
			_, err := io.Copy(w, strings.NewReader("x"))
			return err
		},
	} {
		e, _ := newEcho(t)
		e.GET("/", func(c *echo.Context) error {
			sessions.Get(c).Set("a", 1)
			return answer(response(t, c).ResponseWriter)
		})
		if _, body, cookie := serve(t, e, "/"); body != "x" || cookie == nil {
			t.Errorf("%s: body %q, cookie %v; want x and the session cookie", name, body, cookie)
		}
	}
}

// wrapping is a writer an earlier middleware sets with c.SetResponse that
// unwraps to the writer under it, as Echo asks of such writers.
type wrapping struct{ http.ResponseWriter }

func (w *wrapping) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// opaque is a writer an earlier middleware sets with c.SetResponse that
// hides Echo's Response: it has no Unwrap.
type opaque struct{ http.ResponseWriter }

func (w *opaque) Flush() { http.NewResponseController(w.ResponseWriter).Flush() }

// TestReplacedResponse runs the session middleware after a middleware that
// replaced c.Response(). With a writer that unwraps to Echo's Response, the
// session's writer still goes under the Response: Before hooks run, and a
// write to the Response's ResponseWriter commits. With one that does not,
// the middleware wraps c.Response() itself, and the session still commits
// before the headers leave through it.
func TestReplacedResponse(t *testing.T) {
	replace := func(wrap func(http.ResponseWriter) http.ResponseWriter) echo.MiddlewareFunc {
		return func(next echo.HandlerFunc) echo.HandlerFunc {
			return func(c *echo.Context) error {
				orig := c.Response()
				c.SetResponse(wrap(orig))
				defer c.SetResponse(orig)
				return next(c)
			}
		}
	}
	wrap := replace(func(w http.ResponseWriter) http.ResponseWriter { return &wrapping{w} })
	hide := replace(func(w http.ResponseWriter) http.ResponseWriter { return &opaque{w} })
	cases := map[string]struct {
		mw     echo.MiddlewareFunc
		answer echo.HandlerFunc
		hook   bool // whether a Before hook must have run
	}{
		"Unwrapping/String": {wrap, func(c *echo.Context) error {
			res := response(t, c)
			res.Before(func() { res.Header().Set("X-Before", "yes") })
			return c.String(http.StatusOK, "x")
		}, true},
		"Unwrapping/Direct": {wrap, func(c *echo.Context) error {
			_, err := response(t, c).ResponseWriter.Write([]byte("x"))
			return err
		}, false},
		"Opaque/String": {hide, func(c *echo.Context) error { return c.String(http.StatusOK, "x") }, false},
		"Opaque/Flush": {hide, func(c *echo.Context) error {
			if err := http.NewResponseController(c.Response()).Flush(); err != nil {
				return err
			}
			_, err := c.Response().Write([]byte("x"))
			return err
		}, false},
		"Opaque/Error": {hide, func(*echo.Context) error { return echo.ErrForbidden }, false},
	}
	for name, tc := range cases {
		e, _ := newEcho(t, tc.mw)
		e.GET("/", func(c *echo.Context) error {
			sessions.Get(c).Set("a", 1)
			return tc.answer(c)
		})
		res, _, cookie := serve(t, e, "/")
		if cookie == nil {
			t.Errorf("%s: status %d, no session cookie", name, res.StatusCode)
		}
		if tc.hook && res.Header.Get("X-Before") != "yes" {
			t.Errorf("%s: the Before hook did not run", name)
		}
	}
}

// TestAutoHEAD serves a HEAD request with a GET route, through the writer
// Echo's router puts around the route for it: the session cookie comes in
// the headers.
func TestAutoHEAD(t *testing.T) {
	e, _ := newEchoWith(t, echo.NewWithConfig(echo.Config{
		Router: echo.NewRouter(echo.RouterConfig{AutoHandleHEAD: true}),
	}))
	e.GET("/", func(c *echo.Context) error {
		sessions.Get(c).Set("a", 1)
		return c.String(http.StatusOK, "hello")
	})
	res, body, cookie := do(t, e, http.MethodHead, "/")
	if res.StatusCode != http.StatusOK || body != "" || cookie == nil {
		t.Errorf("HEAD / = %d %q, cookie %v", res.StatusCode, body, cookie)
	}
	if res.ContentLength != int64(len("hello")) {
		t.Errorf("HEAD / Content-Length %d, want %d", res.ContentLength, len("hello"))
	}
}

// TestNewContext runs the middleware on a Context made by echo.NewContext,
// as a test of a handler may, whose Response starts with no status: a
// Flush before any write sends a 200 with the cookie.
func TestNewContext(t *testing.T) {
	e := echo.New()
	e.Logger = slog.New(slog.DiscardHandler)
	store := memstore.New(memstore.WithCleanupInterval(0))
	t.Cleanup(func() { _ = store.Close() })
	mw := echosession.New(sessions.Config{Store: store, Logger: slog.New(slog.DiscardHandler)})
	h := mw(func(c *echo.Context) error {
		sessions.Get(c).Set("a", 1)
		response(t, c).Flush()
		_, err := c.Response().Write([]byte("x"))
		return err
	})
	srv := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := h(e.NewContext(r, w)); err != nil {
			t.Errorf("handler: %v", err)
		}
	})
	res, body, cookie := serve(t, srv, "/")
	if res.StatusCode != http.StatusOK || body != "x" || cookie == nil {
		t.Errorf("GET / = %d %q, cookie %v", res.StatusCode, body, cookie)
	}
}
