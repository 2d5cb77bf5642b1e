package memstore_test

import (
	"context"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/serversession/serversession/backends/memstore"
	"github.com/serversession/serversession/backends/storetest"
	"github.com/serversession/serversession/sessions"
)

// benchValue is about the size of a small session: a user ID, a CSRF token
// and a flash message, msgpack-encoded.
var benchValue = make([]byte, 256)

// benchStore returns a store holding n records, keyed like real sessions.
func benchStore(b *testing.B, n int) (*memstore.Store, []string) {
	b.Helper()
	s := memstore.New()
	b.Cleanup(func() { _ = s.Close() })
	keys := make([]string, n)
	for i := range keys {
		keys[i] = "session:" + strconv.Itoa(i) + "-abcdefghijklmnopqrstuvwxyz0123456789ABCDE"
		if err := s.Create(context.Background(), keys[i], benchValue, time.Hour); err != nil {
			b.Fatal(err)
		}
	}
	return s, keys
}

// BenchmarkStore runs the benchmarks every store shares.
func BenchmarkStore(b *testing.B) {
	s := memstore.New()
	b.Cleanup(func() { _ = s.Close() })
	storetest.Benchmark(b, s)
}

// BenchmarkParallelMixed is many requests at once: nine loads for each
// save (a Replace over the bytes last written), over many sessions.
func BenchmarkParallelMixed(b *testing.B) {
	s, keys := benchStore(b, 1<<14)
	ctx := context.Background()
	b.ReportAllocs()
	var worker atomic.Int64
	b.RunParallel(func(pb *testing.PB) {
		i := int(worker.Add(1)) * 4099 // each goroutine starts elsewhere
		for pb.Next() {
			k := keys[(i*7919)%len(keys)]
			var err error
			if i%10 == 0 {
				err = s.Replace(ctx, k, sessions.Record{Data: benchValue}, benchValue, time.Hour)
			} else {
				_, _, err = s.Load(ctx, k)
			}
			if err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
}

// BenchmarkDeleteExpired is a sweep of 16384 live records.
func BenchmarkDeleteExpired(b *testing.B) {
	s, _ := benchStore(b, 1<<14)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.DeleteExpired(ctx); err != nil {
			b.Fatal(err)
		}
	}
}
