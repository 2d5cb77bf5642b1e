// Package requestbench measures whole requests through the Gin middleware
// on each real store: store round trips per request (asserted in tests:
// 0 untouched, 1 read including the refresh (a plain Load within the
// RefreshInterval, a LoadTouch after it), at most 2 for a
// read-modify-write, 1 to create) and ns/op and allocs/op (benchmarks).
// BenchmarkTelemetry measures what extra/otelsessions adds to a request
// (httpsession, off, no-op providers, SDK) on memstore and Redis, with and
// without the client-side cache; TestCacheMetrics checks its cache hit and
// miss counter on Redis.
//
// The redis-cached row is Redis with go-redis's client-side cache on, on a
// redis-server of its own: once warm, a read within the RefreshInterval is
// a Load that sends nothing to the server (TestCachedWarmReads).
// TestWritesPerThousandReads counts the writes of 1,000 reads, refreshed
// on every read and within the RefreshInterval.
//
//	scripts/test-servers.sh
//	go test -run '^$' -bench . -benchmem ./internal/requestbench/
package requestbench
