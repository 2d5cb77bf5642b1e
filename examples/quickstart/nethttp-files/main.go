// Command nethttp-files is the README's third quickstart: a net/http app
// (the standard mux; chi and gorilla/mux take the same middleware) whose
// sessions live in files.
//
//	SESSION_SECRET_KEY=$(openssl rand -base64 32) go run .
package main

import (
	"encoding/json"
	"log"
	"net/http"
	"os"

	"github.com/serversession/serversession/adapters/httpsession"
	"github.com/serversession/serversession/backends/filestore"
	"github.com/serversession/serversession/sessions"
)

func main() {
	store, err := filestore.New("./sessions") // one file per session, mode 0600
	if err != nil {
		log.Fatal(err)
	}
	defer store.Close()
	key := []byte(os.Getenv("SESSION_SECRET_KEY")) // signs the session ID in the cookie
	if len(key) < 16 {
		log.Fatal("set SESSION_SECRET_KEY to 32 random bytes: SESSION_SECRET_KEY=$(openssl rand -base64 32) go run .")
	}
	cfg := sessions.Config{
		Store:     store,
		SecretKey: key,
	}
	log.Fatal(http.ListenAndServe("127.0.0.1:8080", newHandler(cfg)))
}

func newHandler(cfg sessions.Config) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		s := sessions.Get(r)
		visits, _ := sessions.Value[int](s, "visits")
		s.Set("visits", visits+1) // saved for you before the response goes out
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"user": s.User(), "visits": visits + 1})
	})
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		s := sessions.Get(r)
		s.Regenerate() // a new session ID at login defeats session fixation
		s.SetUser(r.FormValue("user"))
		http.Redirect(w, r, "/", http.StatusSeeOther)
	})
	mux.HandleFunc("POST /logout", func(w http.ResponseWriter, r *http.Request) {
		sessions.Get(r).Destroy() // deletes the record, expires the cookie
		http.Redirect(w, r, "/", http.StatusSeeOther)
	})
	return httpsession.New(cfg)(mux) // chi: r.Use(httpsession.New(cfg))
}
