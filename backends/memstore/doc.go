// Package memstore is an in-memory sessions.Store for a single process:
// development, tests, and apps that run one instance and accept that
// sessions end when the process does.
//
// # Setup
//
//	store := memstore.New()
//	defer store.Close()
//	cfg := sessions.Config{Store: store}
//
// # Options
//
//   - WithCleanupInterval(d) sets how often a background goroutine removes
//     expired records (default one minute; zero or less turns it off, and
//     DeleteExpired then frees memory when you call it).
//   - WithMaxSessions(n) bounds the store to about n records (default no
//     bound). Past it, a Create removes expired records, then the sessions
//     that name no user, then those that do, the least recently used first
//     within each, down to 90% of n. Anonymous traffic (bots, crawlers)
//     then cannot push logged-in users out while anonymous sessions remain;
//     logged-in sessions go only when they alone exceed the bound.
//
// # Expiry
//
// Every record expires after the TTL it was saved or touched with, measured
// on the monotonic clock, so changes of the wall clock do not shorten or
// lengthen sessions. An expired record is never returned, even before the
// sweeper has removed it, and LoadTouch never brings one back. The sweeper
// bounds memory: without it, a store that only ever sees new session IDs
// (bots, crawlers) would keep every record it was given. Close stops the
// sweeper; a Store that is dropped without Close has its sweeper stopped when
// the garbage collector frees it, so no goroutine is leaked either way.
//
// # Conditional writes
//
// Create writes only where no live record is, and Replace and DeleteIf only
// over a live record whose bytes still equal the Record the caller loaded
// (Versions are always zero: this store compares bytes). Each checks and
// writes under the lock of the key's shard, so of concurrent writes over
// the same record exactly one succeeds and the others get an error
// wrapping sessions.ErrConflict. LoadTouch never recreates a deleted or
// expired record.
//
// # Cost
//
// Records are spread over 64 shards, each behind its own sync.RWMutex, so
// concurrent requests for different sessions rarely wait for each other.
// Create and Replace copy the data they are given and Load returns a fresh
// copy (one allocation each), so callers and the store never share bytes;
// Replace also compares the stored bytes with the caller's, in time
// proportional to their length. Memory is
// the size of the live records plus about a hundred bytes of key and map
// overhead each. A sweep visits every record, one shard at a time, holding
// that shard's lock. A Go map never gives back the memory it grew to, so
// when a sweep or a delete leaves a shard with less than a quarter of the
// most records it has held, the shard's map is rebuilt with only the live
// ones, under its lock: after a burst of sessions expires, the memory goes
// back. The copy is paid for by the removals before it; Load never pays
// it.
//
// The Store implements sessions.Store; sessions.LoadToucher, so a read that
// refreshes the session costs one lookup and one map update under the same
// lock, and never rewrites the data (Load, the plain read, takes only the
// shard's read lock); and sessions.UserIndex (see Sessions of a user).
// Close and DeleteExpired are for the app: the session middleware never
// calls them.
//
// # Sessions of a user
//
// The Store implements sessions.UserIndex, so Config.Users can list
// and revoke a user's sessions. Each record carries the users it is tied
// to (Tie adds one, Untie removes it; nearly always none or one), and a
// map from each user to the set of its keys, behind a lock of its own,
// finds a user's records. Both change under the lock of the key's shard,
// and the map's lock is only ever taken inside a shard's, so the two never
// disagree and never deadlock.
//
// Tie and Untie cost one map update under the shard's lock and one under
// the index's. UserRecords copies the user's keys under the index's lock,
// then looks each one up under its shard's read lock: its cost is
// proportional to that user's sessions, never to the store's. Tie of a key
// with no live record ties nothing (the entry would end at once). A tie
// holds the user in the record and the key in the user's set: under a
// hundred bytes each, plus about two hundred for a user's own set (so
// about three hundred for a user with one session).
//
// An entry ends with its record, in the same step: whatever removes a
// record (Delete, DeleteIf, a Create over an expired record, an expired
// record found by Load, LoadTouch, Tie or UserRecords, and the sweeper or
// DeleteExpired) removes its index entries under the same shard lock.
// Replace and LoadTouch keep them. So the index never holds
// the entry of a record that is gone, and UserRecords never returns an
// expired record. A user whose last entry goes is removed from the map,
// and the map of users is rebuilt as the shards are when it holds less
// than a quarter of its peak.
package memstore
