package echosession

import (
	"bufio"
	"net"
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/serversession/serversession/sessions"
)

// writer is the Response's Writer while the middleware runs, and commits the
// session before the headers go out, whichever way they go:
// Response.WriteHeader and Response.Write (after Echo's Before hooks ran),
// but also Response.Flush and Response.Hijack, which go straight to the
// Writer (a server-sent event stream flushes before writing), and handlers
// that write to c.Response().Writer themselves. Echo's Before hooks alone
// would miss those, and the headers would leave without the session cookie.
// When the ErrorHandler answered instead, the handler's output is dropped.
type writer struct {
	http.ResponseWriter
	res *echo.Response
	m   *sessions.Manager
	s   *sessions.Session
}

// WriteHeader commits the session before the headers go out. Commit is
// idempotent: later calls repeat its answer, whether the handler's output
// goes through or the ErrorHandler answered instead.
func (w *writer) WriteHeader(code int) {
	if code < http.StatusOK && code != http.StatusSwitchingProtocols {
		w.ResponseWriter.WriteHeader(code) // 1xx informational: the real headers are still to come
		return
	}
	if w.m.Commit(w.s) {
		w.ResponseWriter.WriteHeader(code)
	}
}

// Write commits the session before the first byte goes out.
func (w *writer) Write(p []byte) (int, error) {
	if !w.m.Commit(w.s) {
		return len(p), nil
	}
	return w.ResponseWriter.Write(p)
}

// FlushError is what Response.Flush calls, through http.ResponseController.
// Before anything was written it sends the headers through
// Response.WriteHeader, which runs the Before hooks (every middleware's, not
// only the session's) as a Write would.
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
