package httpsession

import (
	"bufio"
	"io"
	"net"
	"net/http"

	"github.com/serversession/serversession/sessions"
)

// writer commits the session right before the headers go out. When the
// session's ErrorHandler answered instead, it drops what the handler writes.
type writer struct {
	http.ResponseWriter
	m *sessions.Manager
	s *sessions.Session
}

// commit commits the session the first time and reports whether the
// handler's output goes through (Commit remembers both).
func (w *writer) commit() bool { return w.m.Commit(w.s) }

func (w *writer) WriteHeader(code int) {
	if code < 200 && code != http.StatusSwitchingProtocols {
		w.ResponseWriter.WriteHeader(code) // 1xx informational: the real headers are still to come
		return
	}
	if w.commit() {
		w.ResponseWriter.WriteHeader(code)
	}
}

func (w *writer) Write(p []byte) (int, error) {
	if !w.commit() {
		return len(p), nil
	}
	return w.ResponseWriter.Write(p)
}

// ReadFrom keeps the server's sendfile path for io.Copy.
func (w *writer) ReadFrom(r io.Reader) (int64, error) {
	if !w.commit() {
		return io.Copy(io.Discard, r)
	}
	return io.Copy(w.ResponseWriter, r)
}

// FlushError is what http.ResponseController.Flush calls.
func (w *writer) FlushError() error {
	if !w.commit() {
		return nil
	}
	return http.NewResponseController(w.ResponseWriter).Flush()
}

// Flush implements http.Flusher for handlers that type-assert it.
func (w *writer) Flush() { _ = w.FlushError() }

// Hijack commits the session before handing the connection over.
func (w *writer) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	w.commit()
	return http.NewResponseController(w.ResponseWriter).Hijack()
}

// Unwrap lets http.ResponseController reach the server's writer.
func (w *writer) Unwrap() http.ResponseWriter { return w.ResponseWriter }
