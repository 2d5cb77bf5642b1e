package filestore

import (
	"os"
	"testing"
)

// IndexEntries returns how many files the folder of user's index in s
// holds, markers of live and dead records alike: the raw count, for the
// conformance suite's Harness.IndexEntries. A missing folder holds none.
func IndexEntries(t *testing.T, s *Store, user string) int {
	t.Helper()
	entries, err := os.ReadDir(s.userDir(userHash(user)))
	if os.IsNotExist(err) {
		return 0
	}
	if err != nil {
		t.Fatalf("IndexEntries(%q): %v", user, err)
	}
	return len(entries)
}
