package echosession_test

import (
	"cmp"
	"log/slog"
	"net/http"
	"testing"

	"github.com/labstack/echo/v5"
	"github.com/labstack/echo/v5/middleware"
	"github.com/serversession/serversession/adapters/adaptertest"
	"github.com/serversession/serversession/echosession/v5"
	"github.com/serversession/serversession/sessions"
)

func TestAdapter(t *testing.T) {
	adaptertest.Run(t, adaptertest.Harness{New: newServer})
}

// newServer serves routes on an Echo behind Echo's Recover middleware and
// the session middleware.
func newServer(_ *testing.T, cfg *sessions.Config, routes adaptertest.Routes) http.Handler {
	e := echo.New()
	e.Logger = slog.New(slog.DiscardHandler)
	e.Use(middleware.Recover())
	if cfg != nil {
		e.Use(echosession.New(*cfg))
	}
	for path, route := range routes {
		e.Any(path, func(c *echo.Context) error { return route(&exchange{c: c}) })
	}
	return e
}

// exchange is adaptertest.Exchange for Echo v5.
type exchange struct {
	c      *echo.Context
	status int // for the next Write
}

func (x *exchange) Lookups() []any  { return []any{x.c, x.c.Request(), x.c.Request().Context()} }
func (x *exchange) Status(code int) { x.status = code }

func (x *exchange) Write(body string) error {
	if res, err := echo.UnwrapResponse(x.c.Response()); err == nil && res.Committed {
		_, err := x.c.Response().Write([]byte(body))
		return err
	}
	return x.c.String(cmp.Or(x.status, http.StatusOK), body)
}

func (x *exchange) Flush() error { return http.NewResponseController(x.c.Response()).Flush() }

func (x *exchange) Redirect(code int, url string) error { return x.c.Redirect(code, url) }

func (x *exchange) Fail(code int, msg string) error { return echo.NewHTTPError(code, msg) }
