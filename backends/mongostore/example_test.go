package mongostore_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/serversession/serversession/backends/mongostore"
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
	if err := store.Save(ctx, "session:abc", []byte("record"), 31*24*time.Hour); err != nil {
		log.Fatal(err)
	}
	data, found, err := store.LoadTouch(ctx, "session:abc", 31*24*time.Hour)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(string(data), found)
}
