package ginsession_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/serversession/serversession/sessions"
)

// The request benchmarks: one request through gin with the session
// middleware over memstore, by what the handler does with the session.
// Each reports the store round trips per request as calls/op.

// benchEngine returns an engine whose routes cover the scenarios, and the
// cookie of a stored session holding a counter.
func benchEngine(b *testing.B) (*gin.Engine, *countingStore, *http.Cookie) {
	gin.SetMode(gin.TestMode)
	store := newCountingStore(b)
	r := newEngine(store.Store)
	r.GET("/untouched", func(c *gin.Context) { c.String(http.StatusOK, "hello") })
	r.GET("/read", func(c *gin.Context) {
		n, _ := sessions.Value[int](sessions.Get(c), "n")
		c.String(http.StatusOK, "n=%d", n)
	})
	r.GET("/rmw", func(c *gin.Context) {
		s := sessions.Get(c)
		n, _ := sessions.Value[int](s, "n")
		s.Set("n", n+1)
		c.String(http.StatusOK, "n=%d", n+1)
	})
	r.GET("/new", func(c *gin.Context) {
		sessions.Get(c).Set("n", 1)
		c.String(http.StatusOK, "n=1")
	})
	w := httptest.NewRecorder()
	r.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/new", nil))
	cookies := w.Result().Cookies()
	if len(cookies) != 1 {
		b.Fatalf("creating the session set cookies %v", cookies)
	}
	return r, store, cookies[0]
}

// benchRequests serves GET path b.N times, with cookie if not nil.
func benchRequests(b *testing.B, path string, withCookie bool) {
	r, store, cookie := benchEngine(b)
	req := httptest.NewRequest(http.MethodGet, path, nil)
	if withCookie {
		req.AddCookie(&http.Cookie{Name: cookie.Name, Value: cookie.Value})
	}
	store.Reset()
	b.ReportAllocs()
	for b.Loop() {
		w := httptest.NewRecorder()
		r.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			b.Fatalf("GET %s = %d", path, w.Code)
		}
	}
	b.ReportMetric(float64(store.Calls())/float64(b.N), "calls/op")
}

// BenchmarkGinBare is the baseline: the same handler without the middleware.
func BenchmarkGinBare(b *testing.B) {
	gin.SetMode(gin.TestMode)
	r := gin.New()
	r.GET("/", func(c *gin.Context) { c.String(http.StatusOK, "hello") })
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	b.ReportAllocs()
	for b.Loop() {
		r.ServeHTTP(httptest.NewRecorder(), req)
	}
}

// BenchmarkGinUntouched: a session cookie arrives, the handler ignores it.
func BenchmarkGinUntouched(b *testing.B) { benchRequests(b, "/untouched", true) }

// BenchmarkGinRead reads a stored session, within the RefreshInterval: a
// plain Load, no Set-Cookie.
func BenchmarkGinRead(b *testing.B) { benchRequests(b, "/read", true) }

// BenchmarkGinReadModifyWrite increments a counter in a stored session.
func BenchmarkGinReadModifyWrite(b *testing.B) { benchRequests(b, "/rmw", true) }

// BenchmarkGinNewSession creates and stores a session for a client without
// a cookie.
func BenchmarkGinNewSession(b *testing.B) { benchRequests(b, "/new", false) }
