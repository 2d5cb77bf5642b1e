package benchmarks

import (
	"net/http"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/labstack/echo/v4"
)

// The floor: each framework serving the same routes and bodies with no
// session middleware at all. Its rows show what the framework and the
// harness (a request copy and an httptest.ResponseRecorder per request)
// cost by themselves.

var (
	bareGin  = target{lib: "bare-gin", fw: "gin", store: "none", bare: true, open: bareOpen(bareGinHandler)}
	bareEcho = target{lib: "bare-echo", fw: "echo", store: "none", bare: true, open: bareOpen(bareEchoHandler)}
	bareHTTP = target{lib: "bare-http", fw: "http", store: "none", bare: true, open: bareOpen(bareHTTPHandler)}
)

func bareOpen(h func() http.Handler) func(testing.TB, string) instance {
	return func(testing.TB, string) instance { return instance{h: h()} }
}

// bareRoutes are the scenario routes; each answers what a working session
// would: a number, or "ok".
var bareRoutes = map[string]int{"/untouched": -1, "/read": 42, "/rmw": 1, "/large": 1, "/create": -1}

func bareGinHandler() http.Handler {
	r := gin.New()
	for path, n := range bareRoutes {
		r.GET(path, func(c *gin.Context) {
			if n < 0 {
				c.Data(http.StatusOK, textPlain, okBody)
				return
			}
			var buf [20]byte
			c.Data(http.StatusOK, textPlain, appendInt(buf[:0], n))
		})
	}
	return r
}

func bareEchoHandler() http.Handler {
	e := echo.New()
	for path, n := range bareRoutes {
		e.GET(path, func(c echo.Context) error {
			if n < 0 {
				return c.Blob(http.StatusOK, textPlain, okBody)
			}
			var buf [20]byte
			return c.Blob(http.StatusOK, textPlain, appendInt(buf[:0], n))
		})
	}
	return e
}

func bareHTTPHandler() http.Handler {
	mux := http.NewServeMux()
	for path, n := range bareRoutes {
		mux.HandleFunc("GET "+path, func(w http.ResponseWriter, r *http.Request) {
			if n < 0 {
				writeBody(w, okBody)
				return
			}
			var buf [20]byte
			writeBody(w, appendInt(buf[:0], n))
		})
	}
	return mux
}
