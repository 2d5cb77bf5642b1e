package memcachedstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/serversession/serversession/backends/memcachedstore"
	"github.com/serversession/serversession/backends/storetest"
)

// BenchmarkStore runs the benchmarks every store shares against the shared
// memcached. Every operation is one command and one round trip
// (TestCommandsPerOperation).
func BenchmarkStore(b *testing.B) {
	storetest.Benchmark(b, memcachedstore.New(newClient(b, mcAddr(b))))
}

// BenchmarkSave31Days measures a save whose lifetime needs an absolute
// expiration time.
func BenchmarkSave31Days(b *testing.B) {
	ctx := context.Background()
	s := memcachedstore.New(newClient(b, mcAddr(b)))
	key := prefix(b) + "k"
	record := make([]byte, 256) // a small session, msgpack-encoded
	b.Cleanup(func() { _ = s.Delete(ctx, key) })
	b.ReportAllocs()
	for b.Loop() {
		if err := s.Save(ctx, key, record, 31*24*time.Hour); err != nil {
			b.Fatal(err)
		}
	}
}
