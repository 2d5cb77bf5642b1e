package evict_test

import (
	"slices"
	"testing"

	"github.com/serversession/serversession/internal/evict"
)

// Anonymous sessions go first, the least recently used first within each
// group; a logged-in session goes only after every anonymous one.
func TestCompare(t *testing.T) {
	type s struct {
		name    string
		named   bool
		expires int64
	}
	live := []s{{"alice-old", true, 1}, {"anon-new", false, 9}, {"bob-new", true, 8}, {"anon-old", false, 2}}
	slices.SortFunc(live, func(a, b s) int { return evict.Compare(a.named, a.expires, b.named, b.expires) })
	var got []string
	for _, x := range live {
		got = append(got, x.name)
	}
	if want := []string{"anon-old", "anon-new", "alice-old", "bob-new"}; !slices.Equal(got, want) {
		t.Errorf("eviction order %q, want %q", got, want)
	}
}
