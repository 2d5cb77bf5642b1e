package echosession_test

import (
	"errors"
	"net/http"
	"testing"

	"github.com/labstack/echo/v5"
	"github.com/serversession/serversession/sessions"
)

// A handler error whose HTTPErrorHandler writes nothing (say, one that
// ignores canceled requests) still saves the session and sends its cookie.
func TestSilentErrorHandlerKeepsTheSession(t *testing.T) {
	e, store := newEcho(t)
	e.HTTPErrorHandler = func(*echo.Context, error) {} // writes nothing
	e.GET("/", func(c *echo.Context) error {
		sessions.Get(c).Set("user", "ann")
		return errors.New("the handler failed after the login")
	})
	res, _, cookie := serve(t, e, "/")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("status %d, want net/http's implicit 200", res.StatusCode)
	}
	if cookie == nil || !stored(t, store, cookie.Value) {
		t.Fatalf("session not saved (cookie %v)", cookie)
	}
}

// The response of Echo's default HTTPErrorHandler to a handler's error
// carries the session cookie of what the handler set before failing.
func TestErrorHandlerResponseCarriesTheCookie(t *testing.T) {
	e, store := newEcho(t)
	e.GET("/", func(c *echo.Context) error {
		sessions.Get(c).Set("user", "ann")
		return echo.ErrForbidden
	})
	res, body, cookie := serve(t, e, "/")
	if res.StatusCode != http.StatusForbidden || body == "" {
		t.Errorf("GET / = %d %q, want Echo's 403 JSON", res.StatusCode, body)
	}
	if cookie == nil || !stored(t, store, cookie.Value) {
		t.Fatalf("session not saved (cookie %v)", cookie)
	}
}
