package memcachedstore_test

import (
	"testing"

	"github.com/serversession/serversession/backends/memcachedstore"
	"github.com/serversession/serversession/backends/storetest"
	"github.com/serversession/serversession/internal/testserver"
)

// TestServerGoesAwayAndComesBack runs the store through a proxy that is
// stopped mid-use: every operation errors (Load never reports not-found)
// while it is down, and the same store works again at once when it is back.
func TestServerGoesAwayAndComesBack(t *testing.T) {
	p := testserver.StartProxy(t, mcAddr(t))
	storetest.ServerComesBack(t, memcachedstore.New(newClient(t, p.Addr())), p, 0)
}
