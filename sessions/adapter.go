package sessions

import (
	"bufio"
	"io"
	"net"
	"net/http"
)

// Handle is one request's session lifecycle, as an adapter drives it:
// Begin, then Run of the handler. It holds the session and its commit
// writer in one allocation.
type Handle struct {
	s Session
	w commitWriter
}

// Begin starts the session of request r, whose response goes to w. Nothing
// is read yet: the cookie and the record are loaded when the handler first
// uses the session. The Handle serves this one request.
func (m *Manager) Begin(w http.ResponseWriter, r *http.Request) *Handle {
	h := new(Handle)
	m.start(&h.s, w, r)
	h.w = commitWriter{ResponseWriter: w, h: h}
	return h
}

// Session returns the request's session.
func (h *Handle) Session() *Session { return &h.s }

// Request returns the request to hand the handler: the request Begin got,
// with the session in its context.
func (h *Handle) Request() *http.Request { return &h.s.req }

// Writer returns the response writer to hand the handler. It commits the
// session right before the headers go out: on the first Write, WriteHeader
// (of 101 or a final status; 1xx informational headers pass), Flush,
// ReadFrom or Hijack. When the commit failed and the ErrorHandler wrote a
// response of its own, it drops what the handler writes. It keeps Unwrap,
// so http.ResponseController reaches the server's writer.
func (h *Handle) Writer() http.ResponseWriter { return &h.w }

// Commit commits the session, if it is not committed yet; call it right
// before the response headers are written, where the framework writes
// them. It reports whether the handler's output goes out: false means the
// ErrorHandler wrote a response of its own, and the adapter must drop
// whatever the handler writes. Later calls repeat the first answer.
func (h *Handle) Commit() bool { return h.s.m.commit(&h.s) }

// Run calls handler, the rest of the chain, and then ends the request: it
// commits if nothing was written, or saves what changed after the headers
// went out. If handler panics, nothing is saved and no cookie is set,
// whatever a recovery middleware writes next, and the panic goes on, stack
// and all.
func (h *Handle) Run(handler func()) {
	m, s := h.s.m, &h.s
	returned := false
	defer func() {
		if !returned {
			m.abandon(s)
		}
	}()
	handler()
	returned = true
	m.finish(s)
}

// commitWriter is Handle.Writer.
type commitWriter struct {
	http.ResponseWriter
	h *Handle
}

func (w *commitWriter) WriteHeader(code int) {
	if code >= 100 && code < http.StatusOK && code != http.StatusSwitchingProtocols {
		w.ResponseWriter.WriteHeader(code) // 1xx informational: the real headers are still to come
		return
	}
	if w.h.Commit() {
		w.ResponseWriter.WriteHeader(code)
	}
}

func (w *commitWriter) Write(p []byte) (int, error) {
	if !w.h.Commit() {
		return len(p), nil
	}
	return w.ResponseWriter.Write(p)
}

// ReadFrom keeps the server's sendfile path for io.Copy.
func (w *commitWriter) ReadFrom(r io.Reader) (int64, error) {
	if !w.h.Commit() {
		return io.Copy(io.Discard, r)
	}
	return io.Copy(w.ResponseWriter, r)
}

// FlushError is what http.ResponseController.Flush calls.
func (w *commitWriter) FlushError() error {
	if !w.h.Commit() {
		return nil
	}
	return http.NewResponseController(w.ResponseWriter).Flush()
}

// Flush implements http.Flusher for code that type-asserts it.
func (w *commitWriter) Flush() { _ = w.FlushError() }

// Hijack commits the session before handing the connection over; the
// headers are then the hijacker's to write. When the commit failed and the
// ErrorHandler answered, the connection is not handed over: the answer
// goes out instead.
func (w *commitWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	if !w.h.Commit() {
		return nil, nil, ErrNotHijacked
	}
	return http.NewResponseController(w.ResponseWriter).Hijack()
}

// Unwrap lets http.ResponseController reach the server's writer.
func (w *commitWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
