package memstore

import (
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/serversession/serversession/sessions"
)

// indexSize returns how many users the index holds, and how many keys in
// all, live or not.
func (s *Store) indexSize() (users, keys int) {
	ix := &s.records.index
	ix.mu.Lock()
	defer ix.mu.Unlock()
	for _, ks := range ix.byUser {
		keys += len(ks)
	}
	return len(ix.byUser), keys
}

// checkIndex fails t unless the two halves of the index agree: every key
// in a user's set has an entry that names the user, and every user an
// entry names has the key in its set. It locks every shard, then the
// index, as the store does, so it sees one state while a sweeper runs.
func checkIndex(t *testing.T, s *Store) {
	t.Helper()
	r := s.records
	for i := range r.shards {
		r.shards[i].mu.RLock()
		defer r.shards[i].mu.RUnlock()
	}
	ix := &r.index
	ix.mu.Lock()
	defer ix.mu.Unlock()
	for i := range r.shards {
		for k, e := range r.shards[i].m {
			for _, u := range e.users {
				if _, ok := ix.byUser[u][k]; !ok {
					t.Errorf("entry %q names user %q, whose key set lacks it", k, u)
				}
			}
		}
	}
	for u, ks := range ix.byUser {
		if len(ks) == 0 {
			t.Errorf("user %q has an empty key set; want it removed", u)
		}
		for k := range ks {
			e, ok := r.shard(k).m[k]
			if !ok || !slices.Contains(e.users, u) {
				t.Errorf("user %q's key set holds %q, whose entry (present %v) does not name the user", u, k, ok)
			}
		}
	}
}

// TestIndexEmptyAfterSweep: once every tied record has expired and the
// sweeper (or DeleteExpired) has removed it, the index holds nothing,
// while the ties of a live record are kept.
func TestIndexEmptyAfterSweep(t *testing.T) {
	for _, c := range []struct {
		name     string
		interval time.Duration
	}{
		{"Sweeper", 10 * time.Millisecond},
		{"DeleteExpired", 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := New(WithCleanupInterval(c.interval))
			t.Cleanup(func() { _ = s.Close() })
			ctx := t.Context()
			// The records to expire live long enough to be tied and
			// counted first, even on a slow machine under -race.
			const ttl = time.Second
			for i := range 500 {
				k := fmt.Sprint("dead-", i)
				if err := s.Create(ctx, k, []byte("x"), ttl); err != nil {
					t.Fatal(err)
				}
				for _, u := range []string{fmt.Sprint("user-", i%50), "everyone"} {
					if err := s.Tie(ctx, u, k, time.Hour); err != nil {
						t.Fatal(err)
					}
				}
			}
			if err := s.Create(ctx, "live", []byte("y"), time.Hour); err != nil {
				t.Fatal(err)
			}
			if err := s.Tie(ctx, "owner", "live", time.Hour); err != nil {
				t.Fatal(err)
			}
			if users, keys := s.indexSize(); users != 52 || keys != 1001 {
				t.Fatalf("index holds %d users and %d keys after the ties; want 52 and 1001", users, keys)
			}
			time.Sleep(ttl + 10*time.Millisecond) // the last of them expired too
			if c.interval == 0 {
				if n, err := s.DeleteExpired(ctx); err != nil || n != 500 {
					t.Fatalf("DeleteExpired = %d, %v; want 500 removed", n, err)
				}
			}
			waitFor(t, "the expired records removed", 5*time.Second, func() bool { return s.count() == 1 })
			if users, keys := s.indexSize(); users != 1 || keys != 1 {
				t.Fatalf("index holds %d users and %d keys once the expired records were swept; want only the live record's tie", users, keys)
			}
			checkIndex(t, s)
			recs, err := s.UserRecords(ctx, "owner")
			if err != nil || len(recs) != 1 || recs[0].Key != "live" {
				t.Fatalf("UserRecords(owner) after the sweep = %v, %v; want the live record", recs, err)
			}
		})
	}
}

// TestIndexEndsWithEveryRemoval: each way a record goes (Delete, DeleteIf,
// and an expired record found by Load, LoadTouch, Create, Tie or
// UserRecords) takes its index entries with it, with no sweeper running.
func TestIndexEndsWithEveryRemoval(t *testing.T) {
	const short = 10 * time.Millisecond
	for _, c := range []struct {
		name   string
		ttl    time.Duration
		remove func(s *Store, key string) error
	}{
		{"Delete", time.Hour, func(s *Store, k string) error { return s.Delete(t.Context(), k) }},
		{"DeleteIf", time.Hour, func(s *Store, k string) error {
			return s.DeleteIf(t.Context(), k, sessions.Record{Data: []byte("data")})
		}},
		{"ExpiredLoad", short, func(s *Store, k string) error { _, _, err := s.Load(t.Context(), k); return err }},
		{"ExpiredLoadTouch", short, func(s *Store, k string) error {
			_, _, err := s.LoadTouch(t.Context(), k, time.Hour)
			return err
		}},
		{"ExpiredCreate", short, func(s *Store, k string) error {
			return s.Create(t.Context(), k, []byte("new, untied"), time.Hour)
		}},
		{"ExpiredTie", short, func(s *Store, k string) error { return s.Tie(t.Context(), "other", k, time.Hour) }},
		{"ExpiredUserRecords", short, func(s *Store, k string) error {
			recs, err := s.UserRecords(t.Context(), "a")
			if len(recs) != 0 {
				return fmt.Errorf("UserRecords returned %d records of an expired one", len(recs))
			}
			return err
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := New(WithCleanupInterval(0))
			ctx := t.Context()
			if err := s.Create(ctx, "k", []byte("data"), c.ttl); err != nil {
				t.Fatal(err)
			}
			for _, u := range []string{"a", "b"} {
				if err := s.Tie(ctx, u, "k", time.Hour); err != nil {
					t.Fatal(err)
				}
			}
			time.Sleep(2 * short)
			if err := c.remove(s, "k"); err != nil {
				t.Fatal(err)
			}
			if users, keys := s.indexSize(); users != 0 || keys != 0 {
				t.Fatalf("index holds %d users and %d keys after %s; want none", users, keys, c.name)
			}
			checkIndex(t, s)
			for _, u := range []string{"a", "b", "other"} {
				if recs, err := s.UserRecords(ctx, u); err != nil || len(recs) != 0 {
					t.Fatalf("UserRecords(%q) after %s = %v, %v; want none", u, c.name, recs, err)
				}
			}
		})
	}
}

// TestTieUntie: Tie puts the user on the record and the key in the user's
// set, once however often it is called; Untie takes both out again, for
// that user only, and leaves the record.
func TestTieUntie(t *testing.T) {
	s := New(WithCleanupInterval(0))
	ctx := t.Context()
	if err := s.Create(ctx, "k", []byte("x"), time.Hour); err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{"a", "b", "a"} {
		if err := s.Tie(ctx, u, "k", time.Hour); err != nil {
			t.Fatal(err)
		}
	}
	if users, keys := s.indexSize(); users != 2 || keys != 2 {
		t.Fatalf("index holds %d users and %d keys after Tie of a, b and a again; want 2 and 2", users, keys)
	}
	checkIndex(t, s)
	for i, u := range []string{"a", "b"} {
		if err := s.Untie(ctx, u, "k"); err != nil {
			t.Fatal(err)
		}
		if users, keys := s.indexSize(); users != 1-i || keys != 1-i {
			t.Fatalf("index holds %d users and %d keys after Untie of %s; want %d and %d", users, keys, u, 1-i, 1-i)
		}
		checkIndex(t, s)
	}
	if _, found, err := s.Load(ctx, "k"); err != nil || !found {
		t.Fatalf("Load after the Unties = (found %v, err %v); want the record", found, err)
	}
}

// TestTieMissingRecord: Tie of a key without a live record adds nothing,
// so a Create afterwards starts untied.
func TestTieMissingRecord(t *testing.T) {
	s := New(WithCleanupInterval(0))
	ctx := t.Context()
	if err := s.Tie(ctx, "u", "k", time.Hour); err != nil {
		t.Fatal(err)
	}
	if err := s.Create(ctx, "k", []byte("x"), time.Hour); err != nil {
		t.Fatal(err)
	}
	if users, keys := s.indexSize(); users != 0 || keys != 0 {
		t.Fatalf("index holds %d users and %d keys after Tie of a missing record; want none", users, keys)
	}
	if recs, err := s.UserRecords(ctx, "u"); err != nil || len(recs) != 0 {
		t.Fatalf("UserRecords(u) = %v, %v; want none: the record was created after the Tie", recs, err)
	}
}

// TestIndexSurvivesShrink: the rebuild of a shard's map after most of its
// records were deleted keeps the ties of the records left, and the map of
// users is rebuilt too once most users are gone.
func TestIndexSurvivesShrink(t *testing.T) {
	s := New(WithCleanupInterval(0))
	ctx := t.Context()
	const n = 64 * shrinkFloor * 4
	for i := range n {
		k := fmt.Sprint(i)
		if err := s.Create(ctx, k, []byte(k), time.Hour); err != nil {
			t.Fatal(err)
		}
		if err := s.Tie(ctx, "user-"+k, k, time.Hour); err != nil {
			t.Fatal(err)
		}
	}
	for i := range n {
		if i%10 != 0 {
			if err := s.Delete(ctx, fmt.Sprint(i)); err != nil {
				t.Fatal(err)
			}
		}
	}
	if ix := &s.records.index; ix.peak >= n {
		t.Errorf("the map of users still has its peak of %d after %d of its users went; want it rebuilt", ix.peak, n-n/10)
	}
	checkIndex(t, s)
	for i := 0; i < n; i += 10 {
		k := fmt.Sprint(i)
		recs, err := s.UserRecords(ctx, "user-"+k)
		if err != nil || len(recs) != 1 || recs[0].Key != k || string(recs[0].Record.Data) != k {
			t.Fatalf("UserRecords(user-%s) after the rebuilds = %v, %v; want its one record", k, recs, err)
		}
	}
}

// TestIndexRace: Tie, Untie, UserRecords, Create, Replace, Delete,
// LoadTouch and the sweeper race over a few keys and users; afterwards the two halves
// of the index agree. Run under -race.
func TestIndexRace(t *testing.T) {
	s := New(WithCleanupInterval(time.Millisecond))
	t.Cleanup(func() { _ = s.Close() })
	ctx := t.Context()
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for i := range 2000 {
				n := (w*7 + i) % 16
				k := fmt.Sprint("k", n)
				u := fmt.Sprint("u", n%3) // each key has its user, so Untie meets ties
				if i%11 == 0 {
					u = "shared" // and a second user, for some
				}
				var err error
				switch i % 7 {
				case 0:
					err = s.Create(ctx, k, []byte("x"), time.Duration(1+i%20)*time.Millisecond)
				case 1:
					err = s.Tie(ctx, u, k, time.Hour)
				case 2:
					err = s.Untie(ctx, u, k)
				case 3:
					var recs []sessions.UserRecord
					recs, err = s.UserRecords(ctx, u)
					for _, r := range recs {
						if !r.Expires.After(time.Now().Add(-time.Second)) {
							t.Errorf("UserRecords returned %q expiring at %v, long past", r.Key, r.Expires)
						}
					}
				case 4:
					err = s.Replace(ctx, k, sessions.Record{Data: []byte("x")}, []byte("x"), time.Hour)
				case 5:
					err = s.Delete(ctx, k)
				case 6:
					_, _, err = s.LoadTouch(ctx, k, time.Duration(1+i%10)*time.Millisecond)
				}
				if err != nil && !isConflict(err) {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	checkIndex(t, s)
	for i := range 16 { // records that Replace gave an hour expire too
		if _, _, err := s.LoadTouch(ctx, fmt.Sprint("k", i), time.Millisecond); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "the sweeper removed every record", 5*time.Second, func() bool {
		users, keys := s.indexSize()
		return s.count() == 0 && users == 0 && keys == 0
	})
}

// isConflict reports whether err is a failed condition.
func isConflict(err error) bool {
	return errors.Is(err, sessions.ErrConflict)
}

// TestIndexNoGoroutineLeft: a store whose index was used leaves no
// goroutine once closed.
func TestIndexNoGoroutineLeft(t *testing.T) {
	base := sweepers()
	s := New(WithCleanupInterval(time.Millisecond))
	ctx := t.Context()
	for i := range 100 {
		k := fmt.Sprint(i)
		if err := s.Create(ctx, k, []byte("x"), time.Millisecond); err != nil {
			t.Fatal(err)
		}
		if err := s.Tie(ctx, "u", k, time.Hour); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.UserRecords(ctx, "u"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(5 * time.Millisecond) // let it sweep a few times
	if n := sweepers(); n != base+1 {
		t.Fatalf("%d sweep goroutines with the store open, %d before; the test cannot see it", n, base)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	// Close waits for the goroutine's last step; give it the instant to
	// leave the stack.
	deadline := time.Now().Add(5 * time.Second)
	for sweepers() != base {
		if time.Now().After(deadline) {
			t.Fatalf("%d sweep goroutines 5s after Close returned; want %d, as before New", sweepers(), base)
		}
		time.Sleep(time.Millisecond)
	}
}

// sweepers returns how many goroutines are running a sweep loop.
func sweepers() int {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			return strings.Count(string(buf[:n]), "sweep.(*Sweeper).run(")
		}
		buf = make([]byte, 2*len(buf))
	}
}
