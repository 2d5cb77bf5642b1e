// Package benchmarks compares serversession with gin-contrib/sessions,
// echo-contrib/session (gorilla/sessions) and alexedwards/scs on identical
// request scenarios. It is a module of its own so that none of the peers
// ever enters serversession's go.mod.
//
// Everything lives in the _test.go files: BenchmarkSession drives real
// handlers in-process through httptest, and TestRedisCommandsPerRequest
// checks serversession's store round trips. run.sh turns a run into
// RESULTS.md; wrk.sh adds an end-to-end load run over loopback.
package benchmarks
