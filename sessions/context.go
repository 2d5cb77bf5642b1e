package sessions

import (
	"context"
	"net/http"
)

// KeysKey is the key under which adapters for frameworks with string-keyed
// request values (gin's c.Set) store the *Session, so that Get finds it in
// the framework's context.
const KeysKey = "github.com/serversession/serversession/sessions.Session"

type contextKey struct{}

// NewContext returns a copy of ctx that carries s.
func NewContext(ctx context.Context, s *Session) context.Context {
	return context.WithValue(ctx, contextKey{}, s)
}

// FromContext returns the session that ctx carries, if any.
func FromContext(ctx context.Context) (*Session, bool) {
	s, ok := ctx.Value(contextKey{}).(*Session)
	return s, ok
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
// Echo. *gin.Context is a context.Context whose Value reads c.Keys.
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
	case context.Context:
		if s, ok := FromContext(c); ok {
			return s
		}
		s, _ := c.Value(KeysKey).(*Session)
		return s
	}
	return nil
}
