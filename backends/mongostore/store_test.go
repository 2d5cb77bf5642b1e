package mongostore

import (
	"context"
	"fmt"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/serversession/serversession/backends/storetest"
	"github.com/serversession/serversession/internal/testserver"
	"github.com/serversession/serversession/sessions"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, storetest.Harness{
		New:         func(t *testing.T) sessions.Store { return newTestStore(t) },
		Unreachable: unreachableStore,
		IndexEntries: func(t *testing.T, s sessions.Store, user string) int {
			return indexEntries(t, s.(*Store), user)
		},
	})
}

// indexEntries counts the documents of s tied to user, live or not: the
// entries of user's index as the collection holds them.
func indexEntries(t *testing.T, s *Store, user string) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	n, err := s.coll.CountDocuments(ctx, bson.D{{Key: usersField, Value: user}})
	if err != nil {
		t.Fatalf("count the index entries of %q: %v", user, err)
	}
	return int(n)
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
