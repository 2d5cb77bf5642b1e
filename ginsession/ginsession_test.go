package ginsession_test

import (
	"errors"
	"io"
	"net/http"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/serversession/serversession/adapters/adaptertest"
	"github.com/serversession/serversession/ginsession"
	"github.com/serversession/serversession/sessions"
)

func init() { gin.SetMode(gin.TestMode) }

func TestAdapter(t *testing.T) {
	adaptertest.Run(t, adaptertest.Harness{New: newServer})
}

// newServer serves routes on a gin engine behind gin's recovery and the
// session middleware, as gin.Default() users have it.
func newServer(t *testing.T, cfg *sessions.Config, routes adaptertest.Routes) http.Handler {
	r := gin.New()
	r.Use(gin.RecoveryWithWriter(io.Discard))
	if cfg != nil {
		r.Use(ginsession.New(*cfg))
	}
	for path, route := range routes {
		r.Any(path, func(c *gin.Context) {
			if err := route(exchange{c}); err != nil {
				t.Errorf("%s: %v", path, err)
			}
		})
	}
	return r
}

// exchange is adaptertest.Exchange for gin.
type exchange struct{ c *gin.Context }

func (x exchange) Lookups() []any  { return []any{x.c, x.c.Request, x.c.Request.Context()} }
func (x exchange) Status(code int) { x.c.Status(code) }

func (x exchange) Write(body string) error {
	x.c.String(x.c.Writer.Status(), body)
	return nil
}

func (x exchange) Flush() error {
	x.c.Writer.Flush()
	return nil
}

func (x exchange) Redirect(code int, url string) error {
	x.c.Redirect(code, url)
	return nil
}

func (x exchange) Fail(code int, msg string) error {
	_ = x.c.Error(errors.New(msg))
	x.c.String(code, msg)
	return nil
}
