package redisstore_test

import (
	"testing"

	"github.com/serversession/serversession/backends/redisstore"
	"github.com/serversession/serversession/backends/storetest"
)

// BenchmarkStore runs the benchmarks every store shares against the shared
// Redis, and reports commands per operation next to ns/op and allocs/op.
func BenchmarkStore(b *testing.B) {
	rdb, hook := countedClient(b, redisAddr(b))
	storetest.Benchmark(b, redisstore.New(rdb), storetest.CountCommands(hook.total.Load))
}
