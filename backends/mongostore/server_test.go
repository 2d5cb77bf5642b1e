package mongostore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/serversession/serversession/internal/testserver"
)

// testDatabase holds every collection the tests create. Each test makes its
// own collection and drops it when it ends; the database is never dropped.
const testDatabase = "serversession_test"

// mongoURI returns the URI of the test server after checking that it
// answers; otherwise the test is skipped (or fails when servers are
// required).
func mongoURI(t testing.TB) string {
	t.Helper()
	uri, _ := mongoServer(t)
	return uri
}

// mongoServer returns the URI of the test server and its first host:port,
// after checking that it answers, as mongoURI does.
func mongoServer(t testing.TB) (uri, host string) {
	t.Helper()
	uri = testserver.Env("SERVERSESSION_MONGO_URI", "mongodb://127.0.0.1:27017")
	opts := options.Client().ApplyURI(uri)
	if len(opts.Hosts) == 0 {
		t.Fatalf("SERVERSESSION_MONGO_URI=%q names no host", uri)
	}
	testserver.Reachable(t, opts.Hosts[0], "MongoDB (SERVERSESSION_MONGO_URI)")
	return uri, opts.Hosts[0]
}

// connect returns a client for uri, disconnected when t ends. Timeouts are
// short unless uri sets them.
func connect(t testing.TB, uri string) *mongo.Client {
	t.Helper()
	client, err := mongo.Connect(options.Client().
		SetServerSelectionTimeout(2 * time.Second).
		SetConnectTimeout(2 * time.Second).
		ApplyURI(uri))
	if err != nil {
		t.Fatalf("mongo.Connect(%q): %v", uri, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = client.Disconnect(ctx)
	})
	return client
}

// testCollection returns a collection of its own for t, on client, dropped
// when t ends.
func testCollection(t testing.TB, client *mongo.Client) *mongo.Collection {
	t.Helper()
	coll := client.Database(testDatabase).Collection(collectionName(t))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := coll.Drop(ctx); err != nil {
			t.Logf("drop collection %s: %v", coll.Name(), err)
		}
	})
	return coll
}

// collectionName derives a collection name from the test's name plus random
// hex, using only letters, digits and underscores.
func collectionName(t testing.TB) string {
	var b strings.Builder
	for _, r := range t.Name() {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	name := b.String()
	if len(name) > 60 {
		name = name[:60]
	}
	var rnd [4]byte
	_, _ = rand.Read(rnd[:])
	return name + "_" + hex.EncodeToString(rnd[:])
}

// newTestStore returns a Store on a fresh collection of the test server,
// logging to t.
func newTestStore(t testing.TB) *Store {
	t.Helper()
	client := connect(t, mongoURI(t))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := New(ctx, testCollection(t, client), WithLogger(testLogger(t)))
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return s
}

// testLogger returns a logger that writes through t.Log, so that what the
// store logs shows up with the test that caused it.
func testLogger(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(tWriter{t}, nil))
}

type tWriter struct{ t testing.TB }

func (w tWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}
