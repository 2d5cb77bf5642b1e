package storetest

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/serversession/serversession/sessions"
)

// benchRecords is how many records each benchmark writes before it
// measures, and benchValue a record: about the size of a small session (a
// user ID, a CSRF token and a flash message, msgpack-encoded).
const benchRecords = 100

var benchValue = make([]byte, 256)

// BenchOption tunes Benchmark.
type BenchOption func(*benchConfig)

type benchConfig struct {
	commands func() int64
}

// CountCommands makes every benchmark also report cmds/op: how many commands
// each operation sent to the server, by count, which returns a running
// total (typically kept by a hook on the store's client).
func CountCommands(count func() int64) BenchOption {
	return func(c *benchConfig) { c.commands = count }
}

// Benchmark measures the operations every store has, as sub-benchmarks of b
// run against s: Load; Replace over the bytes of the previous write
// (Record{Data}, as after a Create or Replace of one's own); LoadThenReplace,
// a request's save (Replace over the record Load returned); CreateDelete, a
// new session and its logout; and, when s implements sessions.LoadToucher,
// LoadTouch (a read that also refreshes the TTL). Each reports
// allocations. Before it measures, each creates 100 records of 256 bytes
// with a TTL of an hour under keys of its own, which its operations then
// take in turn; it deletes them when it ends, so that s may be on a shared
// server.
//
// A store's benchmark file needs one function:
//
//	func BenchmarkStore(b *testing.B) { storetest.Benchmark(b, newStore(b)) }
func Benchmark(b *testing.B, s sessions.Store, opts ...BenchOption) {
	var c benchConfig
	for _, o := range opts {
		o(&c)
	}
	lt, _ := s.(sessions.LoadToucher)
	load := func(ctx context.Context, k string) (sessions.Record, error) {
		rec, found, err := s.Load(ctx, k)
		if err != nil || !found {
			return rec, benchError("Load", k, found, err)
		}
		return rec, nil
	}
	ops := []struct {
		name string
		skip bool
		op   func(ctx context.Context, k string) error
	}{
		{"Load", false, func(ctx context.Context, k string) error {
			_, err := load(ctx, k)
			return err
		}},
		{"Replace", false, func(ctx context.Context, k string) error {
			return s.Replace(ctx, k, sessions.Record{Data: benchValue}, benchValue, time.Hour)
		}},
		{"LoadThenReplace", false, func(ctx context.Context, k string) error {
			rec, err := load(ctx, k)
			if err != nil {
				return err
			}
			return s.Replace(ctx, k, rec, benchValue, time.Hour)
		}},
		{"CreateDelete", false, func(ctx context.Context, k string) error {
			k += ":new"
			if err := s.Create(ctx, k, benchValue, time.Hour); err != nil {
				return err
			}
			return s.Delete(ctx, k)
		}},
		{"LoadTouch", lt == nil, func(ctx context.Context, k string) error {
			if _, found, err := lt.LoadTouch(ctx, k, time.Hour); err != nil || !found {
				return benchError("LoadTouch", k, found, err)
			}
			return nil
		}},
	}
	for _, o := range ops {
		if o.skip {
			continue
		}
		b.Run(o.name, func(b *testing.B) {
			ctx := context.Background()
			keys := benchKeys(b, s, o.name)
			var before int64
			if c.commands != nil {
				before = c.commands()
			}
			i := 0
			for b.Loop() {
				if err := o.op(ctx, keys[i%len(keys)]); err != nil {
					b.Fatal(err)
				}
				i++
			}
			if c.commands != nil {
				b.ReportMetric(float64(c.commands()-before)/float64(i), "cmds/op")
			}
		})
	}
}

// benchKeys creates the records of one benchmark, registers their deletion
// and turns allocation reporting on.
func benchKeys(b *testing.B, s sessions.Store, name string) []string {
	b.Helper()
	ks := newKeyspace("Benchmark" + name)
	keys := make([]string, benchRecords)
	for i := range keys {
		keys[i] = ks.key(strconv.Itoa(i))
		if err := s.Create(context.Background(), keys[i], benchValue, time.Hour); err != nil {
			b.Fatalf("Create(%q) before the benchmark: %v", keys[i], err)
		}
	}
	b.Cleanup(func() {
		for _, k := range keys {
			_ = s.Delete(context.Background(), k)
			_ = s.Delete(context.Background(), k+":new")
		}
	})
	b.ReportAllocs()
	return keys
}

// benchError describes a read that failed or found nothing.
func benchError(op, key string, found bool, err error) error {
	if err != nil {
		return fmt.Errorf("%s(%q): %w", op, key, err)
	}
	return fmt.Errorf("%s(%q) reported not found; want the record created before the benchmark", op, key)
}
