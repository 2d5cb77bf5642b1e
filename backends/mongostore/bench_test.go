package mongostore

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// benchOthers is how many other sessions the benchmark collection holds. On
// FerretDB 1.x every query on id reads the whole collection, so the figures
// depend on it; on MongoDB the unique index makes them independent of it.
const benchOthers = 100

// benchRecord is the size of a typical small session record.
var benchRecord = make([]byte, 200)

// benchStore returns a store on a fresh collection holding benchOthers
// sessions plus the one under "bench".
func benchStore(b *testing.B) (*Store, context.Context) {
	b.Helper()
	s := newTestStore(b)
	ctx := context.Background()
	for i := range benchOthers {
		if err := s.Save(ctx, fmt.Sprintf("session:other-%d", i), benchRecord, time.Hour); err != nil {
			b.Fatal(err)
		}
	}
	if err := s.Save(ctx, "session:bench", benchRecord, time.Hour); err != nil {
		b.Fatal(err)
	}
	return s, ctx
}

// BenchmarkLoad is a read without refresh: one round trip (find).
func BenchmarkLoad(b *testing.B) {
	s, ctx := benchStore(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, found, err := s.Load(ctx, "session:bench"); err != nil || !found {
			b.Fatalf("Load = (found %v, %v)", found, err)
		}
	}
}

// BenchmarkLoadTouch is a read with refresh in one round trip
// (findAndModify), as the middleware does it.
func BenchmarkLoadTouch(b *testing.B) {
	s, ctx := benchStore(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, found, err := s.LoadTouch(ctx, "session:bench", time.Hour); err != nil || !found {
			b.Fatalf("LoadTouch = (found %v, %v)", found, err)
		}
	}
}

// BenchmarkLoadThenTouch is the two-round-trip alternative to LoadTouch
// (find, then update), measured to justify LoadTouch.
func BenchmarkLoadThenTouch(b *testing.B) {
	s, ctx := benchStore(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, found, err := s.Load(ctx, "session:bench"); err != nil || !found {
			b.Fatalf("Load = (found %v, %v)", found, err)
		}
		if err := s.Touch(ctx, "session:bench", time.Hour); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSave is an upsert of an existing session: one round trip.
func BenchmarkSave(b *testing.B) {
	s, ctx := benchStore(b)
	b.ReportAllocs()
	for b.Loop() {
		if err := s.Save(ctx, "session:bench", benchRecord, time.Hour); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkTouch is an update of expiration alone: one round trip.
func BenchmarkTouch(b *testing.B) {
	s, ctx := benchStore(b)
	b.ReportAllocs()
	for b.Loop() {
		if err := s.Touch(ctx, "session:bench", time.Hour); err != nil {
			b.Fatal(err)
		}
	}
}
