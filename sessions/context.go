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

// The shapes of framework contexts, matched without importing a framework.
type (
	keysContext    interface{ Get(string) (any, bool) } // *gin.Context
	requestContext interface{ Request() *http.Request } // echo.Context
)

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
	case keysContext:
		if v, ok := c.Get(KeysKey); ok {
			s, _ := v.(*Session)
			return s
		}
		if ctx, ok := c.(context.Context); ok {
			s, _ := FromContext(ctx)
			return s
		}
	case requestContext:
		return lookup(c.Request())
	case context.Context:
		s, _ := FromContext(c)
		return s
	}
	return nil
}
