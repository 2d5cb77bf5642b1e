package echosession_test

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/labstack/echo/v5"
	"github.com/serversession/serversession/backends/memstore"
	"github.com/serversession/serversession/echosession/v5"
	"github.com/serversession/serversession/sessions"
)

// The request benchmarks: one request through Echo with the session
// middleware over memstore, by what the handler does with the session. The
// same benchmarks run for Echo v4 and v5, to compare the adapters.

// benchEcho returns an Echo without the session middleware if store is
// nil, with it over store otherwise, and the routes of the benchmarks.
func benchEcho(store *memstore.Store) *echo.Echo {
	e := echo.New()
	e.Logger = slog.New(slog.DiscardHandler)
	if store != nil {
		e.Use(echosession.New(sessions.Config{Store: store, Logger: slog.New(slog.DiscardHandler)}))
	}
	e.GET("/untouched", func(c *echo.Context) error { return c.String(http.StatusOK, "hello") })
	e.GET("/read", func(c *echo.Context) error {
		n, _ := sessions.Value[int](sessions.Get(c), "n")
		if n != 1 {
			return c.String(http.StatusInternalServerError, "no session")
		}
		return c.String(http.StatusOK, "hello")
	})
	e.GET("/new", func(c *echo.Context) error {
		sessions.Get(c).Set("n", 1)
		return c.String(http.StatusOK, "hello")
	})
	return e
}

// benchRequests serves GET path b.N times, with the cookie of a stored
// session holding n=1 if withCookie.
func benchRequests(b *testing.B, path string, withCookie bool) {
	store := memstore.New(memstore.WithCleanupInterval(0))
	b.Cleanup(func() { _ = store.Close() })
	e := benchEcho(store)
	req := httptest.NewRequest(http.MethodGet, path, nil)
	if withCookie {
		w := httptest.NewRecorder()
		e.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/new", nil))
		cookies := w.Result().Cookies()
		if len(cookies) != 1 {
			b.Fatalf("creating the session set cookies %v", cookies)
		}
		req.AddCookie(&http.Cookie{Name: cookies[0].Name, Value: cookies[0].Value})
	}
	b.ReportAllocs()
	for b.Loop() {
		w := httptest.NewRecorder()
		e.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			b.Fatalf("GET %s = %d", path, w.Code)
		}
	}
}

// BenchmarkEchoBare is the baseline: the same handler without the
// middleware.
func BenchmarkEchoBare(b *testing.B) {
	e := benchEcho(nil)
	req := httptest.NewRequest(http.MethodGet, "/untouched", nil)
	b.ReportAllocs()
	for b.Loop() {
		e.ServeHTTP(httptest.NewRecorder(), req)
	}
}

// BenchmarkEchoUntouched: a session cookie arrives, the handler ignores it.
func BenchmarkEchoUntouched(b *testing.B) { benchRequests(b, "/untouched", true) }

// BenchmarkEchoRead reads a stored session (and refreshes its TTL).
func BenchmarkEchoRead(b *testing.B) { benchRequests(b, "/read", true) }

// BenchmarkEchoNewSession creates and stores a session for a client
// without a cookie.
func BenchmarkEchoNewSession(b *testing.B) { benchRequests(b, "/new", false) }
