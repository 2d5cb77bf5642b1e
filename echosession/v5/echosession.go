// Package echosession is the Echo v5 session middleware. Its import path
// ends in /v5 and its name is that of the Echo v4 package
// (github.com/serversession/serversession/echosession), so the code reads
// the same on either version:
//
//	e := echo.New()
//	e.Use(echosession.New(sessions.Config{Store: store, Signing: sessions.Signing{Key: key}}))
//	e.GET("/", func(c *echo.Context) error {
//		s := sessions.Get(c)
//		n, _ := sessions.Value[int](s, "visits")
//		s.Set("visits", n+1) // saved for you: no Save() call
//		return c.String(http.StatusOK, "hello")
//	})
//
// The session is committed right before the headers are written, by the
// writer the middleware puts under Echo's *echo.Response (in place of its
// ResponseWriter field): after Echo's Before hooks ran, whichever way the
// headers leave (Response.Write or WriteHeader, a Flush before either,
// Hijack, http.ResponseController, or a handler writing to the Response's
// ResponseWriter itself), or after the handler returns if it wrote nothing.
// A handler that returns an error is committed when it returns, so the
// response Echo's HTTPErrorHandler writes carries the cookie (session
// changes made by the error handler itself come too late and are logged).
// A handler that panics saves nothing.
//
// When an earlier middleware replaced c.Response() with a writer that does
// not unwrap (through Unwrap() http.ResponseWriter) to the *echo.Response,
// the middleware cannot reach Echo's Response and wraps that writer
// instead, with c.SetResponse: the session still commits before the
// headers leave through c.Response(), but Echo's Before hooks, if any, are
// that writer's business.
package echosession

import (
	"github.com/labstack/echo/v5"
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
		return func(c *echo.Context) error {
			var h *sessions.Handle
			if res := response(c); res != nil {
				h = m.Begin(res.ResponseWriter, c.Request())
				res.ResponseWriter = &writer{ResponseWriter: h.Writer(), res: res}
			} else {
				h = m.Begin(c.Response(), c.Request())
				c.SetResponse(h.Writer())
			}
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

// response returns c's *echo.Response: c.Response() itself, as Echo sets
// it, or the one under a writer an earlier middleware set; nil if there is
// none to be found.
func response(c *echo.Context) *echo.Response {
	res, err := echo.UnwrapResponse(c.Response()) // c.Response() itself when it is one
	if err != nil {
		return nil
	}
	return res
}
