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
// nothing. A handler that returns an error leaves the commit to the response
// Echo's HTTPErrorHandler writes. A handler that panics saves nothing.
package echosession

import (
	"net/http"

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
			m.Init(s, res.Writer, c.Request())
			st.writer = writer{ResponseWriter: res.Writer, res: res, m: m, s: s}
			res.Writer = &st.writer
			c.SetRequest(st.withSession(c.Request()))
			finished := false
			defer func() {
				if !finished {
					m.Abandon(s) // the handler panicked: save nothing
				}
			}()
			err := next(c)
			finished = true
			if err != nil && !res.Committed {
				return err // the HTTPErrorHandler's response commits the session
			}
			m.Finish(s)
			return err
		}
	}
}

// request is one request's state, in one allocation: the session, the
// writer that commits it, and the request the handler sees, which carries
// the session in its context.
type request struct {
	session sessions.Session
	writer  writer
	req     http.Request
}

// withSession points st.req at a copy of r whose context carries the
// session. WithContext is inlined and its copy copied into st, so the
// copy costs no allocation of its own.
func (st *request) withSession(r *http.Request) *http.Request {
	st.req = *r.WithContext(sessions.NewContext(r.Context(), &st.session))
	return &st.req
}
