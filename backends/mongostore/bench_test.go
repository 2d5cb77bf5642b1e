package mongostore

import (
	"testing"

	"github.com/serversession/serversession/backends/storetest"
)

// BenchmarkStore runs the benchmarks every store shares on a fresh
// collection: Load is one round trip (find), LoadTouch one (findAndModify),
// Replace one (an update filtered on val), CreateDelete two (an insert, a
// delete). Each benchmark's collection holds its 100 records: on FerretDB
// 1.x every query on id reads the whole collection, so the figures depend
// on that number; on MongoDB the unique index makes them independent of
// it.
func BenchmarkStore(b *testing.B) {
	storetest.Benchmark(b, newTestStore(b))
}
