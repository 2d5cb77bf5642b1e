package mongostore

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
)

// TestTTLIndexRejectionIsLogged checks that a server that rejects the TTL
// index (FerretDB 1.x answers NotImplemented) does not stop New: the
// rejection is logged at warning level and the store works.
func TestTTLIndexRejectionIsLogged(t *testing.T) {
	client := connect(t, mongoURI(t))
	coll := testCollection(t, client)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	var logged bytes.Buffer
	s, err := New(ctx, coll, WithLogger(slog.New(slog.NewJSONHandler(&logged, nil))))
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	if hasTTLIndex(t, coll) {
		t.Skip("this server accepted the TTL index (real MongoDB?); nothing was rejected")
	}
	out := logged.String()
	for _, want := range []string{`"level":"WARN"`, "TTL index", `"collection":"` + testDatabase + "." + coll.Name(), `"error":`} {
		if !strings.Contains(out, want) {
			t.Errorf("log output lacks %s; got:\n%s", want, out)
		}
	}
	t.Logf("logged: %s", out)

	if err := s.Create(ctx, "k", []byte("v"), time.Minute); err != nil {
		t.Fatalf("Create after the rejection: %v", err)
	}
	if rec, found, err := s.Load(ctx, "k"); err != nil || !found || string(rec.Data) != "v" {
		t.Fatalf("Load after the rejection = (%q, %v, %v); want (\"v\", true, nil)", rec.Data, found, err)
	}
}

// TestNewIsIdempotent checks that New on a collection it already set up
// succeeds, and that the unique index on id is there and enforced.
func TestNewIsIdempotent(t *testing.T) {
	client := connect(t, mongoURI(t))
	coll := testCollection(t, client)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for i := range 2 {
		if _, err := New(ctx, coll, WithLogger(testLogger(t))); err != nil {
			t.Fatalf("New #%d: %v", i+1, err)
		}
	}
	idx := indexes(t, coll)
	id, ok := idx[idIndexName]
	if !ok {
		t.Fatalf("no index %s after New; indexes: %v", idIndexName, idx)
	}
	if unique, _ := id.Lookup("unique").BooleanOK(); !unique {
		t.Errorf("index %s is not unique: %v", idIndexName, id)
	}
	if _, err := coll.InsertOne(ctx, bson.D{{Key: "id", Value: "dup"}}); err != nil {
		t.Fatalf("insert: %v", err)
	}
	_, err := coll.InsertOne(ctx, bson.D{{Key: "id", Value: "dup"}})
	if !mongo.IsDuplicateKeyError(err) {
		t.Errorf("second insert of id %q returned %v; want a duplicate key error", "dup", err)
	}
}

// TestNewFailsWithoutServer checks that New reports a server it cannot
// reach, instead of logging it as a TTL rejection.
func TestNewFailsWithoutServer(t *testing.T) {
	_, p := proxiedStore(t, 300*time.Millisecond)
	client := connect(t, "mongodb://"+p.Addr()+"/?directConnection=true&serverSelectionTimeoutMS=300")
	p.Stop()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var logged bytes.Buffer
	_, err := New(ctx, client.Database(testDatabase).Collection("never_created"),
		WithLogger(slog.New(slog.NewTextHandler(&logged, nil))))
	if err == nil {
		t.Fatal("New with the server gone returned no error")
	}
	if !strings.Contains(err.Error(), "mongostore: create unique index") {
		t.Errorf("New error %q does not say what failed", err)
	}
	if logged.Len() != 0 {
		t.Errorf("New logged %q; a server that does not answer is an error, not a rejection", logged.String())
	}
}

func TestNewNilCollection(t *testing.T) {
	if _, err := New(context.Background(), nil); err == nil {
		t.Fatal("New(ctx, nil) returned no error")
	}
}

// indexes returns the collection's index specifications by name.
func indexes(t *testing.T, coll *mongo.Collection) map[string]bson.Raw {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cur, err := coll.Indexes().List(ctx)
	if err != nil {
		t.Fatalf("list indexes: %v", err)
	}
	var specs []bson.Raw
	if err := cur.All(ctx, &specs); err != nil {
		t.Fatalf("list indexes: %v", err)
	}
	byName := map[string]bson.Raw{}
	for _, s := range specs {
		byName[s.Lookup("name").StringValue()] = s
	}
	return byName
}

// hasTTLIndex reports whether the collection has the TTL index on
// expiration.
func hasTTLIndex(t *testing.T, coll *mongo.Collection) bool {
	t.Helper()
	spec, ok := indexes(t, coll)[expirationIndexName]
	if !ok {
		return false
	}
	_, err := spec.LookupErr("expireAfterSeconds")
	return err == nil
}
