package adaptertest_test

import (
	"io"
	"net/http"
	"testing"

	"github.com/serversession/serversession/adapters/adaptertest"
	"github.com/serversession/serversession/sessions"
)

// An adapter written outside this module's internals, against the exported
// protocol only (Manager.Begin, Handle, RegisterContext), for a small
// framework of its own: handlers take a *toyContext, which is neither a
// context.Context nor has a Request method. It passes the whole suite.

// toyContext is the toy framework's per-request context.
type toyContext struct {
	W   http.ResponseWriter
	Req *http.Request
}

// toyHandler is the toy framework's handler; toyMiddleware wraps one.
type (
	toyHandler    func(c *toyContext)
	toyMiddleware func(next toyHandler) toyHandler
)

// The adapter: the framework glue around the protocol.

func init() {
	sessions.RegisterContext(func(c *toyContext) *http.Request { return c.Req })
}

func toySessions(m *sessions.Manager) toyMiddleware {
	return func(next toyHandler) toyHandler {
		return func(c *toyContext) {
			h := m.Begin(c.W, c.Req)
			c.W, c.Req = h.Writer(), h.Request()
			h.Run(func() { next(c) })
		}
	}
}

// The harness: the toy framework's server, with its own recovery.

func TestThirdPartyAdapter(t *testing.T) {
	adaptertest.Run(t, adaptertest.Harness{New: func(t *testing.T, cfg *sessions.Config, routes adaptertest.Routes) http.Handler {
		var mw toyMiddleware = func(next toyHandler) toyHandler { return next }
		if cfg != nil {
			m, err := sessions.New(*cfg)
			if err != nil {
				panic(err.Error()) // the suite checks that invalid configs fail at construction
			}
			mw = toySessions(m)
		}
		mux := http.NewServeMux()
		for path, route := range routes {
			handler := mw(func(c *toyContext) {
				if err := route(&toyExchange{c: c}); err != nil {
					t.Errorf("%s: %v", path, err)
				}
			})
			mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
				defer func() { // the toy framework's recovery
					if v := recover(); v != nil && v != http.ErrAbortHandler {
						http.Error(w, "internal error", http.StatusInternalServerError)
					}
				}()
				handler(&toyContext{W: w, Req: r})
			})
		}
		return mux
	}})
}

// toyExchange is adaptertest.Exchange for the toy framework.
type toyExchange struct {
	c      *toyContext
	status int
	sent   bool
}

func (x *toyExchange) Lookups() []any  { return []any{x.c, x.c.Req, x.c.Req.Context()} }
func (x *toyExchange) Status(code int) { x.status = code }

func (x *toyExchange) Write(body string) error {
	if !x.sent && x.status != 0 {
		x.c.W.WriteHeader(x.status)
	}
	x.sent = true
	_, err := io.WriteString(x.c.W, body)
	return err
}

func (x *toyExchange) Flush() error {
	x.sent = true
	return http.NewResponseController(x.c.W).Flush()
}

func (x *toyExchange) Redirect(code int, url string) error {
	http.Redirect(x.c.W, x.c.Req, url, code)
	return nil
}

func (x *toyExchange) Fail(code int, msg string) error {
	http.Error(x.c.W, msg, code)
	return nil
}
