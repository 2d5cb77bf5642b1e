package gormstore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/serversession/serversession/sessions"
)

// insertRow writes a row directly, with any expiry (nil for NULL).
func insertRow(t *testing.T, s *Store, key string, data []byte, exp *time.Time) {
	t.Helper()
	var e any
	if exp != nil {
		e = exp.UTC()
	}
	if err := s.db.Exec("INSERT INTO "+s.quoted+" (session_id, data, expiry) VALUES (?, ?, ?)", key, data, e).Error; err != nil {
		t.Fatalf("insert %q: %v", key, err)
	}
}

// rowsOf returns the data of every row of key, whatever its expiry.
func rowsOf(t *testing.T, s *Store, key string) [][]byte {
	t.Helper()
	rows, err := s.db.Raw("SELECT data FROM "+s.quoted+" WHERE session_id = ?", key).Rows()
	if err != nil {
		t.Fatalf("select %q: %v", key, err)
	}
	defer rows.Close()
	var out [][]byte
	for rows.Next() {
		var b []byte
		if err := rows.Scan(&b); err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
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
	if want := fmt.Sprintf("gormstore: %s %q", name, key); !strings.Contains(err.Error(), want) {
		t.Errorf("%s error %q lacks the context %q", op, err, want)
	}
}

func TestCreate(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d dialect) {
		s := newTestStore(t, d.open(t))
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()

		if err := s.Create(ctx, "k", []byte("first"), time.Hour); err != nil {
			t.Fatalf("Create of a missing key: %v", err)
		}
		checkConflict(t, "Create", "k", s.Create(ctx, "k", []byte("second"), time.Hour))
		checkConflict(t, "Create", "k", s.Create(ctx, "k", []byte("first"), time.Hour)) // same bytes, still a conflict
		if got := rowsOf(t, s, "k"); len(got) != 1 || string(got[0]) != "first" {
			t.Fatalf("after conflicting Creates, rows %q; want [first]", got)
		}

		// An expired row nobody has deleted yet counts as absent, and so
		// does a row without expiry.
		past := time.Now().Add(-time.Minute)
		insertRow(t, s, "old", []byte("expired"), &past)
		insertRow(t, s, "null", []byte("no expiry"), nil)
		for _, k := range []string{"old", "null"} {
			if err := s.Create(ctx, k, []byte("fresh "+k), time.Hour); err != nil {
				t.Fatalf("Create over the %s row: %v", k, err)
			}
			if got := rowsOf(t, s, k); len(got) != 1 || string(got[0]) != "fresh "+k {
				t.Fatalf("after Create over the %s row, rows %q; want [fresh %s]", k, got, k)
			}
			if rec, found, err := s.Load(ctx, k); err != nil || !found || string(rec.Data) != "fresh "+k {
				t.Fatalf("Load(%s) after Create = (%q, %v, %v)", k, rec.Data, found, err)
			}
			checkConflict(t, "Create", k, s.Create(ctx, k, []byte("again"), time.Hour))
		}

		if err := s.Create(ctx, "empty", nil, time.Hour); err != nil {
			t.Fatal(err)
		}
		if rec, found, err := s.Load(ctx, "empty"); err != nil || !found || rec.Data == nil || len(rec.Data) != 0 {
			t.Fatalf("Load of an empty record = (%v, %v, %v); want an empty, non-nil record", rec.Data, found, err)
		}
	})
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
	forEachDialect(t, func(t *testing.T, d dialect) {
		s := newTestStore(t, d.open(t))
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()

		rec := staleRecord(t, ctx, s)
		checkConflict(t, "Replace", "k", s.Replace(ctx, "k", rec, []byte("third"), time.Hour))
		if got := rowsOf(t, s, "k"); len(got) != 1 || string(got[0]) != "second" {
			t.Fatalf("after a stale Replace, rows %q; want [second]", got)
		}

		// Writing what is already there, at once and so within the same
		// second of expiry, succeeds: MySQL counts no changed row then.
		cur := sessions.Record{Data: []byte("second")}
		for i := range 3 {
			if err := s.Replace(ctx, "k", cur, cur.Data, time.Hour); err != nil {
				t.Fatalf("Replace #%d with identical data and expiry: %v", i+1, err)
			}
		}
		// But identical data over a record that changed is a conflict.
		checkConflict(t, "Replace", "k", s.Replace(ctx, "k", rec, rec.Data, time.Hour))

		// The compare is exact, byte for byte.
		for _, old := range []string{"secon", "second ", "second\x00", "SECOND", "Second", ""} {
			checkConflict(t, "Replace", "k", s.Replace(ctx, "k", sessions.Record{Data: []byte(old)}, []byte("x"), time.Hour))
		}
		if err := s.Create(ctx, "pad", []byte("a "), time.Hour); err != nil {
			t.Fatal(err)
		}
		checkConflict(t, "Replace", "pad", s.Replace(ctx, "pad", sessions.Record{Data: []byte("a")}, []byte("x"), time.Hour))

		// A deleted record is never recreated, nor a missing one created.
		if err := s.Delete(ctx, "k"); err != nil {
			t.Fatal(err)
		}
		checkConflict(t, "Replace", "k", s.Replace(ctx, "k", cur, []byte("x"), time.Hour))
		checkConflict(t, "Replace", "k", s.Replace(ctx, "k", cur, cur.Data, time.Hour))
		checkConflict(t, "Replace", "never", s.Replace(ctx, "never", sessions.Record{}, nil, time.Hour))
		for _, k := range []string{"k", "never"} {
			if got := rowsOf(t, s, k); len(got) != 0 {
				t.Fatalf("Replace of the missing %s left rows %q", k, got)
			}
		}

		// An expired record, even holding old.Data, is not replaced.
		past := time.Now().Add(-time.Minute)
		insertRow(t, s, "expired", []byte("old"), &past)
		checkConflict(t, "Replace", "expired", s.Replace(ctx, "expired", sessions.Record{Data: []byte("old")}, []byte("x"), time.Hour))
		checkConflict(t, "Replace", "expired", s.Replace(ctx, "expired", sessions.Record{Data: []byte("old")}, []byte("old"), time.Hour))
		if _, found, err := s.Load(ctx, "expired"); err != nil || found {
			t.Fatalf("Replace revived an expired row: Load = (%v, %v)", found, err)
		}

		// A NULL data, which Load reports as an empty record, can be
		// replaced over that empty record.
		live := time.Now().Add(time.Hour)
		insertRow(t, s, "nulldata", nil, &live)
		rec, found, err := s.Load(ctx, "nulldata")
		if err != nil || !found || len(rec.Data) != 0 {
			t.Fatalf("Load of a NULL data = (%v, %v, %v)", rec.Data, found, err)
		}
		if err := s.Replace(ctx, "nulldata", rec, []byte("set"), time.Hour); err != nil {
			t.Fatalf("Replace over a NULL data: %v", err)
		}
	})
}

// TestDeleteIf checks that DeleteIf removes the row only while it holds
// the loaded bytes and is live, and that a refused DeleteIf leaves the row
// as it was. With mysql_foundrows it also checks that CLIENT_FOUND_ROWS
// changes nothing: a DELETE counts the rows it deleted either way.
func TestDeleteIf(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d dialect) {
		s := newTestStore(t, d.open(t))
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()

		rec := staleRecord(t, ctx, s)
		// rec is stale now: refused, and the row is kept as it is.
		checkConflict(t, "DeleteIf", "k", s.DeleteIf(ctx, "k", rec))
		if got := rowsOf(t, s, "k"); len(got) != 1 || string(got[0]) != "second" {
			t.Fatalf("after a stale DeleteIf, rows %q; want [second]", got)
		}
		// The compare is exact, byte for byte.
		for _, old := range []string{"secon", "second ", "second\x00", "SECOND", "Second", ""} {
			checkConflict(t, "DeleteIf", "k", s.DeleteIf(ctx, "k", sessions.Record{Data: []byte(old)}))
		}
		if err := s.Create(ctx, "pad", []byte("a "), time.Hour); err != nil {
			t.Fatal(err)
		}
		checkConflict(t, "DeleteIf", "pad", s.DeleteIf(ctx, "pad", sessions.Record{Data: []byte("a")}))
		for _, k := range []string{"k", "pad"} {
			if got := rowsOf(t, s, k); len(got) != 1 {
				t.Fatalf("after refused DeleteIfs, rows of %s %q; want one", k, got)
			}
		}

		// The Data of a successful write, with a zero Version, is a valid old.
		if err := s.DeleteIf(ctx, "k", sessions.Record{Data: []byte("second")}); err != nil {
			t.Fatalf("DeleteIf over the current record: %v", err)
		}
		if got := rowsOf(t, s, "k"); len(got) != 0 {
			t.Fatalf("after DeleteIf, rows %q; want none", got)
		}
		// Once deleted, or never there, it is a conflict.
		checkConflict(t, "DeleteIf", "k", s.DeleteIf(ctx, "k", sessions.Record{Data: []byte("second")}))
		checkConflict(t, "DeleteIf", "never", s.DeleteIf(ctx, "never", sessions.Record{}))
		if err := s.Create(ctx, "gone", []byte("v"), time.Hour); err != nil {
			t.Fatal(err)
		}
		if err := s.Delete(ctx, "gone"); err != nil {
			t.Fatal(err)
		}
		checkConflict(t, "DeleteIf", "gone", s.DeleteIf(ctx, "gone", sessions.Record{Data: []byte("v")}))

		// An expired row, even holding old.Data, is not deleted by it
		// (DeleteExpired's job), and neither is a row without an expiry.
		past := time.Now().Add(-time.Minute)
		insertRow(t, s, "expired", []byte("old"), &past)
		insertRow(t, s, "noexpiry", []byte("old"), nil)
		for _, k := range []string{"expired", "noexpiry"} {
			checkConflict(t, "DeleteIf", k, s.DeleteIf(ctx, k, sessions.Record{Data: []byte("old")}))
			if got := rowsOf(t, s, k); len(got) != 1 || string(got[0]) != "old" {
				t.Fatalf("DeleteIf of the %s row changed it: rows %q", k, got)
			}
		}

		// Another key's row is never touched.
		for _, k := range []string{"a", "b"} {
			if err := s.Create(ctx, k, []byte("same"), time.Hour); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.DeleteIf(ctx, "a", sessions.Record{Data: []byte("same")}); err != nil {
			t.Fatal(err)
		}
		if a, b := rowsOf(t, s, "a"), rowsOf(t, s, "b"); len(a) != 0 || len(b) != 1 {
			t.Fatalf("DeleteIf of a: rows of a %q, of b %q; want none and one", a, b)
		}

		// An empty record and a NULL data, which Load reports as an empty
		// record, are deleted over that empty record, and only over it.
		live := time.Now().Add(time.Hour)
		if err := s.Create(ctx, "empty", nil, time.Hour); err != nil {
			t.Fatal(err)
		}
		insertRow(t, s, "nulldata", nil, &live)
		for _, k := range []string{"empty", "nulldata"} {
			rec, found, err := s.Load(ctx, k)
			if err != nil || !found || len(rec.Data) != 0 {
				t.Fatalf("Load(%s) = (%v, %v, %v); want an empty record", k, rec.Data, found, err)
			}
			checkConflict(t, "DeleteIf", k, s.DeleteIf(ctx, k, sessions.Record{Data: []byte("x")}))
			if got := rowsOf(t, s, k); len(got) != 1 {
				t.Fatalf("after a refused DeleteIf of %s, rows %q; want one", k, got)
			}
			if err := s.DeleteIf(ctx, k, rec); err != nil {
				t.Fatalf("DeleteIf of the %s row over an empty record: %v", k, err)
			}
			if got := rowsOf(t, s, k); len(got) != 0 {
				t.Fatalf("after DeleteIf of %s, rows %q; want none", k, got)
			}
		}
		// An empty old record is not a NULL-data row that expired.
		insertRow(t, s, "nullexpired", nil, &past)
		checkConflict(t, "DeleteIf", "nullexpired", s.DeleteIf(ctx, "nullexpired", sessions.Record{}))
		if got := rowsOf(t, s, "nullexpired"); len(got) != 1 {
			t.Fatalf("DeleteIf of an expired NULL-data row left rows %q; want it kept", got)
		}
	})
}

// TestLoadTouchNeverRecreates checks that LoadTouch of a deleted or expired
// record creates and revives nothing.
func TestLoadTouchNeverRecreates(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d dialect) {
		s := newTestStore(t, d.open(t))
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
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
		if got := rowsOf(t, s, "k"); len(got) != 0 {
			t.Fatalf("LoadTouch after Delete left rows %q", got)
		}
		past := time.Now().Add(-time.Minute)
		insertRow(t, s, "expired", []byte("v"), &past)
		if _, found, err := s.LoadTouch(ctx, "expired", time.Hour); err != nil || found {
			t.Fatalf("LoadTouch of an expired row = (%v, %v); want not found", found, err)
		}
		if _, found, err := s.Load(ctx, "expired"); err != nil || found {
			t.Fatalf("Load after LoadTouch of an expired row = (%v, %v); want not found", found, err)
		}
	})
}

// race runs n goroutines at once, each calling op(i), and returns the
// indexes of those that succeeded. Every error must wrap
// sessions.ErrConflict.
func race(t *testing.T, n int, op func(i int) error) []int {
	t.Helper()
	var (
		wg    sync.WaitGroup
		start = make(chan struct{})
		mu    sync.Mutex
		wins  []int
	)
	for i := range n {
		wg.Go(func() {
			<-start
			err := op(i)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				wins = append(wins, i)
			case !errors.Is(err, sessions.ErrConflict):
				t.Errorf("racer %d: %v; want nil or ErrConflict", i, err)
			}
		})
	}
	close(start)
	wg.Wait()
	return wins
}

// TestCreateRace races Creates of one key, over nothing, over an expired
// row and over a live one: exactly one wins each round (none over the live
// row), and the winner's record is the one stored.
func TestCreateRace(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d dialect) {
		s := newTestStore(t, d.open(t))
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		const n = 8
		for round := range 15 {
			key := fmt.Sprintf("k%d", round)
			want := 1
			switch round % 3 {
			case 1:
				past := time.Now().Add(-time.Minute)
				insertRow(t, s, key, []byte("expired"), &past)
			case 2:
				live := time.Now().Add(time.Hour)
				insertRow(t, s, key, []byte("live"), &live)
				want = 0
			}
			wins := race(t, n, func(i int) error {
				return s.Create(ctx, key, []byte{byte(i)}, time.Hour)
			})
			if len(wins) != want {
				t.Fatalf("round %d: Creates %v succeeded; want %d to", round, wins, want)
			}
			got := rowsOf(t, s, key)
			if len(got) != 1 || want == 1 && !bytes.Equal(got[0], []byte{byte(wins[0])}) || want == 0 && string(got[0]) != "live" {
				t.Fatalf("round %d: rows %x; want one, the winner's", round, got)
			}
		}
	})
}
