// Package echosession is the Echo v4 session middleware.
//
//	e := echo.New()
//	e.Use(echosession.New(sessions.Config{Store: store, SecretKey: key}))
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
package echosession

import (
	"github.com/labstack/echo/v4"
	"github.com/serversession/serversession/sessions"
)

// New returns Echo middleware that gives every request a session,
// configured by cfg. It panics at startup, not per request, if cfg is
// invalid; the message says what to change (sessions.New returns it as an
// error).
func New(cfg sessions.Config) echo.MiddlewareFunc {
	m := sessions.MustNew(cfg)
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			res := c.Response()
			st := new(request)
			s := &st.session
			req := m.Init(s, res.Writer, c.Request())
			st.writer = writer{ResponseWriter: res.Writer, res: res, m: m, s: s}
			res.Writer = &st.writer
			c.SetRequest(req)
			finished := false
			defer func() {
				if !finished {
					m.Abandon(s) // the handler panicked: save nothing
				}
			}()
			err := next(c)
			finished = true
			// On an error, commit now too: Echo's HTTPErrorHandler writes
			// later, with the session's headers already in place, and a
			// custom one that writes nothing cannot lose the session.
			m.Finish(s)
			return err
		}
	}
}

// request is one request's state, in one allocation: the session (which
// holds the request the handler sees) and the writer that commits it.
type request struct {
	session sessions.Session
	writer  writer
}
