// Command nethttp is the serversession demo for net/http's ServeMux (the
// same middleware serves chi and gorilla/mux): a visit counter, a login that
// regenerates the session ID, a logout, flash messages, and a "Your
// sessions" page (/sessions) that logs out one or all other sessions.
//
//	go run ./examples/nethttp                 # filesystem store, http://127.0.0.1:8080/
//	go run ./examples/nethttp -store memory   # sessions in memory only
//	go run -tags redis ./examples/nethttp -store redis   # or memcached, mongodb, dynamodb: the tag of the store's name
//	go run -tags sqlite ./examples/nethttp -store sqlite   # gormstore on SQLite (needs cgo and a C compiler)
package main

import (
	"log"
	"net/http"

	"github.com/serversession/serversession/adapters/httpsession"
	"github.com/serversession/serversession/examples/internal/demo"
	"github.com/serversession/serversession/sessions"
)

func main() {
	opts := demo.ParseFlags()
	cfg, closeStore, err := opts.Config()
	if err != nil {
		log.Fatal(err)
	}
	defer closeStore()

	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		if err := demo.Render(w, "net/http", opts.Store, sessions.Get(r)); err != nil {
			log.Print(err)
		}
	})
	mux.HandleFunc("GET /visit", func(w http.ResponseWriter, r *http.Request) {
		s := sessions.Get(r)
		n, _ := sessions.Value[int](s, "visits")
		s.Set("visits", n+1) // saved for you before the redirect goes out
		http.Redirect(w, r, "/", http.StatusSeeOther)
	})
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		s, user := sessions.Get(r), r.PostFormValue("user")
		if user == "" {
			s.AddFlash("Type a name to log in.", "error")
		} else {
			s.Regenerate() // a session ID planted before the login is now worthless
			s.SetUser(user)
			s.AddFlash("Welcome, " + user + "! Your session ID changed.")
		}
		http.Redirect(w, r, "/", http.StatusSeeOther)
	})
	mux.HandleFunc("POST /logout", func(w http.ResponseWriter, r *http.Request) {
		s := sessions.Get(r)
		s.Destroy()                       // deletes the record and expires the cookie
		s.AddFlash("You are logged out.") // in the new session that follows
		http.Redirect(w, r, "/", http.StatusSeeOther)
	})
	mux.HandleFunc("GET /sessions", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		if err := demo.RenderSessions(w, "net/http", opts.Store, sessions.Get(r)); err != nil {
			log.Print(err)
		}
	})
	mux.HandleFunc("POST /sessions/revoke", func(w http.ResponseWriter, r *http.Request) {
		demo.Revoke(sessions.Get(r), r.PostFormValue("ref"))
		http.Redirect(w, r, "/sessions", http.StatusSeeOther)
	})
	mux.HandleFunc("POST /sessions/revoke-others", func(w http.ResponseWriter, r *http.Request) {
		demo.RevokeOthers(sessions.Get(r))
		http.Redirect(w, r, "/sessions", http.StatusSeeOther)
	})
	if err := demo.Serve(opts.Addr, httpsession.New(cfg)(mux)); err != nil {
		log.Print(err)
	}
}
