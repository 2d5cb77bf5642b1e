// Package echosession is the Echo v4 session middleware.
//
//	e := echo.New()
//	e.Use(echosession.New(sessions.Config{Store: store, Signing: sessions.Signing{Key: key}}))
//	e.GET("/", func(c echo.Context) error {
//		s := sessions.Get(c)
//		n, _ := sessions.Value[int](s, "visits")
//		s.Set("visits", n+1) // saved for you: no Save() call
//		return c.String(http.StatusOK, "hello")
//	})
//
// The session is committed right before the headers are written, by the
// writer the middleware puts under c.Response(): after Echo's Before hooks
// ran, whichever way the headers leave (Response.Write or WriteHeader, a
// Flush before either, Hijack, or a handler writing to
// c.Response().Writer itself), or after the handler returns if it wrote
// nothing. A handler that returns an error is committed when it returns, so
// the response Echo's HTTPErrorHandler writes carries the cookie (session
// changes made by the error handler itself come too late and are logged).
// A handler that panics saves nothing.
//
// For Echo v5, import github.com/serversession/serversession/echosession/v5,
// a package of the same name and API.
package echosession

import (
	"github.com/labstack/echo/v4"
	"github.com/serversession/serversession/sessions"
)

// New returns Echo middleware that gives every request a session,
// configured by cfg. It panics at startup, not per request, if cfg is
// invalid; the message says what to change. Middleware takes a Manager
// made with sessions.New instead, for an app that checks its configuration
// itself.
func New(cfg sessions.Config) echo.MiddlewareFunc {
	return Middleware(sessions.MustNew(cfg))
}

// Middleware returns Echo middleware that gives every request a session
// of m.
func Middleware(m *sessions.Manager) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			res := c.Response()
			h := m.Begin(res.Writer, c.Request())
			res.Writer = &writer{ResponseWriter: h.Writer(), res: res}
			c.SetRequest(h.Request())
			var err error
			// On an error, Run commits too: Echo's HTTPErrorHandler writes
			// later, with the session's headers already in place, and a
			// custom one that writes nothing cannot lose the session.
			h.Run(func() { err = next(c) })
			return err
		}
	}
}
