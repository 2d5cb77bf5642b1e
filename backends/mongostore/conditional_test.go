package mongostore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/serversession/serversession/sessions"
)

// insertRaw inserts a document of the store's shape directly, with any
// expiration and val.
func insertRaw(t *testing.T, s *Store, key string, val any, exp time.Time) {
	t.Helper()
	_, err := s.coll.InsertOne(context.Background(), bson.D{
		{Key: "id", Value: key},
		{Key: "val", Value: val},
		{Key: "expiration", Value: exp},
	})
	if err != nil {
		t.Fatalf("insert %q: %v", key, err)
	}
}

// countDocs returns how many documents have id key.
func countDocs(t *testing.T, s *Store, key string) int64 {
	t.Helper()
	n, err := s.coll.CountDocuments(context.Background(), bson.D{{Key: "id", Value: key}})
	if err != nil {
		t.Fatalf("count %q: %v", key, err)
	}
	return n
}

// rawVal returns the val bytes of key's document as stored, or nil.
func rawVal(t *testing.T, s *Store, key string) []byte {
	t.Helper()
	raw, err := s.coll.FindOne(context.Background(), bson.D{{Key: "id", Value: key}}).Raw()
	if err != nil {
		return nil
	}
	v := raw.Lookup("val")
	if _, b, ok := v.BinaryOK(); ok {
		return b
	}
	if str, ok := v.StringValueOK(); ok {
		return []byte(str)
	}
	return nil
}

func checkConflict(t *testing.T, op, key string, err error) {
	t.Helper()
	if !errors.Is(err, sessions.ErrConflict) {
		t.Fatalf("%s(%q) = %v; want an error wrapping sessions.ErrConflict", op, key, err)
	}
	name := strings.ToLower(op)
	if op == "DeleteIf" {
		name = "delete-if"
	}
	if want := "mongostore: " + name + " " + fmt.Sprintf("%q", key); !strings.Contains(err.Error(), want) {
		t.Errorf("%s error %q lacks the context %q", op, err, want)
	}
}

func TestCreate(t *testing.T) {
	s := newTestStore(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	if err := s.Create(ctx, "k", []byte("first"), time.Hour); err != nil {
		t.Fatalf("Create of a missing key: %v", err)
	}
	checkConflict(t, "Create", "k", s.Create(ctx, "k", []byte("second"), time.Hour))
	if got := rawVal(t, s, "k"); string(got) != "first" {
		t.Fatalf("after a conflicting Create, val = %q; want \"first\"", got)
	}

	// An expired document that nobody has deleted yet counts as absent.
	insertRaw(t, s, "old", []byte("expired"), time.Now().Add(-time.Minute))
	if err := s.Create(ctx, "old", []byte("fresh"), time.Hour); err != nil {
		t.Fatalf("Create over an expired document: %v", err)
	}
	if n := countDocs(t, s, "old"); n != 1 {
		t.Fatalf("after Create over an expired document, %d documents; want 1", n)
	}
	if rec, found, err := s.Load(ctx, "old"); err != nil || !found || string(rec.Data) != "fresh" {
		t.Fatalf("Load after Create over an expired document = (%q, %v, %v)", rec.Data, found, err)
	}

	// An empty record is stored as empty binary data, not as null.
	if err := s.Create(ctx, "empty", nil, time.Hour); err != nil {
		t.Fatal(err)
	}
	if rec, found, err := s.Load(ctx, "empty"); err != nil || !found || rec.Data == nil || len(rec.Data) != 0 {
		t.Fatalf("Load of an empty record = (%v, %v, %v); want an empty, non-nil record", rec.Data, found, err)
	}
}

// staleRecord creates "k" with binary data, loads it and replaces it with
// "second", and returns the record it loaded, stale now.
func staleRecord(t *testing.T, ctx context.Context, s *Store) sessions.Record {
	t.Helper()
	if err := s.Create(ctx, "k", []byte{0x81, 0x00, 0xff}, time.Hour); err != nil {
		t.Fatal(err)
	}
	rec, found, err := s.Load(ctx, "k")
	if err != nil || !found {
		t.Fatalf("Load = (%v, %v)", found, err)
	}
	if err := s.Replace(ctx, "k", rec, []byte("second"), time.Hour); err != nil {
		t.Fatalf("Replace over the loaded record: %v", err)
	}
	return rec
}

func TestReplace(t *testing.T) {
	s := newTestStore(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	rec := staleRecord(t, ctx, s)
	// rec is stale now.
	checkConflict(t, "Replace", "k", s.Replace(ctx, "k", rec, []byte("third"), time.Hour))
	if got := rawVal(t, s, "k"); string(got) != "second" {
		t.Fatalf("after a stale Replace, val = %q; want \"second\"", got)
	}
	// The Data of a successful write, with a zero Version, is a valid old.
	if err := s.Replace(ctx, "k", sessions.Record{Data: []byte("second")}, []byte("second"), time.Hour); err != nil {
		t.Fatalf("Replace with identical data: %v", err)
	}

	// A deleted record is never recreated.
	if err := s.Delete(ctx, "k"); err != nil {
		t.Fatal(err)
	}
	checkConflict(t, "Replace", "k", s.Replace(ctx, "k", sessions.Record{Data: []byte("second")}, []byte("x"), time.Hour))
	if n := countDocs(t, s, "k"); n != 0 {
		t.Fatalf("Replace after Delete left %d documents; want 0", n)
	}
	// A missing one neither.
	checkConflict(t, "Replace", "never", s.Replace(ctx, "never", sessions.Record{Data: []byte{}}, []byte("x"), time.Hour))
	if n := countDocs(t, s, "never"); n != 0 {
		t.Fatalf("Replace of a missing key left %d documents; want 0", n)
	}

	// An expired record, even holding old.Data, is not replaced.
	past := time.Now().Add(-time.Minute).Truncate(time.Millisecond)
	insertRaw(t, s, "expired", []byte("old"), past)
	checkConflict(t, "Replace", "expired", s.Replace(ctx, "expired", sessions.Record{Data: []byte("old")}, []byte("x"), time.Hour))
	raw, err := s.coll.FindOne(ctx, bson.D{{Key: "id", Value: "expired"}}).Raw()
	if err != nil {
		t.Fatal(err)
	}
	if exp := raw.Lookup("expiration").Time(); !exp.Equal(past) || string(rawVal(t, s, "expired")) != "old" {
		t.Fatalf("Replace over an expired document changed it: %v", raw)
	}

	// The compare is on the whole value: a prefix or a longer value is not it.
	if err := s.Create(ctx, "bytes", []byte("abc"), time.Hour); err != nil {
		t.Fatal(err)
	}
	for _, old := range []string{"ab", "abcd", "ABC", ""} {
		checkConflict(t, "Replace", "bytes", s.Replace(ctx, "bytes", sessions.Record{Data: []byte(old)}, []byte("x"), time.Hour))
	}
}

// TestReplaceStringVal checks that a document whose val is a string, which
// Load reads, can be replaced over: the compare is on what Load returned.
func TestReplaceStringVal(t *testing.T) {
	s := newTestStore(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	insertRaw(t, s, "str", "text record", time.Now().Add(time.Hour))
	rec, found, err := s.Load(ctx, "str")
	if err != nil || !found || string(rec.Data) != "text record" {
		t.Fatalf("Load = (%q, %v, %v)", rec.Data, found, err)
	}
	checkConflict(t, "Replace", "str", s.Replace(ctx, "str", sessions.Record{Data: []byte("other")}, []byte("x"), time.Hour))
	if err := s.Replace(ctx, "str", rec, []byte{0xff, 0x00}, time.Hour); err != nil {
		t.Fatalf("Replace over a string val: %v", err)
	}
	if rec, found, err := s.Load(ctx, "str"); err != nil || !found || !bytes.Equal(rec.Data, []byte{0xff, 0x00}) {
		t.Fatalf("Load after Replace = (%x, %v, %v)", rec.Data, found, err)
	}
}

// TestDeleteIf checks that DeleteIf removes the document only while it
// holds the loaded bytes and is live, and that a refused DeleteIf leaves
// the document as it was.
func TestDeleteIf(t *testing.T) {
	s := newTestStore(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	rec := staleRecord(t, ctx, s)
	// rec is stale now: refused, and the document is kept as it is.
	checkConflict(t, "DeleteIf", "k", s.DeleteIf(ctx, "k", rec))
	if got := rawVal(t, s, "k"); string(got) != "second" || countDocs(t, s, "k") != 1 {
		t.Fatalf("after a stale DeleteIf, val = %q in %d documents; want \"second\" in 1", got, countDocs(t, s, "k"))
	}
	// The compare is on the whole value: a prefix, a longer value, another
	// case or an empty record is not it.
	for _, old := range []string{"secon", "second ", "SECOND", ""} {
		checkConflict(t, "DeleteIf", "k", s.DeleteIf(ctx, "k", sessions.Record{Data: []byte(old)}))
	}
	if n := countDocs(t, s, "k"); n != 1 {
		t.Fatalf("after refused DeleteIfs, %d documents; want 1", n)
	}

	// The Data of a successful write, with a zero Version, is a valid old.
	if err := s.DeleteIf(ctx, "k", sessions.Record{Data: []byte("second")}); err != nil {
		t.Fatalf("DeleteIf over the current record: %v", err)
	}
	if n := countDocs(t, s, "k"); n != 0 {
		t.Fatalf("after DeleteIf, %d documents; want 0", n)
	}
	if _, found, err := s.Load(ctx, "k"); err != nil || found {
		t.Fatalf("Load after DeleteIf = (%v, %v); want not found", found, err)
	}
	// Once deleted, or never there, it is a conflict, and creates nothing.
	checkConflict(t, "DeleteIf", "k", s.DeleteIf(ctx, "k", sessions.Record{Data: []byte("second")}))
	checkConflict(t, "DeleteIf", "never", s.DeleteIf(ctx, "never", sessions.Record{Data: []byte{}}))
	if n := countDocs(t, s, "k") + countDocs(t, s, "never"); n != 0 {
		t.Fatalf("DeleteIf of missing keys left %d documents; want 0", n)
	}
	// After an unconditional Delete, too.
	if err := s.Create(ctx, "gone", []byte("v"), time.Hour); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(ctx, "gone"); err != nil {
		t.Fatal(err)
	}
	checkConflict(t, "DeleteIf", "gone", s.DeleteIf(ctx, "gone", sessions.Record{Data: []byte("v")}))

	// An expired document, even holding old.Data, is not deleted by it:
	// that is the TTL monitor's or DeleteExpired's job.
	past := time.Now().Add(-time.Minute).Truncate(time.Millisecond)
	insertRaw(t, s, "expired", []byte("old"), past)
	checkConflict(t, "DeleteIf", "expired", s.DeleteIf(ctx, "expired", sessions.Record{Data: []byte("old")}))
	if got := rawVal(t, s, "expired"); string(got) != "old" || countDocs(t, s, "expired") != 1 {
		t.Fatalf("DeleteIf of an expired document changed it: val %q", got)
	}

	// Another key's document is never touched.
	if err := s.Create(ctx, "a", []byte("same"), time.Hour); err != nil {
		t.Fatal(err)
	}
	if err := s.Create(ctx, "b", []byte("same"), time.Hour); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteIf(ctx, "a", sessions.Record{Data: []byte("same")}); err != nil {
		t.Fatal(err)
	}
	if countDocs(t, s, "a") != 0 || countDocs(t, s, "b") != 1 {
		t.Fatalf("DeleteIf of a: %d documents of a, %d of b; want 0 and 1", countDocs(t, s, "a"), countDocs(t, s, "b"))
	}

	// An empty record is deleted over the empty record Load returned.
	if err := s.Create(ctx, "empty", nil, time.Hour); err != nil {
		t.Fatal(err)
	}
	rec, found, err := s.Load(ctx, "empty")
	if err != nil || !found || len(rec.Data) != 0 {
		t.Fatalf("Load of an empty record = (%v, %v, %v)", rec.Data, found, err)
	}
	checkConflict(t, "DeleteIf", "empty", s.DeleteIf(ctx, "empty", sessions.Record{Data: []byte("x")}))
	if err := s.DeleteIf(ctx, "empty", rec); err != nil {
		t.Fatalf("DeleteIf of an empty record: %v", err)
	}
	if n := countDocs(t, s, "empty"); n != 0 {
		t.Fatalf("after DeleteIf of an empty record, %d documents; want 0", n)
	}
}

// TestDeleteIfStringVal checks that a document whose val is a string, which
// Load reads, is deleted over what Load returned, and only over that.
func TestDeleteIfStringVal(t *testing.T) {
	s := newTestStore(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	insertRaw(t, s, "str", "text record", time.Now().Add(time.Hour))
	rec, found, err := s.Load(ctx, "str")
	if err != nil || !found || string(rec.Data) != "text record" {
		t.Fatalf("Load = (%q, %v, %v)", rec.Data, found, err)
	}
	checkConflict(t, "DeleteIf", "str", s.DeleteIf(ctx, "str", sessions.Record{Data: []byte("text recor")}))
	if n := countDocs(t, s, "str"); n != 1 {
		t.Fatalf("after a refused DeleteIf, %d documents; want 1", n)
	}
	if err := s.DeleteIf(ctx, "str", rec); err != nil {
		t.Fatalf("DeleteIf over a string val: %v", err)
	}
	if n := countDocs(t, s, "str"); n != 0 {
		t.Fatalf("after DeleteIf over a string val, %d documents; want 0", n)
	}
}

// TestLoadTouchNeverRecreates checks that LoadTouch of a deleted or expired
// record creates nothing and revives nothing.
func TestLoadTouchNeverRecreates(t *testing.T) {
	s := newTestStore(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.Create(ctx, "k", []byte("v"), time.Hour); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(ctx, "k"); err != nil {
		t.Fatal(err)
	}
	if rec, found, err := s.LoadTouch(ctx, "k", time.Hour); err != nil || found || rec.Data != nil {
		t.Fatalf("LoadTouch after Delete = (%q, %v, %v); want nothing", rec.Data, found, err)
	}
	if n := countDocs(t, s, "k"); n != 0 {
		t.Fatalf("LoadTouch after Delete left %d documents; want 0", n)
	}
	insertRaw(t, s, "expired", []byte("v"), time.Now().Add(-time.Minute))
	if _, found, err := s.LoadTouch(ctx, "expired", time.Hour); err != nil || found {
		t.Fatalf("LoadTouch of an expired document = (%v, %v); want not found", found, err)
	}
	if _, found, err := s.Load(ctx, "expired"); err != nil || found {
		t.Fatalf("Load after LoadTouch of an expired document = (%v, %v); want not found", found, err)
	}
}

// race runs n goroutines at once, each calling op(i), and returns how many
// succeeded. Every error must wrap sessions.ErrConflict.
func race(t *testing.T, n int, op func(i int) error) int {
	t.Helper()
	var (
		wg    sync.WaitGroup
		start = make(chan struct{})
		mu    sync.Mutex
		wins  int
	)
	for i := range n {
		wg.Go(func() {
			<-start
			err := op(i)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				wins++
			case !errors.Is(err, sessions.ErrConflict):
				t.Errorf("racer %d: %v; want nil or ErrConflict", i, err)
			}
		})
	}
	close(start)
	wg.Wait()
	return wins
}

// TestCreateRace races Creates of one key, over nothing and over an
// expired document: exactly one wins each round, and its record is the
// one stored.
func TestCreateRace(t *testing.T) {
	s := newTestStore(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	const n = 8
	for round := range 20 {
		key := fmt.Sprintf("k%d", round)
		if round%2 == 1 {
			insertRaw(t, s, key, []byte("expired"), time.Now().Add(-time.Minute))
		}
		var mu sync.Mutex
		winner := -1
		wins := race(t, n, func(i int) error {
			err := s.Create(ctx, key, []byte{byte(i)}, time.Hour)
			if err == nil {
				mu.Lock()
				winner = i
				mu.Unlock()
			}
			return err
		})
		if wins != 1 {
			t.Fatalf("round %d (expired document: %v): %d Creates succeeded; want exactly 1", round, round%2 == 1, wins)
		}
		if got := rawVal(t, s, key); !bytes.Equal(got, []byte{byte(winner)}) || countDocs(t, s, key) != 1 {
			t.Fatalf("round %d: stored %x in %d documents; want the winner's %x in 1", round, got, countDocs(t, s, key), winner)
		}
	}
}

// replaceRace creates "k" through a, then, round after round, loads it and
// races Replaces over the loaded record, alternately through a and b:
// exactly one must win each round, and its data must be what is stored.
func replaceRace(t *testing.T, ctx context.Context, a, b *Store) {
	t.Helper()
	if err := a.Create(ctx, "k", []byte("r0"), time.Hour); err != nil {
		t.Fatal(err)
	}
	const n = 8
	for round := range 20 {
		rec, found, err := a.Load(ctx, "k")
		if err != nil || !found {
			t.Fatalf("round %d: Load = (%v, %v)", round, found, err)
		}
		var mu sync.Mutex
		var winner []byte
		wins := race(t, n, func(i int) error {
			s := a
			if i%2 == 1 {
				s = b
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
		if wins != 1 {
			t.Fatalf("round %d: %d Replaces succeeded; want exactly 1", round, wins)
		}
		if got := rawVal(t, a, "k"); !bytes.Equal(got, winner) {
			t.Fatalf("round %d: stored %q; want the winner's %q", round, got, winner)
		}
	}
}

// deleteIfReplaceRace creates "k" through a, then, round after round, loads
// it and races DeleteIfs (even racers) and Replaces (odd racers) over the
// loaded record, alternately through a and b. When a DeleteIf won, the next
// round creates the record again.
func deleteIfReplaceRace(t *testing.T, ctx context.Context, a, b *Store) {
	t.Helper()
	const n = 8
	deletes := 0
	for round := range 30 {
		if countDocs(t, a, "k") == 0 {
			if err := a.Create(ctx, "k", fmt.Appendf(nil, "c%d", round), time.Hour); err != nil {
				t.Fatalf("round %d: Create: %v", round, err)
			}
		}
		rec, found, err := a.Load(ctx, "k")
		if err != nil || !found {
			t.Fatalf("round %d: Load = (%v, %v)", round, found, err)
		}
		var mu sync.Mutex
		var winner []byte // nil when a DeleteIf won
		wins := race(t, n, func(i int) error {
			s := a
			if i%4 >= 2 {
				s = b
			}
			if i%2 == 0 {
				err := s.DeleteIf(ctx, "k", rec)
				if err == nil {
					mu.Lock()
					winner = nil
					mu.Unlock()
				}
				return err
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
		if wins != 1 {
			t.Fatalf("round %d: %d of the DeleteIfs and Replaces succeeded; want exactly 1", round, wins)
		}
		if winner == nil {
			deletes++
			if c := countDocs(t, a, "k"); c != 0 {
				t.Fatalf("round %d: a DeleteIf won, but %d documents are left (%q)", round, c, rawVal(t, a, "k"))
			}
			continue
		}
		if got := rawVal(t, a, "k"); !bytes.Equal(got, winner) || countDocs(t, a, "k") != 1 {
			t.Fatalf("round %d: stored %q in %d documents; want the winning Replace's %q in 1", round, got, countDocs(t, a, "k"), winner)
		}
	}
	t.Logf("DeleteIf won %d of 30 rounds", deletes)
}
