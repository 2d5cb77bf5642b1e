package memcachedstore_test

import (
	"fmt"
	"log"
	"net/http"
	"os"
	"time"

	"github.com/bradfitz/gomemcache/memcache"

	"github.com/serversession/serversession/adapters/httpsession"
	"github.com/serversession/serversession/backends/memcachedstore"
	"github.com/serversession/serversession/sessions"
)

// Example is an app whose sessions live in memcached: it counts each
// browser's visits. It needs memcached on 127.0.0.1:11211 and then serves
// until stopped, so go test compiles it but does not run it.
func Example() {
	mc := memcache.New("127.0.0.1:11211")
	mc.Timeout = 200 * time.Millisecond // bounds each call: gomemcache takes no context
	if err := mc.Ping(); err != nil {
		log.Fatalf("memcached does not answer: %v", err)
	}
	// A server run with -I 4m takes larger items: tell the Store, which
	// refuses larger records itself rather than let memcached refuse them.
	store := memcachedstore.New(mc, memcachedstore.WithItemSizeLimit(4<<20))

	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		s := sessions.Get(r)
		visits, _ := sessions.Value[int](s, "visits")
		s.Set("visits", visits+1) // saved for you before the response goes out
		fmt.Fprintf(w, "visits: %d\n", visits+1)
	})
	handler := httpsession.New(sessions.Config{
		Store:     store,
		SecretKey: []byte(os.Getenv("SESSION_SECRET_KEY")), // 32 random bytes
	})(mux)
	log.Fatal(http.ListenAndServe("127.0.0.1:8080", handler))
}
