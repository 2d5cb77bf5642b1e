package filestore

import (
	"os"
	"path/filepath"
	"testing"
)

// newTestStore returns a Store on a fresh directory, closed at the end.
func newTestStore(t *testing.T, opts ...Option) *Store {
	t.Helper()
	s, err := New(filepath.Join(t.TempDir(), "sessions"), opts...)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// names lists the directory of s, but for the lock and index folders.
func names(t *testing.T, s *Store) []string {
	t.Helper()
	entries, err := os.ReadDir(s.dir)
	if err != nil {
		t.Fatalf("ReadDir: %v", err)
	}
	var out []string
	for _, e := range entries {
		if (e.Name() == lockDir || e.Name() == usersDir || e.Name() == tiesDir) && e.IsDir() {
			continue
		}
		out = append(out, e.Name())
	}
	return out
}

// fileOf returns the path of key's file in s.
func fileOf(s *Store, key string) string {
	p, _ := s.path(key)
	return p
}
