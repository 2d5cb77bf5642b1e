package mongostore

import (
	"testing"
	"time"

	"github.com/serversession/serversession/backends/storetest"
)

// TestServerComesBack checks that while the server is gone every operation
// errors (Load never reports "not found"), that the stored record is
// untouched, and that the same store works again once the server is back.
func TestServerComesBack(t *testing.T) {
	s, p := proxiedStore(t, 500*time.Millisecond)
	storetest.ServerComesBack(t, s, p, 10*time.Second)
}
