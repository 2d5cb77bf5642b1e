package mongostore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/serversession/serversession/sessions"
)

// rawDoc returns the document of key as the collection holds it.
func rawDoc(t *testing.T, s *Store, key string) bson.Raw {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	raw, err := s.coll.FindOne(ctx, bson.D{{Key: "id", Value: key}}).Raw()
	if err != nil {
		t.Fatalf("FindOne(%q): %v", key, err)
	}
	return raw
}

// docUsers returns the users of the document of key, "-" for no users
// field at all.
func docUsers(t *testing.T, s *Store, key string) string {
	t.Helper()
	v, err := rawDoc(t, s, key).LookupErr(usersField)
	if err != nil {
		return "-"
	}
	arr, ok := v.ArrayOK()
	if !ok {
		t.Fatalf("users of %q is a %v; want an array", key, v.Type)
	}
	vals, err := arr.Values()
	if err != nil {
		t.Fatal(err)
	}
	users := []string{}
	for _, u := range vals {
		users = append(users, u.StringValue())
	}
	return "[" + strings.Join(users, " ") + "]"
}

// listed returns the keys UserRecords(user) returns, sorted.
func listed(t *testing.T, ctx context.Context, s *Store, user string) string {
	t.Helper()
	recs, err := s.UserRecords(ctx, user)
	if err != nil {
		t.Fatalf("UserRecords(%q): %v", user, err)
	}
	var keys []string
	for _, r := range recs {
		keys = append(keys, r.Key)
	}
	slices.Sort(keys)
	return strings.Join(keys, " ")
}

// TestUsersIndex checks that New creates the index on users, on the test
// server whatever it is (FerretDB 1.x included), and that a second New is
// harmless.
func TestUsersIndex(t *testing.T) {
	client := connect(t, mongoURI(t))
	coll := testCollection(t, client)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var logged bytes.Buffer
	for i := range 2 {
		if _, err := New(ctx, coll, WithLogger(slog.New(slog.NewTextHandler(&logged, nil)))); err != nil {
			t.Fatalf("New #%d: %v", i+1, err)
		}
	}
	if strings.Contains(logged.String(), "index on users") {
		t.Errorf("New logged a rejection of the index on users: %s", logged.String())
	}
	spec, ok := indexes(t, coll)[usersIndexName]
	if !ok {
		t.Fatalf("no index %s after New; indexes: %v", usersIndexName, indexes(t, coll))
	}
	keys, err := spec.Lookup("key").Document().Elements()
	if err != nil || len(keys) != 1 || keys[0].Key() != usersField {
		t.Errorf("index %s has keys %v; want {users: 1}", usersIndexName, spec.Lookup("key"))
	}
	t.Logf("index: %v", spec)
}

// TestTieDocument checks what Tie and Untie do to the document: users
// gets the users it is tied to, each once, and nothing else changes.
func TestTieDocument(t *testing.T) {
	s := newTestStore(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.Create(ctx, "k", []byte("v"), time.Hour); err != nil {
		t.Fatal(err)
	}
	before := rawDoc(t, s, "k")
	for _, step := range []struct {
		op, user, want string
	}{
		{"tie", "alice", "[alice]"},
		{"tie", "alice", "[alice]"},
		{"tie", "bob", "[alice bob]"},
		{"untie", "carol", "[alice bob]"},
		{"untie", "alice", "[bob]"},
		{"tie", "carol", "[bob carol]"},
		{"tie", "dave", "[bob carol dave]"},
		{"untie", "bob", "[carol dave]"},
		{"untie", "carol", "[dave]"},
		{"untie", "dave", "[]"},
		{"untie", "dave", "[]"},
	} {
		var err error
		if step.op == "tie" {
			err = s.Tie(ctx, step.user, "k", time.Hour)
		} else {
			err = s.Untie(ctx, step.user, "k")
		}
		if err != nil {
			t.Fatalf("%s(%s): %v", step.op, step.user, err)
		}
		if got := docUsers(t, s, "k"); got != step.want {
			t.Fatalf("after %s(%s), users = %s; want %s", step.op, step.user, got, step.want)
		}
	}
	after := rawDoc(t, s, "k")
	for _, f := range []string{"_id", "id", "val", "expiration"} {
		if !after.Lookup(f).Equal(before.Lookup(f)) {
			t.Errorf("Tie and Untie changed %s: %v, then %v", f, before.Lookup(f), after.Lookup(f))
		}
	}
}

// TestCreateOverExpiredUnties checks that a Create over an expired
// document tied to users leaves a document without users, and that a
// conflicting Create over a live one leaves its users as they are.
func TestCreateOverExpiredUnties(t *testing.T) {
	s := newTestStore(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	insertRaw(t, s, "k", []byte("expired"), time.Now().Add(-time.Minute))
	if _, err := s.coll.UpdateOne(ctx, bson.D{{Key: "id", Value: "k"}},
		bson.D{{Key: "$set", Value: bson.D{{Key: usersField, Value: bson.A{"alice", "bob"}}}}}); err != nil {
		t.Fatal(err)
	}
	if err := s.Create(ctx, "k", []byte("new"), time.Hour); err != nil {
		t.Fatalf("Create over the expired document: %v", err)
	}
	if got := docUsers(t, s, "k"); got != "-" {
		t.Errorf("after Create over an expired document tied to alice and bob, users = %s; want none", got)
	}
	if got := listed(t, ctx, s, "alice"); got != "" {
		t.Errorf("UserRecords(alice) after the Create = [%s]; want none", got)
	}

	if err := s.Tie(ctx, "alice", "k", time.Hour); err != nil {
		t.Fatal(err)
	}
	if err := s.Create(ctx, "k", []byte("not written"), time.Hour); !errors.Is(err, sessions.ErrConflict) {
		t.Fatalf("Create over a live document = %v; want ErrConflict", err)
	}
	if got := docUsers(t, s, "k"); got != "[alice]" {
		t.Errorf("after a conflicting Create over a tied live document, users = %s; want [alice]", got)
	}
}

// TestUserRecordsDocuments checks that UserRecords reads a val stored as
// a string, as Load does, and skips and logs one that is neither binary
// data nor a string.
func TestUserRecordsDocuments(t *testing.T) {
	var logged bytes.Buffer
	s := newTestStore(t)
	s.logger = slog.New(slog.NewTextHandler(&logged, nil))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	exp := time.Now().Add(time.Hour).Truncate(time.Millisecond)
	_, err := s.coll.InsertMany(ctx, []any{
		bson.D{{Key: "id", Value: "string"}, {Key: "val", Value: "as text"}, {Key: "expiration", Value: exp}, {Key: usersField, Value: bson.A{"u"}}},
		bson.D{{Key: "id", Value: "bad"}, {Key: "val", Value: int32(42)}, {Key: "expiration", Value: exp}, {Key: usersField, Value: bson.A{"u"}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	recs, err := s.UserRecords(ctx, "u")
	if err != nil || len(recs) != 1 {
		t.Fatalf("UserRecords = (%v, %v); want the document with a string val", recs, err)
	}
	if r := recs[0]; r.Key != "string" || string(r.Record.Data) != "as text" || !r.Expires.Equal(exp) {
		t.Errorf("UserRecords returned %+v; want key string, data %q, expires %v", r, "as text", exp)
	}
	if !strings.Contains(logged.String(), "without binary val") {
		t.Errorf("the document with an int val was not logged; got %q", logged.String())
	}
}

// TestUserIndexRoundTrips checks the commands of Tie, Untie and
// UserRecords: one each (Tie's two updates travel in one update command),
// and a second for a UserRecords that finds an expired document, which it
// unties.
func TestUserIndexRoundTrips(t *testing.T) {
	s, counter := countedStore(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.Create(ctx, "k", []byte("v"), time.Hour); err != nil {
		t.Fatal(err)
	}
	if err := s.Create(ctx, "old", []byte("v"), time.Hour); err != nil {
		t.Fatal(err)
	}
	counter.take()
	for _, c := range []struct {
		op   string
		want string
		run  func() error
	}{
		{"Tie", "update", func() error { return s.Tie(ctx, "u", "k", time.Hour) }},
		{"Tie (again)", "update", func() error { return s.Tie(ctx, "u", "k", time.Hour) }},
		{"Tie (missing)", "update", func() error { return s.Tie(ctx, "u", "missing", time.Hour) }},
		{"UserRecords", "find", func() error { _, err := s.UserRecords(ctx, "u"); return err }},
		{"UserRecords (none)", "find", func() error { _, err := s.UserRecords(ctx, "nobody"); return err }},
		{"Untie", "update", func() error { return s.Untie(ctx, "u", "k") }},
		{"Untie (not tied)", "update", func() error { return s.Untie(ctx, "u", "k") }},
		{"UserRecords (an expired document)", "find update", func() error {
			if err := s.Tie(ctx, "u", "old", time.Hour); err != nil {
				return err
			}
			if _, err := s.coll.UpdateOne(ctx, bson.D{{Key: "id", Value: "old"}},
				bson.D{{Key: "$set", Value: bson.D{{Key: "expiration", Value: time.Now().Add(-time.Minute)}}}}); err != nil {
				return err
			}
			counter.take()
			_, err := s.UserRecords(ctx, "u")
			return err
		}},
		{"UserRecords (after the untie of the expired document)", "find", func() error { _, err := s.UserRecords(ctx, "u"); return err }},
	} {
		if err := c.run(); err != nil {
			t.Fatalf("%s: %v", c.op, err)
		}
		if got := strings.Join(counter.take(), " "); got != c.want {
			t.Errorf("%s sent [%s]; want [%s]", c.op, got, c.want)
		}
	}
	if got := docUsers(t, s, "old"); got != "[]" {
		t.Errorf("after UserRecords found the expired document, its users = %s; want []", got)
	}
}

// TestTieReplaceRace races Tie and Untie against Replaces of one record:
// on FerretDB 1.x, whose updates write back the whole document they found,
// a Tie must never write back the data it found over a Replace that won,
// nor a Replace drop a Tie that won: the stored data is always the winning
// Replace's, and the tie is there.
func TestTieReplaceRace(t *testing.T) {
	s := newTestStore(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := s.Create(ctx, "k", []byte("r0"), time.Hour); err != nil {
		t.Fatal(err)
	}
	for round := range 20 {
		rec, found, err := s.Load(ctx, "k")
		if err != nil || !found {
			t.Fatalf("round %d: Load = (%v, %v)", round, found, err)
		}
		user := fmt.Sprintf("u%d", round)
		var mu sync.Mutex
		var winner []byte
		wins := race(t, 8, func(i int) error {
			switch i % 4 {
			case 1:
				return s.Tie(ctx, user, "k", time.Hour)
			case 3:
				// Unties the previous round's user, tied to the record.
				return s.Untie(ctx, fmt.Sprintf("u%d", round-1), "k")
			}
			data := fmt.Appendf(nil, "r%d-%d", round+1, i)
			err := s.Replace(ctx, "k", rec, data, time.Hour)
			if err == nil {
				mu.Lock()
				winner = data
				mu.Unlock()
			}
			return err
		})
		if wins != 4+1 {
			t.Fatalf("round %d: %d operations succeeded; want the 4 ties and unties and 1 Replace", round, wins)
		}
		if got := rawVal(t, s, "k"); !bytes.Equal(got, winner) {
			t.Fatalf("round %d: stored %q; want the winning Replace's %q", round, got, winner)
		}
		if got, want := docUsers(t, s, "k"), "["+user+"]"; got != want {
			t.Fatalf("round %d: users = %s; want %s", round, got, want)
		}
	}
}

// TestUserIndexKeyLock checks that, where writes are serialized (FerretDB
// 1.x), Tie and Untie wait for the key's lock, and give up with their
// context.
func TestUserIndexKeyLock(t *testing.T) {
	s := newTestStore(t)
	if !s.serialized() {
		t.Skip("the server applies filtered updates atomically; no lock is taken")
	}
	unlock, err := s.lockKey(context.Background(), "held")
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	for _, c := range []struct {
		op  string
		run func(ctx context.Context) error
	}{
		{"tie", func(ctx context.Context) error { return s.Tie(ctx, "u", "held", time.Hour) }},
		{"untie", func(ctx context.Context) error { return s.Untie(ctx, "u", "held") }},
	} {
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		err := c.run(ctx)
		cancel()
		if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), `mongostore: `+c.op+` "held"`) {
			t.Errorf("%s of a held key = %v; want a wrapped context.DeadlineExceeded", c.op, err)
		}
	}
}

// TestFlaskUpsertKeepsTie writes over tied documents as Flask-Session 0.8
// does (update_one({id}, {$set: {id, val, expiration}}, upsert=True)): the
// tie stays, as over a Replace, and a document Flask inserts is untied.
func TestFlaskUpsertKeepsTie(t *testing.T) {
	s := newTestStore(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.Create(ctx, "session:go", []byte("from Go"), time.Hour); err != nil {
		t.Fatal(err)
	}
	if err := s.Tie(ctx, "alice", "session:go", time.Hour); err != nil {
		t.Fatal(err)
	}
	flaskUpsert := func(key string, val []byte) {
		t.Helper()
		exp := time.Now().Add(2 * time.Hour).UTC().Truncate(time.Millisecond)
		_, err := s.coll.UpdateOne(ctx, bson.D{{Key: "id", Value: key}}, bson.D{{Key: "$set", Value: bson.D{
			{Key: "id", Value: key},
			{Key: "val", Value: bson.Binary{Subtype: 0, Data: val}},
			{Key: "expiration", Value: exp},
		}}}, options.UpdateOne().SetUpsert(true))
		if err != nil {
			t.Fatalf("Flask's upsert of %q: %v", key, err)
		}
	}
	flaskUpsert("session:go", []byte("from Flask"))
	flaskUpsert("session:flask", []byte("new in Flask"))
	recs, err := s.UserRecords(ctx, "alice")
	if err != nil || len(recs) != 1 || recs[0].Key != "session:go" || string(recs[0].Record.Data) != "from Flask" {
		t.Fatalf("UserRecords(alice) after Flask's upserts = (%+v, %v); want session:go with Flask's val", recs, err)
	}
	if got := docUsers(t, s, "session:flask"); got != "-" {
		t.Errorf("a document Flask inserted has users %s; want none", got)
	}
}
