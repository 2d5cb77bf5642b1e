package mongostore_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"os"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/serversession/serversession/adapters/httpsession"
	"github.com/serversession/serversession/backends/mongostore"
	"github.com/serversession/serversession/sessions"
)

// Example is an app whose sessions live in MongoDB (or FerretDB), in
// Flask-Session's default collection, flask_session.sessions: it counts
// each browser's visits. It needs a server on 127.0.0.1:27017 and then
// serves until stopped, so go test compiles it but does not run it.
func Example() {
	client, err := mongo.Connect(options.Client().ApplyURI("mongodb://127.0.0.1:27017"))
	if err != nil {
		log.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := client.Ping(ctx, nil); err != nil {
		log.Fatalf("mongodb does not answer: %v", err)
	}
	store, err := mongostore.New(ctx, client.Database("flask_session").Collection("sessions"))
	if err != nil {
		log.Fatal(err)
	}

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
