package gormstore

import (
	"testing"

	"github.com/serversession/serversession/backends/storetest"
)

// BenchmarkStore runs the benchmarks every store shares, per dialect, on a
// table of its own. Load is one SELECT; LoadTouch, a read with refresh as
// the middleware does it, is one UPDATE … RETURNING on PostgreSQL and
// SQLite, SELECT + UPDATE on MySQL; Replace is one UPDATE … WHERE data =
// ?; CreateDelete is one INSERT … ON CONFLICT (ON DUPLICATE KEY UPDATE on
// MySQL) and one DELETE.
func BenchmarkStore(b *testing.B) {
	for _, d := range dialects {
		b.Run(d.name, func(b *testing.B) {
			storetest.Benchmark(b, newTestStore(b, d.open(b)))
		})
	}
}
