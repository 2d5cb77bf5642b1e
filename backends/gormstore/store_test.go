package gormstore

import (
	"testing"

	"github.com/serversession/serversession/backends/storetest"
	"github.com/serversession/serversession/internal/testserver"
	"github.com/serversession/serversession/sessions"
)

func TestConformance(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d dialect) {
		storetest.Run(t, storetest.Harness{
			New: func(t *testing.T) sessions.Store {
				return newTestStore(t, d.open(t))
			},
			Unreachable: func(t *testing.T) sessions.Store {
				return unreachableStore(t, d)
			},
			IndexEntries: func(t *testing.T, s sessions.Store, user string) int {
				return indexEntries(t, s.(*Store), user)
			},
		})
	})
}

// indexEntries counts the rows of s tied to user, live or not: the entries
// of user's index as the table holds them.
func indexEntries(t *testing.T, s *Store, user string) int {
	t.Helper()
	var n int64
	err := s.db.Raw("SELECT COUNT(*) FROM "+s.quoted+" WHERE user_id = ?", user).Row().Scan(&n)
	if err != nil {
		t.Fatalf("count the index entries of %q: %v", user, err)
	}
	return int(n)
}

// unreachableStore returns a store whose database is gone. New needs a live
// database, so for a server the store is built through a proxy that is then
// stopped, which closes its port and every connection; for SQLite, the
// database handle is closed under the store.
func unreachableStore(t *testing.T, d dialect) sessions.Store {
	t.Helper()
	if d.openVia == nil {
		db := d.open(t) // a file in t's temp dir, removed with it
		s, err := New(db, WithLogger(testLogger(t)))
		if err != nil {
			t.Fatalf("New: %v", err)
		}
		sqlDB, err := db.DB()
		if err != nil {
			t.Fatal(err)
		}
		sqlDB.Close()
		return s
	}
	s, p := proxiedStore(t, d)
	p.Stop()
	return s
}

// proxiedStore returns a store on a table of its own, reached through a
// proxy that the caller can stop and start again. The table is dropped
// through a direct connection.
func proxiedStore(t testing.TB, d dialect) (*Store, *testserver.Proxy) {
	t.Helper()
	direct := d.open(t)
	var p *testserver.Proxy
	db := d.openVia(t, func(target string) string {
		p = testserver.StartProxy(t, target)
		return p.Addr()
	})
	table := tableName(t)
	dropOnCleanup(t, direct, table)
	s, err := New(db, WithTableName(table), WithLogger(testLogger(t)))
	if err != nil {
		t.Fatalf("New through the proxy: %v", err)
	}
	return s, p
}
