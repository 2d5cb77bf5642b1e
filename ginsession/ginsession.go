// Package ginsession is the Gin session middleware.
//
//	r := gin.Default()
//	r.Use(ginsession.New(sessions.Config{Store: store, Signing: sessions.Signing{Key: key}}))
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
	"github.com/serversession/serversession/sessions"
)

// Teach sessions.Get where a *gin.Context keeps the request: the session
// travels in the request's context, so c.Keys is never touched.
func init() {
	sessions.RegisterContext(func(c *gin.Context) *http.Request { return c.Request })
}

// New returns Gin middleware that gives every request a session, configured
// by cfg. It panics at startup, not per request, if cfg is invalid; the
// message says what to change. Middleware takes a Manager made with
// sessions.New instead, for an app that checks its configuration itself.
func New(cfg sessions.Config) gin.HandlerFunc {
	return Middleware(sessions.MustNew(cfg))
}

// Middleware returns Gin middleware that gives every request a session of
// m.
func Middleware(m *sessions.Manager) gin.HandlerFunc {
	return func(c *gin.Context) {
		h := m.Begin(c.Writer, c.Request)
		c.Writer = &writer{ResponseWriter: c.Writer, h: h}
		c.Request = h.Request()
		h.Run(c.Next)
	}
}
