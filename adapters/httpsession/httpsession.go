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
// on the first Write, WriteHeader (200 and above), Flush, ReadFrom or Hijack,
// or after the handler returns if it wrote nothing. The writer the handler
// gets keeps Unwrap, so http.ResponseController still reaches the server's
// Flush, Hijack and deadlines.
package httpsession

import (
	"net/http"

	"github.com/serversession/serversession/sessions"
)

// request is one request's state, in one allocation: the session (which
// holds the request the handler sees) and the writer that commits it.
type request struct {
	session sessions.Session
	writer  writer
}

// New returns middleware that gives every request a session, configured by
// cfg. It panics at startup, not per request, if cfg is invalid; the message
// says what to change (sessions.New returns it as an error).
func New(cfg sessions.Config) func(http.Handler) http.Handler {
	m := sessions.MustNew(cfg)
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			st := new(request)
			s := &st.session
			req := m.Init(s, w, r)
			st.writer = writer{ResponseWriter: w, m: m, s: s}
			sw := &st.writer
			finished := false
			defer func() {
				if !finished {
					m.Abandon(s) // the handler panicked: save nothing
				}
			}()
			next.ServeHTTP(sw, req)
			finished = true
			m.Finish(s)
		})
	}
}
