package memstore_test

import (
	"time"

	"testing"

	"github.com/serversession/serversession/backends/memstore"
	"github.com/serversession/serversession/backends/storetest"
	"github.com/serversession/serversession/sessions"
)

// TestConformance runs the store suite. There is no server to lose, so
// Unreachable is not set.
func TestConformance(t *testing.T) {
	storetest.Run(t, storetest.Harness{
		New: func(t *testing.T) sessions.Store {
			s := memstore.New(memstore.WithCleanupInterval(50 * time.Millisecond))
			t.Cleanup(func() { _ = s.Close() })
			return s
		},
	})
}

// The store implements both optional interfaces of the lifecycle.
var (
	_ sessions.Toucher     = (*memstore.Store)(nil)
	_ sessions.LoadToucher = (*memstore.Store)(nil)
)
