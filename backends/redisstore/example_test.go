package redisstore_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/serversession/serversession/backends/redisstore"
	"github.com/serversession/serversession/sessions"
)

// Example keeps a session record in a local Redis. In an app the store goes
// into sessions.Config{Store: store}, and the middleware calls these methods;
// they are called by hand here to show what each one sends. It needs a Redis
// server on 127.0.0.1:6379, so it is compiled but not run by go test.
func Example() {
	rdb := redis.NewClient(&redis.Options{
		Addr:                  "127.0.0.1:6379",
		ContextTimeoutEnabled: true, // request deadlines bound each command
	})
	defer rdb.Close()
	store := redisstore.New(rdb)

	ctx := context.Background()
	const key = "session:example-id" // prefix + session ID, as the core builds it
	lifetime := 31 * 24 * time.Hour  // Flask's PERMANENT_SESSION_LIFETIME

	// SET session:example-id <record> PX 2678400000 NX: only if no record is there.
	if err := store.Create(ctx, key, []byte("\x81\xa7user_id\x2a"), lifetime); err != nil {
		fmt.Println(err) // errors.Is(err, sessions.ErrConflict) when the ID is taken
		return
	}
	// GETEX session:example-id PX 2678400000: load and refresh, one round trip.
	rec, found, err := store.LoadTouch(ctx, key, lifetime)
	if err != nil {
		fmt.Println(err) // Redis is down: not the same as a missing session
		return
	}
	fmt.Println(found, len(rec.Data))
	// EVALSHA <script> 1 session:example-id <old> <new> 2678400000: writes only
	// if the record still holds rec.Data.
	err = store.Replace(ctx, key, rec, []byte("\x81\xa7user_id\x2b"), lifetime)
	if errors.Is(err, sessions.ErrConflict) {
		fmt.Println("another request changed or deleted the session first")
	}
	// DEL session:example-id
	if err := store.Delete(ctx, key); err != nil {
		fmt.Println(err)
	}
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
