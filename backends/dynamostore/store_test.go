package dynamostore

import (
	"strings"
	"testing"
	"time"

	"github.com/serversession/serversession/backends/storetest"
	"github.com/serversession/serversession/internal/testserver"
	"github.com/serversession/serversession/sessions"
)

// TestConformance runs the shared store suite against dynalite, each
// subtest on a table of its own, and against a port where nothing listens.
//
// LargeValue is skipped: it stores a 1 MiB record, and a DynamoDB item
// holds at most 400 KB. TestLargeRecord checks the largest record that fits
// instead, and that a larger one is refused before it is sent.
func TestConformance(t *testing.T) {
	storetest.Run(t, storetest.Harness{
		New: func(t *testing.T) sessions.Store {
			if strings.HasSuffix(t.Name(), "/LargeValue") {
				t.Skip("a DynamoDB item holds at most 400 KB, not the suite's 1 MiB; see TestLargeRecord")
			}
			return newTestStore(t)
		},
		IndexEntries: func(t *testing.T, s sessions.Store, user string) int {
			return indexEntries(t, s.(*Store), user)
		},
		Unreachable: func(t *testing.T) sessions.Store {
			s, err := New(newClient(t, testserver.DeadAddr(t), 1), "Sessions")
			if err != nil {
				t.Fatal(err)
			}
			return s
		},
	})
}

// indexEntries counts the entries of user's index item, live or not.
func indexEntries(t *testing.T, s *Store, user string) int {
	t.Helper()
	es, _ := entries(rawItem(t, s, s.userItemKey(user)))
	return len(es)
}

// TestServerGoesAwayAndComesBack runs the store through a proxy that is
// stopped mid-use: every operation errors while it is down (Load never
// reports not found), and the same store works again once it is back.
func TestServerGoesAwayAndComesBack(t *testing.T) {
	addr := dynamoAddr(t)
	direct := newTestStore(t)
	p := testserver.StartProxy(t, addr)
	s, err := New(newClient(t, p.Addr(), 1), direct.table)
	if err != nil {
		t.Fatal(err)
	}
	storetest.ServerComesBack(t, s, p, 10*time.Second)
}
