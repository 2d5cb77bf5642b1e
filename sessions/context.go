package sessions

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
)

type contextKey struct{}

// sessionContext is a context carrying a session. The one Begin makes
// lives inside the Handle, so that adapters pay no allocation for it.
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
	return &sessionContext{ctx, s}
}

// FromContext returns the session that ctx carries, if any.
func FromContext(ctx context.Context) (*Session, bool) {
	s, ok := ctx.Value(contextKey{}).(*Session)
	return s, ok && s != nil
}

// nullSession is what Get returns when no middleware ran.
var nullSession = &Session{state: null, err: ErrNoMiddleware}

// Get returns the current request's session. c may be a *http.Request, a
// context.Context derived from the request's, a framework context with a
// Request() *http.Request method (Echo v4's echo.Context, Echo v5's
// *echo.Context), or one whose type an adapter registered with
// RegisterContext (*gin.Context). Get never returns nil: without the
// middleware it returns a null session, whose reads are empty and whose
// first write panics naming the fix. A c of a type Get does not know (a
// response writer, say) gives such a session too, and is logged, once per
// type, so that a read that finds nothing does not go unexplained.
func Get(c any) *Session {
	s, known := lookup(c)
	switch {
	case s != nil:
		return s
	case known:
		return nullSession
	}
	typ := fmt.Sprintf("%T", c)
	err := fmt.Errorf("sessions: Get(%s): not a context Get knows, so the session is empty and read-only; pass the framework's context "+
		"(*gin.Context, Echo v4's echo.Context, Echo v5's *echo.Context), the *http.Request or its context.Context, "+
		"or register the type with sessions.RegisterContext", typ)
	if _, seen := unknownTypes.LoadOrStore(typ, true); !seen {
		slog.Warn(err.Error(), slog.String("type", typ))
	}
	return &Session{state: null, err: err}
}

// unknownTypes holds the types of the arguments Get could not use, each
// logged once: they are types of the program, so the set stays small.
var unknownTypes sync.Map

// requestContext is the shape of echo.Context, matched without Echo.
type requestContext interface{ Request() *http.Request }

// lookup returns the session c carries, and whether c is of a type Get
// knows at all.
func lookup(c any) (*Session, bool) {
	switch c := c.(type) {
	case *http.Request:
		if c == nil {
			return nil, true
		}
		s, _ := FromContext(c.Context())
		return s, true
	case requestContext:
		return lookup(c.Request())
	}
	for _, f := range contextTypes {
		if r, ok := f(c); ok {
			return lookup(r)
		}
	}
	if ctx, ok := c.(context.Context); ok {
		s, _ := FromContext(ctx)
		return s, true
	}
	return nil, c == nil
}

// contextTypes are the RegisterContext functions, written by init
// functions only and read without locks.
var contextTypes []func(c any) (*http.Request, bool)

// RegisterContext teaches Get where a framework context of type C keeps
// the request. Call it from an init function of the adapter:
//
//	func init() {
//		sessions.RegisterContext(func(c *gin.Context) *http.Request { return c.Request })
//	}
func RegisterContext[C any](request func(c C) *http.Request) {
	contextTypes = append(contextTypes, func(c any) (*http.Request, bool) {
		if c, ok := c.(C); ok {
			if r := request(c); r != nil {
				return r, true
			}
		}
		return nil, false
	})
}
