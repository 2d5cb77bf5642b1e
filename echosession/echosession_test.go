package echosession_test

import (
	"cmp"
	"fmt"
	"io"
	"net/http"
	"testing"

	"github.com/labstack/echo/v4"
	"github.com/serversession/serversession/adapters/adaptertest"
	"github.com/serversession/serversession/echosession"
	"github.com/serversession/serversession/sessions"
)

func TestAdapter(t *testing.T) {
	adaptertest.Run(t, adaptertest.Harness{New: newServer})
}

// newServer serves routes on an Echo behind a recovering middleware and the
// session middleware.
func newServer(_ *testing.T, cfg *sessions.Config, routes adaptertest.Routes) http.Handler {
	e := echo.New()
	e.Logger.SetOutput(io.Discard)
	e.Use(recoverMiddleware)
	if cfg != nil {
		e.Use(echosession.New(*cfg))
	}
	for path, route := range routes {
		e.Any(path, func(c echo.Context) error { return route(&exchange{c: c}) })
	}
	return e
}

// exchange is adaptertest.Exchange for Echo.
type exchange struct {
	c      echo.Context
	status int // for the next Write
}

func (x *exchange) Lookups() []any  { return []any{x.c, x.c.Request(), x.c.Request().Context()} }
func (x *exchange) Status(code int) { x.status = code }

func (x *exchange) Write(body string) error {
	if res := x.c.Response(); res.Committed {
		_, err := res.Write([]byte(body))
		return err
	}
	return x.c.String(cmp.Or(x.status, http.StatusOK), body)
}

func (x *exchange) Flush() error {
	x.c.Response().Flush()
	return nil
}

func (x *exchange) Redirect(code int, url string) error { return x.c.Redirect(code, url) }

func (x *exchange) Fail(code int, msg string) error { return echo.NewHTTPError(code, msg) }

// recoverMiddleware is what echo's middleware.Recover() does, without its
// logging: it turns a panic into an error for Echo's HTTPErrorHandler.
// Echo's middleware package imports golang.org/x/time, which go.mod does not
// require, so the tests cannot import it.
func recoverMiddleware(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		defer func() {
			if r := recover(); r != nil {
				if r == http.ErrAbortHandler {
					panic(r)
				}
				err, ok := r.(error)
				if !ok {
					err = fmt.Errorf("%v", r)
				}
				c.Error(err)
			}
		}()
		return next(c)
	}
}
