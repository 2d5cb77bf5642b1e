package filestore_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"os"
	"path/filepath"

	"github.com/serversession/serversession/adapters/httpsession"
	"github.com/serversession/serversession/backends/filestore"
	"github.com/serversession/serversession/sessions"
)

// Example is an app whose sessions live in files, one per session: it
// counts each browser's visits. The app would serve the handler with
// http.ListenAndServe; here a test server serves it, and a client with a
// cookie jar visits twice, as a browser would.
func Example() {
	dir, err := os.MkdirTemp("", "sessions-example-") // an app: a folder of its own, "./sessions"
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)

	store, err := filestore.New(filepath.Join(dir, "sessions")) // created with mode 0700; files 0600
	if err != nil {
		fmt.Println(err) // says why the folder is unusable
		return
	}
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
	files, _ := filepath.Glob(filepath.Join(dir, "sessions", "[0-9a-f]*"))
	fmt.Println(len(files), "session file")
	// Output:
	// visits: 1
	// visits: 2
	// 1 session file
}
