// Package httpsession is the net/http session middleware. It composes like
// any func(http.Handler) http.Handler, so it serves the standard mux, chi,
// gorilla/mux and anything else built on net/http.
//
//	mux := http.NewServeMux()
//	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
//		s := sessions.Get(r)
//		n, _ := sessions.Value[int](s, "visits")
//		s.Set("visits", n+1) // saved for you before the response goes out
//	})
//	http.ListenAndServe(":8080", httpsession.New(sessions.Config{Store: store})(mux))
//
// The session is committed right before the response headers are written:
// on the first Write, WriteHeader (200 and above), Flush, ReadFrom or
// Hijack, or after the handler returns if it wrote nothing. The writer the
// handler gets keeps Unwrap, so http.ResponseController still reaches the
// server's Flush, Hijack and deadlines.
package httpsession

import (
	"net/http"

	"github.com/serversession/serversession/sessions"
)

// New returns middleware that gives every request a session, configured by
// cfg. It panics at startup, not per request, if cfg is invalid; the
// message says what to change. Middleware takes a Manager made with
// sessions.New instead, for an app that checks its configuration itself.
func New(cfg sessions.Config) func(http.Handler) http.Handler {
	return Middleware(sessions.MustNew(cfg))
}

// Middleware returns middleware that gives every request a session of m.
func Middleware(m *sessions.Manager) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			h := m.Begin(w, r)
			h.Run(func() { next.ServeHTTP(h.Writer(), h.Request()) })
		})
	}
}
