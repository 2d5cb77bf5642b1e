package memcachedstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/serversession/serversession/backends/memcachedstore"
)

// benchRecord is the size of a small session (a user ID, a CSRF token, a
// flash message) encoded with msgpack.
var benchRecord = make([]byte, 256)

// bench runs op b.N times against the shared memcached. Every operation is
// one command and one round trip (TestCommandsPerOperation).
func bench(b *testing.B, op func(ctx context.Context, s *memcachedstore.Store, key string) error) {
	ctx := context.Background()
	s := memcachedstore.New(newClient(b, mcAddr(b)))
	key := prefix(b) + "k"
	if err := s.Save(ctx, key, benchRecord, time.Minute); err != nil {
		b.Fatalf("Save: %v", err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := op(ctx, s, key); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	_ = s.Delete(ctx, key)
}

func BenchmarkLoad(b *testing.B) {
	bench(b, func(ctx context.Context, s *memcachedstore.Store, key string) error {
		_, _, err := s.Load(ctx, key)
		return err
	})
}

func BenchmarkLoadTouch(b *testing.B) {
	bench(b, func(ctx context.Context, s *memcachedstore.Store, key string) error {
		_, _, err := s.LoadTouch(ctx, key, time.Minute)
		return err
	})
}

func BenchmarkSave(b *testing.B) {
	bench(b, func(ctx context.Context, s *memcachedstore.Store, key string) error {
		return s.Save(ctx, key, benchRecord, time.Minute)
	})
}

// BenchmarkSave31Days measures a save whose lifetime needs an absolute
// expiration time.
func BenchmarkSave31Days(b *testing.B) {
	bench(b, func(ctx context.Context, s *memcachedstore.Store, key string) error {
		return s.Save(ctx, key, benchRecord, 31*24*time.Hour)
	})
}

func BenchmarkTouch(b *testing.B) {
	bench(b, func(ctx context.Context, s *memcachedstore.Store, key string) error {
		return s.Touch(ctx, key, time.Minute)
	})
}
