package filestore_test

import (
	"testing"

	"github.com/serversession/serversession/backends/filestore"
	"github.com/serversession/serversession/backends/storetest"
	"github.com/serversession/serversession/sessions"
)

// TestConformance runs the store suite on a fresh directory per subtest.
// Unreachable does not apply: there is no server; TestUnusableDirectory
// covers the nearest thing, a directory that went away.
func TestConformance(t *testing.T) {
	storetest.Run(t, storetest.Harness{
		New: func(t *testing.T) sessions.Store {
			s, err := filestore.New(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = s.Close() })
			return s
		},
		IndexEntries: func(t *testing.T, s sessions.Store, user string) int {
			return filestore.IndexEntries(t, s.(*filestore.Store), user)
		},
	})
}

// The store implements the optional interfaces of the lifecycle.
var (
	_ sessions.LoadToucher = (*filestore.Store)(nil)
	_ sessions.UserIndex   = (*filestore.Store)(nil)
)
