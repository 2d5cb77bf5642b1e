package sessions

import (
	"context"
	"net/http"

	"github.com/serversession/serversession/internal/frameworks"
)

type contextKey struct{}

// sessionContext is a context carrying a session. The first one made for a
// session lives inside the Session itself, so that adapters pay no
// allocation for it.
type sessionContext struct {
	context.Context
	s *Session
}

func (c *sessionContext) Value(key any) any {
	if key == (contextKey{}) {
		return c.s
	}
	return c.Context.Value(key)
}

// NewContext returns a copy of ctx that carries s.
func NewContext(ctx context.Context, s *Session) context.Context {
	if s == nil || s == nullSession {
		return &sessionContext{ctx, s}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ctx.s != nil {
		return &sessionContext{ctx, s}
	}
	s.ctx = sessionContext{ctx, s}
	return &s.ctx
}

// FromContext returns the session that ctx carries, if any.
func FromContext(ctx context.Context) (*Session, bool) {
	s, ok := ctx.Value(contextKey{}).(*Session)
	return s, ok && s != nil
}

// nullSession is what Get returns when no middleware ran: reads are empty
// and writes panic with ErrNoMiddleware's message.
var nullSession = &Session{nullReason: ErrNoMiddleware}

// Get returns the current request's session. c may be a *gin.Context, an
// echo.Context, a *http.Request or a context.Context derived from the
// request's. Get never returns nil: without the middleware it returns a null
// session, whose reads are empty and whose first write panics with a message
// that names the middleware to add.
func Get(c any) *Session {
	if s := lookup(c); s != nil {
		return s
	}
	return nullSession
}

// requestContext is the shape of echo.Context, matched without importing
// Echo. Gin's context is known through the frameworks registry, which
// ginsession fills.
type requestContext interface{ Request() *http.Request }

func lookup(c any) *Session {
	switch c := c.(type) {
	case nil:
		return nil
	case *http.Request:
		if c == nil {
			return nil
		}
		s, _ := FromContext(c.Context())
		return s
	case requestContext:
		return lookup(c.Request())
	}
	if r, ok := frameworks.Request(c); ok {
		return lookup(r)
	}
	if ctx, ok := c.(context.Context); ok {
		s, _ := FromContext(ctx)
		return s
	}
	return nil
}
