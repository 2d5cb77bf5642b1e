// Package evict holds the order in which the stores that bound their size
// (filestore's threshold, memstore's WithMaxSessions) evict live sessions,
// so that the rule lives once: sessions that name no user go before those
// that do, so that anonymous traffic cannot push logged-in users out while
// anonymous sessions remain; and within each group the least recently
// used go first (the soonest to expire, since each use sets the expiry a
// Lifetime ahead).
package evict

import "cmp"

// Compare orders two live sessions for eviction, as slices.SortFunc wants:
// negative when a goes first. named says the session names a user, and
// expires is its expiry, in any unit, the same for both.
func Compare(aNamed bool, aExpires int64, bNamed bool, bExpires int64) int {
	if aNamed != bNamed {
		if aNamed {
			return 1
		}
		return -1
	}
	return cmp.Compare(aExpires, bExpires)
}
