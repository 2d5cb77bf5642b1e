//go:build mongodb

package demo

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/serversession/serversession/backends/mongostore"
	"github.com/serversession/serversession/sessions"
)

// The "mongodb" choice: mongostore on $SERVERSESSION_MONGO_URI
// (mongodb://127.0.0.1:27017 by default), in Flask-Session's default
// database and collection. Its driver is a large build, so this file is
// built only with -tags mongodb.
func init() {
	Stores["mongodb"] = func(string) (sessions.Store, func(), error) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		client, err := mongo.Connect(options.Client().ApplyURI(env("SERVERSESSION_MONGO_URI", "mongodb://127.0.0.1:27017")))
		if err != nil {
			return nil, nil, err
		}
		s, err := mongostore.New(ctx, client.Database("flask_session").Collection("sessions"))
		if err != nil {
			client.Disconnect(ctx)
			return nil, nil, err
		}
		return s, func() { client.Disconnect(context.Background()) }, nil
	}
}
