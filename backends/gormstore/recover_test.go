package gormstore

import (
	"testing"
	"time"

	"github.com/serversession/serversession/backends/storetest"
)

// TestServerComesBack checks that while the database server is gone every
// operation errors (Load never reports "not found"), that the stored record
// is untouched, and that the same store works again once it is back.
func TestServerComesBack(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d dialect) {
		if d.openVia == nil {
			t.Skip("no server to lose")
		}
		s, p := proxiedStore(t, d)
		storetest.ServerComesBack(t, s, p, 5*time.Second)
	})
}
