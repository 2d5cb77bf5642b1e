package gormstore

import (
	"context"
	"testing"
	"time"

	"github.com/serversession/serversession/internal/sweep/sweeptest"
)

func TestDeleteExpired(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d dialect) {
		s := newTestStore(t, d.open(t))
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		for _, k := range []string{"a", "b", "c"} {
			if err := s.Create(ctx, k, []byte(k), time.Second); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.Create(ctx, "live", []byte("live"), time.Hour); err != nil {
			t.Fatal(err)
		}
		if n, err := s.DeleteExpired(ctx); err != nil || n != 0 {
			t.Fatalf("DeleteExpired before anything expired = (%d, %v); want (0, nil)", n, err)
		}
		time.Sleep(2100 * time.Millisecond) // expiry is rounded up to a whole second
		if n, err := s.DeleteExpired(ctx); err != nil || n != 3 {
			t.Fatalf("DeleteExpired = (%d, %v); want (3, nil)", n, err)
		}
		if rec, found, err := s.Load(ctx, "live"); err != nil || !found || string(rec.Data) != "live" {
			t.Fatalf("Load(live) after DeleteExpired = (%q, %v, %v); want the record", rec.Data, found, err)
		}
		canceled, cancelNow := context.WithCancel(ctx)
		cancelNow()
		if _, err := s.DeleteExpired(canceled); err == nil {
			t.Fatal("DeleteExpired with a canceled context returned no error")
		}
	})
}

// TestSweep checks that the background sweep deletes expired rows, and that
// Close stops it, waits for it, and may be called again and concurrently.
// Run with -race.
func TestSweep(t *testing.T) {
	db := openSQLite(t)
	s := newTestStore(t, db, WithCleanupInterval(50*time.Millisecond))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := s.Create(ctx, "short", []byte("x"), time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if err := s.Create(ctx, "long", []byte("y"), time.Hour); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		var n int64
		if err := db.Table(s.table).Count(&n).Error; err != nil {
			t.Fatal(err)
		}
		if n == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d rows still there 10s after the short one expired; want the sweep to delete it", n)
		}
		time.Sleep(50 * time.Millisecond)
	}

	sweeptest.CloseStops(t, s.Close, s.sweeper.Done())
	// The store stays usable; only the sweep stopped.
	if rec, found, err := s.Load(ctx, "long"); err != nil || !found || string(rec.Data) != "y" {
		t.Fatalf("Load after Close = (%q, %v, %v)", rec.Data, found, err)
	}
}

// TestCloseWithoutSweep checks that Close on a store without a sweep is a
// harmless no-op, and that a sweep stopped right after it started leaves
// nothing behind.
func TestCloseWithoutSweep(t *testing.T) {
	db := openSQLite(t)
	s := newTestStore(t, db)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s2 := newTestStore(t, db, WithCleanupInterval(time.Hour))
	if err := s2.Close(); err != nil {
		t.Fatal(err)
	}
	<-s2.sweeper.Done()
}
