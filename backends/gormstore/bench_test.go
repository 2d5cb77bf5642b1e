package gormstore

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// benchOthers is how many other sessions the benchmark table holds.
const benchOthers = 100

// benchRecord is the size of a typical small session record.
var benchRecord = make([]byte, 200)

// benchDialects runs f as a sub-benchmark per dialect, on a table holding
// benchOthers sessions plus the one under "session:bench".
func benchDialects(b *testing.B, f func(b *testing.B, s *Store, ctx context.Context)) {
	for _, d := range dialects {
		b.Run(d.name, func(b *testing.B) {
			s := newTestStore(b, d.open(b))
			ctx := context.Background()
			for i := range benchOthers {
				if err := s.Save(ctx, fmt.Sprintf("session:other-%d", i), benchRecord, time.Hour); err != nil {
					b.Fatal(err)
				}
			}
			if err := s.Save(ctx, "session:bench", benchRecord, time.Hour); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			f(b, s, ctx)
		})
	}
}

// BenchmarkLoad is a read without refresh: one SELECT.
func BenchmarkLoad(b *testing.B) {
	benchDialects(b, func(b *testing.B, s *Store, ctx context.Context) {
		for b.Loop() {
			if _, found, err := s.Load(ctx, "session:bench"); err != nil || !found {
				b.Fatalf("Load = (found %v, %v)", found, err)
			}
		}
	})
}

// BenchmarkLoadTouch is a read with refresh, as the middleware does it:
// one UPDATE … RETURNING on PostgreSQL and SQLite, SELECT + UPDATE on MySQL.
func BenchmarkLoadTouch(b *testing.B) {
	benchDialects(b, func(b *testing.B, s *Store, ctx context.Context) {
		for b.Loop() {
			if _, found, err := s.LoadTouch(ctx, "session:bench", time.Hour); err != nil || !found {
				b.Fatalf("LoadTouch = (found %v, %v)", found, err)
			}
		}
	})
}

// BenchmarkLoadThenTouch is the two-statement alternative to LoadTouch.
func BenchmarkLoadThenTouch(b *testing.B) {
	benchDialects(b, func(b *testing.B, s *Store, ctx context.Context) {
		for b.Loop() {
			if _, found, err := s.Load(ctx, "session:bench"); err != nil || !found {
				b.Fatalf("Load = (found %v, %v)", found, err)
			}
			if err := s.Touch(ctx, "session:bench", time.Hour); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkSave is an upsert of an existing session: one INSERT … ON
// CONFLICT.
func BenchmarkSave(b *testing.B) {
	benchDialects(b, func(b *testing.B, s *Store, ctx context.Context) {
		for b.Loop() {
			if err := s.Save(ctx, "session:bench", benchRecord, time.Hour); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkTouch is one UPDATE of expiry.
func BenchmarkTouch(b *testing.B) {
	benchDialects(b, func(b *testing.B, s *Store, ctx context.Context) {
		for b.Loop() {
			if err := s.Touch(ctx, "session:bench", time.Hour); err != nil {
				b.Fatal(err)
			}
		}
	})
}
