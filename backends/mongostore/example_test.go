package mongostore_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/serversession/serversession/backends/mongostore"
	"github.com/serversession/serversession/sessions"
)

// Example connects to a local MongoDB (or FerretDB) and keeps sessions in
// Flask-Session's default collection, flask_session.sessions. It needs a
// server, so it is compiled but not run by go test.
func Example() {
	client, err := mongo.Connect(options.Client().ApplyURI("mongodb://127.0.0.1:27017"))
	if err != nil {
		log.Fatal(err)
	}
	defer client.Disconnect(context.Background())

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	store, err := mongostore.New(ctx, client.Database("flask_session").Collection("sessions"))
	if err != nil {
		log.Fatal(err)
	}

	// The session middleware calls these; shown here for what they store.
	// Create writes only where no live session is; Replace only over the
	// record that was loaded, so concurrent requests never overwrite each
	// other unnoticed.
	const ttl = 31 * 24 * time.Hour
	if err := store.Create(ctx, "session:abc", []byte("record"), ttl); err != nil {
		log.Fatal(err)
	}
	rec, found, err := store.LoadTouch(ctx, "session:abc", ttl)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(string(rec.Data), found)
	err = store.Replace(ctx, "session:abc", rec, []byte("changed"), ttl)
	if errors.Is(err, sessions.ErrConflict) {
		fmt.Println("another request changed the session first")
	} else if err != nil {
		log.Fatal(err)
	}
}
