package gormstore_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"os"
	"path/filepath"
	"time"

	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/serversession/serversession/adapters/httpsession"
	"github.com/serversession/serversession/backends/gormstore"
	"github.com/serversession/serversession/sessions"
)

// Example is an app whose sessions live in an SQL database, in
// Flask-Session's "sessions" table: it counts each browser's visits. It
// uses an SQLite file, which needs no server; for PostgreSQL or MySQL, open
// the *gorm.DB with their driver instead. The app would serve the handler
// with http.ListenAndServe; here a test server serves it, and a client with
// a cookie jar visits twice, as a browser would.
func Example() {
	dir, err := os.MkdirTemp("", "gormstore-example-")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)

	// WAL and a busy timeout let concurrent requests write without
	// "database is locked" errors.
	dsn := "file:" + filepath.Join(dir, "sessions.db") + "?_busy_timeout=5000&_journal_mode=WAL"
	db, err := gorm.Open(sqlite.Open(dsn), &gorm.Config{Logger: logger.Discard})
	if err != nil {
		fmt.Println(err)
		return
	}
	sqlDB, err := db.DB()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer sqlDB.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if err := sqlDB.PingContext(ctx); err != nil {
		fmt.Println("the database does not answer:", err)
		return
	}
	// New creates the table if it is missing; the sweep removes expired rows.
	store, err := gormstore.New(db, gormstore.WithCleanupInterval(10*time.Minute))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer store.Close() // stops the sweep; the *gorm.DB stays yours

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
