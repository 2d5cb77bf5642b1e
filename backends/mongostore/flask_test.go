package mongostore

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/serversession/serversession/sessions"
)

// TestFlaskSessionDocuments inserts documents as Flask-Session 0.8 writes
// them with pymongo (an ObjectId _id, bytes as binary subtype 0, a naive UTC
// datetime) and checks that the store reads, touches and deletes them, and
// that an expired one is not found.
func TestFlaskSessionDocuments(t *testing.T) {
	s := newTestStore(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	record := []byte{0x82, 0xaa, '_', 'p', 'e', 'r', 'm', 'a', 'n', 'e', 'n', 't', 0xc3, 0xa1, 'n', 0x01}
	live := time.Now().Add(time.Hour).UTC().Truncate(time.Millisecond)
	_, err := s.coll.InsertMany(ctx, []any{
		bson.D{
			{Key: "_id", Value: bson.NewObjectID()},
			{Key: "id", Value: "session:flask-live"},
			{Key: "val", Value: bson.Binary{Subtype: 0, Data: record}},
			{Key: "expiration", Value: bson.NewDateTimeFromTime(live)},
		},
		bson.D{
			{Key: "_id", Value: bson.NewObjectID()},
			{Key: "id", Value: "session:flask-expired"},
			{Key: "val", Value: bson.Binary{Subtype: 0, Data: record}},
			{Key: "expiration", Value: bson.NewDateTimeFromTime(time.Now().Add(-time.Minute))},
		},
	})
	if err != nil {
		t.Fatalf("insert Flask-Session documents: %v", err)
	}

	rec, found, err := s.Load(ctx, "session:flask-live")
	if err != nil || !found || !bytes.Equal(rec.Data, record) {
		t.Fatalf("Load(flask-live) = (%x, %v, %v); want (%x, true, nil)", rec.Data, found, err, record)
	}
	rec, found, err = s.Load(ctx, "session:flask-expired")
	if err != nil || found || rec.Data != nil {
		t.Fatalf("Load(flask-expired) = (%x, %v, %v); want (nil, false, nil)", rec.Data, found, err)
	}
	rec, found, err = s.LoadTouch(ctx, "session:flask-live", 2*time.Hour)
	if err != nil || !found || !bytes.Equal(rec.Data, record) {
		t.Fatalf("LoadTouch(flask-live) = (%x, %v, %v); want (%x, true, nil)", rec.Data, found, err, record)
	}
	// A Go write over Flask's document keeps it one document, of its shape.
	if err := s.Replace(ctx, "session:flask-live", rec, []byte("from Go"), time.Hour); err != nil {
		t.Fatalf("Replace(flask-live): %v", err)
	}
	if rec, found, err = s.Load(ctx, "session:flask-live"); err != nil || !found || string(rec.Data) != "from Go" {
		t.Fatalf("Load(flask-live) after Replace = (%q, %v, %v); want (\"from Go\", true, nil)", rec.Data, found, err)
	}
	// Flask's expired document is overwritten by Create, not duplicated.
	if err := s.Create(ctx, "session:flask-expired", []byte("new"), time.Hour); err != nil {
		t.Fatalf("Create over Flask's expired document: %v", err)
	}
	if n, err := s.coll.CountDocuments(ctx, bson.D{{Key: "id", Value: "session:flask-expired"}}); err != nil || n != 1 {
		t.Fatalf("after Create over the expired document, %d documents (err %v); want 1", n, err)
	}
	if err := s.Delete(ctx, "session:flask-live"); err != nil {
		t.Fatalf("Delete(flask-live): %v", err)
	}
	if n, err := s.coll.CountDocuments(ctx, bson.D{{Key: "id", Value: "session:flask-live"}}); err != nil || n != 0 {
		t.Fatalf("after Delete, %d documents (err %v); want 0", n, err)
	}
}

// TestCorruptDocument checks that a document whose val is not binary data
// is reported as not found and logged, not as an error that would fail
// every request carrying its cookie.
func TestCorruptDocument(t *testing.T) {
	var logged bytes.Buffer
	s := newTestStore(t)
	s.logger = slog.New(slog.NewTextHandler(&logged, nil))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	for _, val := range []any{int32(42), nil, bson.D{{Key: "x", Value: 1}}} {
		logged.Reset()
		if _, err := s.coll.DeleteMany(ctx, bson.D{}); err != nil {
			t.Fatal(err)
		}
		doc := bson.D{{Key: "id", Value: "bad"}, {Key: "expiration", Value: time.Now().Add(time.Hour)}}
		if val != nil {
			doc = append(doc, bson.E{Key: "val", Value: val})
		}
		if _, err := s.coll.InsertOne(ctx, doc); err != nil {
			t.Fatal(err)
		}
		for _, op := range []string{"Load", "LoadTouch"} {
			var rec sessions.Record
			var found bool
			var err error
			if op == "Load" {
				rec, found, err = s.Load(ctx, "bad")
			} else {
				rec, found, err = s.LoadTouch(ctx, "bad", time.Hour)
			}
			if err != nil || found || rec.Data != nil {
				t.Errorf("%s of a document with val %v = (%x, %v, %v); want (nil, false, nil)", op, val, rec.Data, found, err)
			}
		}
		if !strings.Contains(logged.String(), "without binary val") {
			t.Errorf("val %v: nothing logged; got %q", val, logged.String())
		}
	}
}
