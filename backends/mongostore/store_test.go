package mongostore

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/serversession/serversession/backends/storetest"
	"github.com/serversession/serversession/internal/testserver"
	"github.com/serversession/serversession/sessions"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, storetest.Harness{
		New:         func(t *testing.T) sessions.Store { return newTestStore(t) },
		Unreachable: unreachableStore,
	})
}

// unreachableStore returns a store whose server has gone away. New needs a
// live server, so the store is built through a proxy to the test server, and
// then the proxy is stopped, which closes its port and every connection.
func unreachableStore(t *testing.T) sessions.Store {
	t.Helper()
	s, p := proxiedStore(t, 500*time.Millisecond)
	p.Stop()
	return s
}

// proxiedStore returns a store on a fresh collection, reached through a
// proxy that the caller can stop and start again, with the given server
// selection timeout. The collection is dropped through a direct client.
func proxiedStore(t testing.TB, selection time.Duration) (*Store, *testserver.Proxy) {
	t.Helper()
	uri, host := mongoServer(t)
	coll := testCollection(t, connect(t, uri))
	p := testserver.StartProxy(t, host)
	client := connect(t, fmt.Sprintf("mongodb://%s/?directConnection=true&serverSelectionTimeoutMS=%d",
		p.Addr(), selection.Milliseconds()))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := New(ctx, client.Database(testDatabase).Collection(coll.Name()), WithLogger(testLogger(t)))
	if err != nil {
		t.Fatalf("New through the proxy: %v", err)
	}
	return s, p
}
