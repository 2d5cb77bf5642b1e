package filestore_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/serversession/serversession/backends/filestore"
)

// benchValue is about the size of a small session.
var benchValue = make([]byte, 256)

// benchStore returns a store on a fresh directory holding n records.
func benchStore(b *testing.B, n int) (*filestore.Store, []string) {
	b.Helper()
	s, err := filestore.New(b.TempDir(), filestore.WithThreshold(0))
	if err != nil {
		b.Fatal(err)
	}
	keys := make([]string, n)
	for i := range keys {
		keys[i] = "session:" + strconv.Itoa(i) + "-abcdefghijklmnopqrstuvwxyz0123456789ABCDE"
		if err := s.Save(context.Background(), keys[i], benchValue, time.Hour); err != nil {
			b.Fatal(err)
		}
	}
	return s, keys
}

func BenchmarkSave(b *testing.B) {
	s, keys := benchStore(b, 256)
	ctx := context.Background()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if err := s.Save(ctx, keys[i%len(keys)], benchValue, time.Hour); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

func BenchmarkLoad(b *testing.B) {
	s, keys := benchStore(b, 256)
	ctx := context.Background()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, _, err := s.Load(ctx, keys[i%len(keys)]); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

func BenchmarkTouch(b *testing.B) {
	s, keys := benchStore(b, 256)
	ctx := context.Background()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if err := s.Touch(ctx, keys[i%len(keys)], time.Hour); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

func BenchmarkLoadTouch(b *testing.B) {
	s, keys := benchStore(b, 256)
	ctx := context.Background()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, _, err := s.LoadTouch(ctx, keys[i%len(keys)], time.Hour); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkSavePastThreshold is the steady state of a full directory: every
// Save of a new session goes past the threshold now and then, and prunes.
func BenchmarkSavePastThreshold(b *testing.B) {
	s, err := filestore.New(b.TempDir(), filestore.WithThreshold(500))
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if err := s.Save(ctx, "session:"+strconv.Itoa(i), benchValue, time.Hour); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

func BenchmarkDeleteExpired(b *testing.B) {
	s, _ := benchStore(b, 500)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if err := s.DeleteExpired(ctx); err != nil {
			b.Fatal(err)
		}
	}
}
