package echosession

import (
	"cmp"
	"net/http"

	"github.com/labstack/echo/v4"
)

// writer is the Response's Writer while the middleware runs: the session's
// commit writer (sessions.Handle.Writer), which commits before the headers
// go out whichever way they go: Response.WriteHeader and Response.Write
// (after Echo's Before hooks ran), but also Response.Flush and
// Response.Hijack, which go straight to the Writer (a server-sent event
// stream flushes before writing), and handlers that write to
// c.Response().Writer themselves. Echo's Before hooks alone would miss
// those, and the headers would leave without the session cookie.
type writer struct {
	http.ResponseWriter // the Handle's commit writer
	res                 *echo.Response
}

// FlushError is what Response.Flush calls, through http.ResponseController.
// Before anything was written it sends the headers through
// Response.WriteHeader, which runs the Before hooks (every middleware's, not
// only the session's) as a Write would.
func (w *writer) FlushError() error {
	if !w.res.Committed {
		w.res.WriteHeader(cmp.Or(w.res.Status, http.StatusOK)) // echo.NewContext leaves Status at 0
	}
	return http.NewResponseController(w.ResponseWriter).Flush()
}

// Flush implements http.Flusher for code that type-asserts it.
func (w *writer) Flush() { _ = w.FlushError() }

// Unwrap lets http.ResponseController reach the commit writer, and through
// it the server's, for Hijack, deadlines and the rest.
func (w *writer) Unwrap() http.ResponseWriter { return w.ResponseWriter }
