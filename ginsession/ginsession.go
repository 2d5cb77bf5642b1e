// Package ginsession is the Gin session middleware.
//
//	r := gin.Default()
//	r.Use(ginsession.New(sessions.Config{Store: store, SecretKey: key}))
//	r.GET("/", func(c *gin.Context) {
//		s := sessions.Get(c)
//		n, _ := sessions.Value[int](s, "visits")
//		s.Set("visits", n+1) // saved for you: no Save() call
//	})
//
// The session is committed right before the response headers are written:
// on the first Write, WriteString, WriteHeaderNow, Flush or Hijack, or after
// the rest of the chain returns if it wrote nothing. c.Status() and
// c.Header() write nothing, so a handler may still set session values after
// them. A handler that panics saves nothing.
package ginsession

import (
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/serversession/serversession/internal/frameworks"
	"github.com/serversession/serversession/sessions"
)

// Teach sessions.Get where a *gin.Context keeps the request: the session
// travels in the request's context, so c.Keys is never touched.
func init() {
	frameworks.Register(func(c any) (*http.Request, bool) {
		if gc, ok := c.(*gin.Context); ok && gc.Request != nil {
			return gc.Request, true
		}
		return nil, false
	})
}

// request is one request's state, in one allocation: the session (which
// holds the request the handler sees) and the writer that commits it.
type request struct {
	session sessions.Session
	writer  writer
}

// New returns Gin middleware that gives every request a session, configured
// by cfg. It panics at startup, not per request, if cfg is invalid; the
// message says what to change (sessions.New returns it as an error).
func New(cfg sessions.Config) gin.HandlerFunc {
	m := sessions.MustNew(cfg)
	return func(c *gin.Context) {
		st := new(request)
		s := &st.session
		req := m.Init(s, c.Writer, c.Request)
		st.writer = writer{ResponseWriter: c.Writer, m: m, s: s}
		c.Writer = &st.writer
		c.Request = req
		finished := false
		defer func() {
			if !finished {
				m.Abandon(s) // the handler panicked: save nothing
			}
		}()
		c.Next()
		finished = true
		m.Finish(s)
	}
}
