package sessions

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
)

// Handle is one request's session lifecycle, as an adapter drives it:
// Begin, then Run of the handler. It holds the request-phase state and the
// Session in one allocation.
type Handle struct {
	s      Session
	w      commitWriter    // Writer; its ResponseWriter is the adapter's writer
	r      *http.Request   // the request as Begin got it
	req    http.Request    // r as the handler sees it, its context carrying the session
	ctx    sessionContext  // that context
	stage  stage           // where the request is: serving, headers sent, done…
	client clientCookie    // the session cookie the client holds: as sent, then as this response leaves it
	hint   userHintContext // the context of a write whose session names a user (see WithUserHint)
	load   deadlineContext // the context of the load, bounded by LoadTimeout
	save   deadlineContext // the context of a commit's store calls (see storeContext)
	due    bool            // the record this request loaded was due a refresh (see refreshedKeys)

	private [1]string // the value of the Cache-Control header setCookie adds
}

// userHint returns ctx marked with the user hint, without allocating.
func (h *Handle) userHint(ctx context.Context) context.Context {
	h.hint.Context = ctx
	return &h.hint
}

// stage is where a request is in the lifecycle, as the adapter drives it.
type stage uint8

const (
	serving   stage = iota // the handler runs; the headers are not out
	sent                   // the commit before the headers succeeded; finish saves later changes
	failed                 // that commit failed and the ErrorHandler had its call: nothing more is saved
	replaced               // as failed, and the ErrorHandler wrote the response: the handler's output is dropped
	abandoned              // the handler panicked: nothing is saved
	done                   // finish ran: later changes cannot be saved
)

// clientCookie is the session cookie the client holds.
type clientCookie struct {
	id    string // the verified session ID it names; "" if none
	value string // its value, to send back unchanged on refresh; "" to sign id afresh
	sent  bool   // the client sent a session cookie, valid or not
}

// Session returns the request's session.
func (h *Handle) Session() *Session { return &h.s }

// Request returns the request to hand the handler: the request Begin got,
// with the session in its context.
func (h *Handle) Request() *http.Request { return &h.req }

// Writer returns the response writer to hand the handler. It commits the
// session on the first Write, WriteHeader (of 101 or a final status),
// Flush, ReadFrom or Hijack, drops what the handler writes when the
// ErrorHandler answered instead, and keeps Unwrap.
func (h *Handle) Writer() http.ResponseWriter { return &h.w }

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

// Hijack commits the session before handing the connection over, unless
// the ErrorHandler answered instead.
func (w *commitWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	if !w.h.Commit() {
		return nil, nil, ErrNotHijacked
	}
	return http.NewResponseController(w.ResponseWriter).Hijack()
}

// Unwrap lets http.ResponseController reach the server's writer.
func (w *commitWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
