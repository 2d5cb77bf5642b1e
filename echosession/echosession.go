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
// The session is committed through c.Response().Before, right before the
// headers are written — by a write, WriteHeader, or a Flush before either —
// or after the handler returns if it wrote nothing. A handler that returns an
// error leaves the commit to the response Echo's HTTPErrorHandler writes. A
// handler that panics saves nothing.
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
			s := m.Open(res.Writer, c.Request())
			res.Writer = &writer{ResponseWriter: res.Writer, res: res, m: m, s: s}
			c.SetRequest(c.Request().WithContext(sessions.NewContext(c.Request().Context(), s)))
			res.Before(func() {
				if !m.Commit(s) {
					// The ErrorHandler wrote the response; drop the handler's.
					res.Writer = discardWriter{res.Writer.Header()}
				}
			})
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

// discardWriter swallows a handler's response after the ErrorHandler wrote
// its own.
type discardWriter struct{ h http.Header }

func (w discardWriter) Header() http.Header         { return w.h }
func (w discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w discardWriter) WriteHeader(int)             {}
