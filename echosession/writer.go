package echosession

import (
	"bufio"
	"net"
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/serversession/serversession/sessions"
)

// writer is the Response's Writer while the middleware runs. Echo's
// Response.Flush and Response.Hijack go straight to the Writer without
// running the Before hooks, so a handler that flushed before writing (a
// server-sent event stream) would send its headers without the session
// cookie. writer sends them through Response.WriteHeader first, which runs
// the hooks as a Write would.
type writer struct {
	http.ResponseWriter
	res *echo.Response
	m   *sessions.Manager
	s   *sessions.Session
}

// FlushError is what Response.Flush calls, through http.ResponseController.
func (w *writer) FlushError() error {
	if !w.res.Committed {
		w.res.WriteHeader(w.res.Status)
	}
	return http.NewResponseController(w.ResponseWriter).Flush()
}

// Flush implements http.Flusher for code that type-asserts it.
func (w *writer) Flush() { _ = w.FlushError() }

// Hijack commits the session before handing the connection over; the
// headers themselves are the hijacker's to write.
func (w *writer) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	w.m.Commit(w.s)
	return http.NewResponseController(w.ResponseWriter).Hijack()
}

// Unwrap lets http.ResponseController reach the server's writer for
// deadlines and the rest.
func (w *writer) Unwrap() http.ResponseWriter { return w.ResponseWriter }
