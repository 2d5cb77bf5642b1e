package echosession_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/serversession/serversession/backends/memstore"
	"github.com/serversession/serversession/echosession"
	"github.com/serversession/serversession/sessions"
)

// newEcho returns an Echo with the session middleware over a fresh memstore.
func newEcho(t *testing.T, mw ...echo.MiddlewareFunc) (*echo.Echo, *memstore.Store) {
	store := memstore.New()
	t.Cleanup(func() {
		if err := store.Close(); err != nil {
			t.Errorf("memstore Close: %v", err)
		}
	})
	e := echo.New()
	e.Logger.SetOutput(io.Discard)
	e.Use(mw...)
	e.Use(echosession.New(sessions.Config{Store: store, Logger: slog.New(slog.DiscardHandler)}))
	return e, store
}

// serve sends one request to h over a real connection and returns the
// response, read whole, with its session cookie parsed by net/http.
func serve(t *testing.T, h http.Handler, path string) (*http.Response, string, *http.Cookie) {
	t.Helper()
	srv := httptest.NewServer(h)
	defer srv.Close()
	res, err := srv.Client().Get(srv.URL + path)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("GET %s: reading the body: %v", path, err)
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

// TestRecoverOrder runs a panicking handler under a recovering middleware
// placed before the session middleware (the order Echo documents) and
// after it. Before it, the 500 that Recover writes goes through the
// session's writer, which must not commit the abandoned session. After it,
// the panic reaches the session middleware as an ordinary error response.
func TestRecoverOrder(t *testing.T) {
	for _, recoverFirst := range []bool{true, false} {
		var e *echo.Echo
		var store *memstore.Store
		if recoverFirst {
			e, store = newEcho(t, recoverMiddleware)
		} else {
			e, store = newEcho(t)
			e.Use(recoverMiddleware)
		}
		ids := make(chan string, 1)
		e.GET("/", func(c echo.Context) error {
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
	e.GET("/", func(c echo.Context) error {
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
		"NoContent": func(c echo.Context) error { return c.NoContent(http.StatusNoContent) },
		"JSON":      func(c echo.Context) error { return c.JSON(http.StatusOK, map[string]int{"a": 1}) },
		"Blob":      func(c echo.Context) error { return c.Blob(http.StatusOK, "text/plain", []byte("x")) },
		"Stream": func(c echo.Context) error {
			return c.Stream(http.StatusOK, "text/plain", strings.NewReader("x"))
		},
		"WriteHeader": func(c echo.Context) error { c.Response().WriteHeader(http.StatusAccepted); return nil },
		"Nothing":     func(c echo.Context) error { return nil },
		"HTTPError":   func(c echo.Context) error { return echo.ErrForbidden },
		"WrapHandler": echo.WrapHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			sessions.Get(r).Set("b", 2)
			fmt.Fprint(w, "x")
		})),
		"OwnBeforeHook": func(c echo.Context) error {
			c.Response().Before(func() { c.Response().Header().Set("X-Before", "yes") })
			return c.String(http.StatusOK, "x")
		},
		"Flush": func(c echo.Context) error { c.Response().Flush(); return nil },
	}
	for name, answer := range answers {
		e, _ := newEcho(t)
		e.GET("/", func(c echo.Context) error {
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

// TestHijack commits the session before the connection is handed over.
func TestHijack(t *testing.T) {
	e, store := newEcho(t)
	e.GET("/", func(c echo.Context) error {
		s := sessions.Get(c)
		s.Set("a", 1)
		conn, buf, err := c.Response().Hijack()
		if err != nil {
			return err
		}
		defer conn.Close()
		// A hijacked connection (a WebSocket) may outlive the session's
		// usefulness by hours: the session must be saved by now.
		if !stored(t, store, s.ID()) {
			t.Error("the session was not saved before the hijack")
		}
		fmt.Fprint(buf, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
		return buf.Flush()
	})
	if _, body, _ := serve(t, e, "/"); body != "ok" {
		t.Fatalf("body %q", body)
	}
}

// TestResponseController reaches the server's deadlines through
// c.Response() with http.ResponseController, across the middleware's writer.
func TestResponseController(t *testing.T) {
	e, _ := newEcho(t)
	e.GET("/", func(c echo.Context) error {
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
	app.GET("/in", func(c echo.Context) error { sessions.Get(c).Set("a", 1); return nil })
	e.GET("/out", func(c echo.Context) error {
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

// TestDirectWriter writes to c.Response().Writer itself, past Echo's
// Response and its Before hooks: the session still commits first.
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
	} {
		e, _ := newEcho(t)
		e.GET("/", func(c echo.Context) error {
			sessions.Get(c).Set("a", 1)
			return answer(c.Response().Writer)
		})
		if _, body, cookie := serve(t, e, "/"); body != "x" || cookie == nil {
			t.Errorf("%s: body %q, cookie %v; want x and the session cookie", name, body, cookie)
		}
	}
}
