package ginsession

import (
	"bufio"
	"net"
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/serversession/serversession/sessions"
)

// writer commits the session right before gin writes the headers. gin's
// WriteHeader only records the status, so it is not hooked. When the
// session's ErrorHandler answered instead, the handler's output is dropped.
type writer struct {
	gin.ResponseWriter
	h *sessions.Handle
}

// commit commits the session the first time and reports whether the
// handler's output goes through (Commit remembers both).
func (w *writer) commit() bool { return w.h.Commit() }

func (w *writer) WriteHeaderNow() {
	if w.commit() {
		w.ResponseWriter.WriteHeaderNow()
	}
}

func (w *writer) Write(p []byte) (int, error) {
	if !w.commit() {
		return len(p), nil
	}
	return w.ResponseWriter.Write(p)
}

func (w *writer) WriteString(s string) (int, error) {
	if !w.commit() {
		return len(s), nil
	}
	return w.ResponseWriter.WriteString(s)
}

func (w *writer) Flush() {
	if w.commit() {
		w.ResponseWriter.Flush()
	}
}

func (w *writer) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	if !w.commit() {
		return nil, nil, sessions.ErrNotHijacked // the ErrorHandler's answer goes out instead
	}
	return w.ResponseWriter.Hijack()
}

// Unwrap lets http.ResponseController reach gin's writer, and through it the
// server's deadlines and full-duplex mode.
func (w *writer) Unwrap() http.ResponseWriter { return w.ResponseWriter }
