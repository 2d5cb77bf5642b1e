package benchmarks

import (
	"net/http"

	"github.com/labstack/echo/v5"

	"github.com/serversession/serversession/echosession/v5"
	"github.com/serversession/serversession/sessions"
)

// Echo v5: the bare handler and serversession's echosession/v5. No peer
// row: echo-contrib's v5 module does not resolve from the Go module proxy.

var (
	bareEcho5      = target{lib: "bare-echo5", fw: "echo5", store: "none", bare: true, open: bareOpen(bareEcho5Handler)}
	oursEcho5Mem   = target{lib: "ours-echo5", fw: "echo5", store: "mem", open: oursOpen(oursEcho5, storeMem)}
	oursEcho5Redis = target{lib: "ours-echo5", fw: "echo5", store: "redis", open: oursOpen(oursEcho5, storeRedis)}
)

func bareEcho5Handler() http.Handler {
	e := echo.New()
	for path, n := range bareRoutes {
		e.GET(path, func(c *echo.Context) error {
			if n < 0 {
				return c.Blob(http.StatusOK, textPlain, okBody)
			}
			var buf [20]byte
			return c.Blob(http.StatusOK, textPlain, appendInt(buf[:0], n))
		})
	}
	return e
}

func oursEcho5(cfg sessions.Config) http.Handler {
	e := echo.New()
	e.Use(echosession.New(cfg))
	e.GET("/untouched", func(c *echo.Context) error { return c.Blob(http.StatusOK, textPlain, okBody) })
	e.GET("/read", func(c *echo.Context) error {
		var buf [20]byte
		return c.Blob(http.StatusOK, textPlain, appendInt(buf[:0], oursRead(sessions.Get(c))))
	})
	e.GET("/rmw", func(c *echo.Context) error {
		var buf [20]byte
		return c.Blob(http.StatusOK, textPlain, appendInt(buf[:0], oursRMW(sessions.Get(c))))
	})
	e.GET("/large", func(c *echo.Context) error {
		n, ok := oursLarge(sessions.Get(c))
		if !ok {
			return c.NoContent(http.StatusInternalServerError)
		}
		var buf [20]byte
		return c.Blob(http.StatusOK, textPlain, appendInt(buf[:0], n))
	})
	e.GET("/create", func(c *echo.Context) error {
		oursCreate(sessions.Get(c))
		return c.Blob(http.StatusOK, textPlain, okBody)
	})
	e.GET("/seed", func(c *echo.Context) error {
		oursSeed(sessions.Get(c), false)
		return c.Blob(http.StatusOK, textPlain, okBody)
	})
	e.GET("/seedlarge", func(c *echo.Context) error {
		oursSeed(sessions.Get(c), true)
		return c.Blob(http.StatusOK, textPlain, okBody)
	})
	return e
}
