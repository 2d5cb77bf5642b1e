package memcachedstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/serversession/serversession/backends/memcachedstore"
	"github.com/serversession/serversession/backends/storetest"
	"github.com/serversession/serversession/sessions"
)

// BenchmarkStore runs the benchmarks every store shares against the shared
// memcached. Every operation but a Replace of a Record with no Version is one
// command and one round trip (TestCommandsPerOperation).
func BenchmarkStore(b *testing.B) {
	addr := mcAddr(b)
	storetest.Benchmark(b, memcachedstore.New(newClient(b, addr), memcachedstore.WithItemSizeLimit(itemSizeMax(b, addr))))
}

// BenchmarkReplace31Days measures a Replace whose lifetime needs an absolute
// expiration time, from the bytes of the previous write (Version 0): gets,
// compare, cas.
func BenchmarkReplace31Days(b *testing.B) {
	ctx := context.Background()
	s := memcachedstore.New(newClient(b, mcAddr(b)))
	key := prefix(b) + "k"
	records := [2][]byte{make([]byte, 256), make([]byte, 256)} // a small session, msgpack-encoded
	records[1][0] = 1
	if err := s.Create(ctx, key, records[0], 31*24*time.Hour); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = s.Delete(ctx, key) })
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if err := s.Replace(ctx, key, sessions.Record{Data: records[i%2]}, records[(i+1)%2], 31*24*time.Hour); err != nil {
			b.Fatal(err)
		}
		i++
	}
}
