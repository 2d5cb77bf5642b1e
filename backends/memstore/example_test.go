package memstore_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"

	"github.com/serversession/serversession/adapters/httpsession"
	"github.com/serversession/serversession/backends/memstore"
	"github.com/serversession/serversession/sessions"
)

// Example is an app whose sessions live in the process's memory: it counts
// each browser's visits. The app would serve the handler with
// http.ListenAndServe; here a test server serves it, and a client with a
// cookie jar visits twice, as a browser would.
func Example() {
	store := memstore.New() // expired sessions are swept in the background
	defer store.Close()

	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		s := sessions.Get(r)
		visits, _ := sessions.Value[int](s, "visits")
		s.Set("visits", visits+1) // saved for you before the response goes out
		fmt.Fprintf(w, "visits: %d", visits+1)
	})
	handler := httpsession.New(sessions.Config{
		Store:     store,
		SecretKey: []byte("use 32 random bytes in your app!"), // signs the session ID in the cookie
	})(mux)

	srv := httptest.NewServer(handler)
	defer srv.Close()
	jar, err := cookiejar.New(nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	browser := &http.Client{Jar: jar} // sends the session cookie back
	for range 2 {
		resp, err := browser.Get(srv.URL)
		if err != nil {
			fmt.Println(err)
			return
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		fmt.Println(string(body))
	}
	// Output:
	// visits: 1
	// visits: 2
}
