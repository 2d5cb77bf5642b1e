package storetest_test

import (
	"testing"

	"github.com/serversession/serversession/backends/memstore"
	"github.com/serversession/serversession/backends/storetest"
	"github.com/serversession/serversession/sessions"
)

// A store's whole conformance test is one call to Run, in its _test.go file:
//
//	func TestConformance(t *testing.T) { storetest.Run(t, harness) }
//
// with a Harness that builds a fresh store for each subtest. Stores that
// talk to a server also set Unreachable, to a client pointed at a port where
// nothing listens, and stores that implement sessions.UserIndex set
// IndexEntries, to a raw count of the entries in a user's index (a ZCARD,
// a COUNT(*) of the user's rows).
func ExampleRun() {
	harness := storetest.Harness{
		New: func(t *testing.T) sessions.Store {
			s := memstore.New()
			t.Cleanup(func() { _ = s.Close() })
			return s
		},
	}
	_ = harness // storetest.Run(t, harness) inside a Test function.
}
