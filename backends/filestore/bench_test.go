package filestore_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/serversession/serversession/backends/filestore"
	"github.com/serversession/serversession/backends/storetest"
)

// benchValue is about the size of a small session.
var benchValue = make([]byte, 256)

// BenchmarkStore runs the benchmarks every store shares, on a fresh
// directory without a threshold.
func BenchmarkStore(b *testing.B) {
	s, err := filestore.New(b.TempDir(), filestore.WithThreshold(0))
	if err != nil {
		b.Fatal(err)
	}
	storetest.Benchmark(b, s)
}

// BenchmarkCreatePastThreshold is the steady state of a full directory:
// every Create of a new session goes past the threshold now and then, and
// prunes.
func BenchmarkCreatePastThreshold(b *testing.B) {
	s, err := filestore.New(b.TempDir(), filestore.WithThreshold(500))
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if err := s.Create(ctx, "session:"+strconv.Itoa(i), benchValue, time.Hour); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkDeleteExpired is a sweep of a directory of 500 live files.
func BenchmarkDeleteExpired(b *testing.B) {
	s, err := filestore.New(b.TempDir(), filestore.WithThreshold(0))
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	for i := range 500 {
		if err := s.Create(ctx, "session:"+strconv.Itoa(i)+"-abcdefghijklmnopqrstuvwxyz0123456789ABCDE", benchValue, time.Hour); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.DeleteExpired(ctx); err != nil {
			b.Fatal(err)
		}
	}
}
