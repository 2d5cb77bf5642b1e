package redisstore_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"os"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/serversession/serversession/adapters/httpsession"
	"github.com/serversession/serversession/backends/redisstore"
	"github.com/serversession/serversession/sessions"
)

// Example is an app whose sessions live in Redis: it counts each browser's
// visits. It needs a Redis server on 127.0.0.1:6379 and then serves until
// stopped, so go test compiles it but does not run it.
func Example() {
	rdb := redis.NewClient(&redis.Options{
		Addr:                  "127.0.0.1:6379",
		ContextTimeoutEnabled: true, // request deadlines bound each command
	})
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if err := rdb.Ping(ctx).Err(); err != nil {
		log.Fatalf("redis at %s does not answer: %v", rdb.Options().Addr, err)
	}

	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		s := sessions.Get(r)
		visits, _ := sessions.Value[int](s, "visits")
		s.Set("visits", visits+1) // saved for you before the response goes out
		fmt.Fprintf(w, "visits: %d\n", visits+1)
	})
	handler := httpsession.New(sessions.Config{
		Store:     redisstore.New(rdb),                     // the client stays yours to close
		SecretKey: []byte(os.Getenv("SESSION_SECRET_KEY")), // 32 random bytes
	})(mux)
	log.Fatal(http.ListenAndServe("127.0.0.1:8080", handler))
}

// Example_userIndex lists and revokes a user's sessions. The Store keeps
// each user's index under the sessions' key prefix, which WithKeyPrefix
// tells it when the Config's is not the default; the middleware ties and
// unties sessions as users log in and out (Config.Users), and
// Manager.UserSessions and Manager.RevokeAll use UserRecords. It needs a
// Redis server on 127.0.0.1:6379, so it is compiled but not run by go test.
func Example_userIndex() {
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379", ContextTimeoutEnabled: true})
	defer rdb.Close()
	store := redisstore.New(rdb, redisstore.WithKeyPrefix("myapp:"))
	m, err := sessions.New(sessions.Config{
		Store:     store,
		SecretKey: []byte("a secret key of at least 32 bytes!"),
		KeyPrefix: "myapp:", // records "myapp:<id>", the index of user 42 "myapp:user-sha256:<hex SHA-256 of "42">"
		Users:     &sessions.UserIndexConfig{},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()
	// EVALSHA <list script> 1 myapp:user-sha256:…, then GET and PTTL of each
	// session, pipelined: two round trips.
	list, err := m.UserSessions(ctx, "42")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(len(list), "sessions")
	// The same listing, then DEL of each record and its Untie.
	n, err := m.RevokeAll(ctx, "42", "")
	fmt.Println(n, err)
}
