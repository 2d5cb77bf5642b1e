package sessions

import (
	"maps"
	"net/http"
)

// errorWriter is what the ErrorHandler writes to before the headers went
// out. When it answers, its response replaces the handler's, headers
// included (a 500 never goes out with the handler's Location or cookies);
// when it writes nothing, the handler's headers stay.
type errorWriter struct {
	w     http.ResponseWriter
	h     http.Header
	wrote bool
}

func (w *errorWriter) Header() http.Header { return w.h }

func (w *errorWriter) WriteHeader(code int) {
	w.start()
	w.w.WriteHeader(code)
}

func (w *errorWriter) Write(p []byte) (int, error) {
	w.start()
	return w.w.Write(p)
}

func (w *errorWriter) Unwrap() http.ResponseWriter { return w.w }

// start replaces the response's headers with the ErrorHandler's, keeping
// Vary: the answer still depended on the session cookie.
func (w *errorWriter) start() {
	if w.wrote {
		return
	}
	w.wrote = true
	dst := w.w.Header()
	vary := dst["Vary"]
	clear(dst)
	maps.Copy(dst, w.h)
	if vary != nil && dst["Vary"] == nil {
		dst["Vary"] = vary
	}
}

// discardWriter is what the ErrorHandler gets once the headers are out:
// there is no response left to change.
type discardWriter struct{}

func (discardWriter) Header() http.Header         { return http.Header{} }
func (discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (discardWriter) WriteHeader(int)             {}
