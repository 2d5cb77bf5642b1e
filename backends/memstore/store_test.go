package memstore_test

import (
	"testing"
	"time"

	"github.com/serversession/serversession/backends/memstore"
	"github.com/serversession/serversession/backends/storetest"
	"github.com/serversession/serversession/sessions"
)

// TestConformance runs the store suite, with a sweeper that runs often and
// with none (where expired records stay in the map until something looks
// at them, so Create and Replace meet them). There is no server to lose,
// so Unreachable is not set.
func TestConformance(t *testing.T) {
	for _, c := range []struct {
		name     string
		interval time.Duration
	}{
		{"Sweeping", 50 * time.Millisecond},
		{"NoSweeper", 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			storetest.Run(t, storetest.Harness{
				New: func(t *testing.T) sessions.Store {
					s := memstore.New(memstore.WithCleanupInterval(c.interval))
					t.Cleanup(func() { _ = s.Close() })
					return s
				},
				IndexEntries: func(t *testing.T, s sessions.Store, user string) int {
					return memstore.IndexEntries(s.(*memstore.Store), user)
				},
			})
		})
	}
}

// The store implements the optional interfaces of the lifecycle.
var (
	_ sessions.LoadToucher = (*memstore.Store)(nil)
	_ sessions.UserIndex   = (*memstore.Store)(nil)
)
