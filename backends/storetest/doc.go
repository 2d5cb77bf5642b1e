// Package storetest is the conformance suite that every sessions.Store in
// this module passes, and that third-party stores can run too.
//
// A store's test file runs the whole suite in one line:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, storetest.Harness{
//			New: func(t *testing.T) sessions.Store {
//				s := memstore.New()
//				t.Cleanup(func() { _ = s.Close() })
//				return s
//			},
//		})
//	}
//
// Stores backed by a server run it against a real server, and set
// Harness.Unreachable to check what users see when that server is gone: an
// error, never a silent "not found" that would log everybody out, nor a
// "conflict" that would send the lifecycle reloading. ServerComesBack,
// called from a test of its own, goes further: the server goes away while
// the store is in use and comes back, and the same store must work again
// with the record it held.
//
// Stores that implement sessions.UserIndex also set Harness.IndexEntries,
// to count the entries the store holds in a user's index as raw as it can
// (a Redis ZCARD, the SQL rows whose user column is the user, the files in
// the user's index folder), entries of records that are gone included:
//
//	IndexEntries: func(t *testing.T, s sessions.Store, user string) int {
//		n, err := rdb.ZCard(t.Context(), indexKey(user)).Result()
//		if err != nil {
//			t.Fatalf("counting the index of %q: %v", user, err)
//		}
//		return int(n)
//	},
//
// Without it the UserIndex subtests still run, but do not check that the
// index is pruned, and the two cycle subtests skip.
//
// Benchmark measures the same operations on every store, as sub-benchmarks
// with the same records, so that stores can be compared figure by figure.
//
// # What the suite checks
//
// The contract written on sessions.Store: round trip, missing keys,
// overwrite, delete, conditional delete, expiry, LoadTouch when the store
// implements sessions.LoadToucher, a 31-day TTL, a 1 MiB value, binary
// data, keys made of every session ID character, that returned bytes are
// never aliased, concurrent use, canceled contexts and an unreachable
// server; and the user index, below, when the store has one.
//
// And the conditional writes in particular:
//
//   - CreateConflict: Create over a live record fails with an error wrapping
//     sessions.ErrConflict and leaves the record byte for byte as it was.
//   - Replace: Replace succeeds over the Record that Load returned, the one
//     LoadTouch returned, and Record{Data: d} after the caller's own Create
//     or Replace of d (a zero Version asks the store to compare bytes); and
//     over a Record loaded before another caller's LoadTouch, which changes
//     no data.
//   - ReplaceStale: Replace over a Record that no longer matches (replaced
//     since, or bytes that differ by one, or a key never written) fails with
//     sessions.ErrConflict, changes nothing and creates nothing.
//   - DeleteIf: DeleteIf removes the record over the Record that Load
//     returned, the one LoadTouch returned, Record{Data: d} after the
//     caller's own Create or Replace of d, and a Record loaded before
//     another caller's LoadTouch; Load then misses, and other keys stay.
//   - DeleteIfStale: DeleteIf over a Record that no longer matches (replaced
//     since, or bytes that differ by one, or a key never written) fails
//     with sessions.ErrConflict, leaves the record byte for byte as it was
//     and creates nothing.
//   - DeletedStaysDeleted: after Delete, neither Replace nor DeleteIf
//     succeeds, and neither they nor LoadTouch brings the record back.
//   - ExpiredRecords: an expired record counts as absent whether or not the
//     store has swept it: Create over it succeeds, Replace and DeleteIf over
//     it fail and create nothing. Replace sets the TTL to its own ttl, and a failed
//     Create leaves the TTL alone.
//   - ReplaceRace and CreateRace: 16 goroutines Replace one key over the
//     same Record, or Create one fresh key, at once, over ten rounds.
//     Exactly one wins each round, the others get sessions.ErrConflict, and
//     the stored record is the winner's. Run under -race.
//   - DeleteIfRace: 16 goroutines race over the same Record, half with
//     DeleteIf and half with Replace, over ten rounds. Exactly one wins
//     each round and the others get sessions.ErrConflict; the key is then
//     missing if a DeleteIf won, or holds the winning Replace's bytes.
//
// # The user index
//
// For a store that implements sessions.UserIndex, the UserIndex subtests
// check the contract written on it, as the lifecycle uses it (a store that
// does not implement it skips them):
//
//   - UserIndex: UserRecords lists exactly the keys tied to a user, with
//     the Record as Load returns it and Expires near the record's expiry;
//     a key tied twice is listed once; a key moves to another user as the
//     lifecycle moves it (Tie to the new user, then Untie from the old), and
//     is the new user's alone; Untie removes one key from
//     one user's index and leaves the record alone; Untie of a key not in
//     the index is not an error, nor is listing a user never tied; the
//     bytes returned are the caller's.
//   - UserIndexUserIDs: user IDs that differ only by a suffix or a prefix
//     ("a" and "ab"), by letter case, an accent or a trailing space, that
//     hold ":", "{", "}", "/", "%", "_" or spaces, unicode, or 200 bytes that
//     differ only in the last one, are different users, for UserRecords and
//     for Untie.
//   - UserIndexKeepsTie: Replace and LoadTouch keep a key's tie:
//     it is listed with its new data and its new Expires, and still after
//     the ttl it was tied with has passed.
//   - UserIndexDelete: after Delete, or DeleteIf over the Record that
//     UserRecords returned, UserRecords no longer returns the record, before
//     and after Untie, and once listed the index holds no more entries than
//     the live records.
//   - UserIndexExpiry: UserRecords never returns an expired record; once
//     the index was listed or written, it holds no entry of one.
//   - UserIndexLogoutCycles: 1,000 logins and logouts of one user (Create,
//     Tie, then Delete, Untie): the index holds at most the live session
//     after each Tie, and nothing after each logout.
//   - UserIndexRevokeCycles: 1,000 sessions of one user that another
//     process deletes without Untie, with two live at a time, and only Tie
//     and UserRecords calls on the index: right after each listing (every
//     50 cycles) it holds no more entries than the user's live sessions,
//     and between listings no more than those deleted since.
//   - UserIndexRace: 16 goroutines tie keys of their own to one user, untie
//     half and list as they go; the listing is then exactly the keys left
//     tied. Run under -race.
//   - UserIndexCanceledContext: with a canceled or expired context, Tie,
//     Untie and UserRecords return an error wrapping the context's error
//     and change nothing.
//   - UserIndexHandles: Untie and Delete take the Key that UserRecords
//     returns for a record, as a revocation passes it. A Key that is not
//     the record's key is a handle: the store must implement
//     sessions.KeyHandler, whose KeyHandle returns it; the handles of two
//     keys differ, none holds its key, and each ends with a character that
//     session IDs lack, so that no key the Manager writes is a handle.
//
// The other UserIndex subtests read a handle as the key it stands for.
//
// A store that implements sessions.Pinger must answer Ping with nil while
// its server is up (Ping) and with an error in Unreachable.
//
// Unreachable, and ServerComesBack while the server is gone, check that
// Tie, Untie and UserRecords fail too: UserRecords must never answer an
// empty list with a nil error. ServerComesBack also ties its record before
// the outage and lists it once the server is back.
//
// The checks of entries that outlive their records (the two cycle
// subtests, and those after a Delete, an expiry or the race) hold the store
// to this: an entry whose record is gone may linger in the store only until
// that user's index is next written (Tie, Untie) or listed (UserRecords).
// Once it has been written or listed, the index holds no more entries than
// the user's live sessions. The cycle subtests log the most entries they
// saw, the entries left at the end and the time the cycles took.
//
// A failure message names the call, the key and what the store must do
// instead.
//
// Every key the suite writes, and every user ID it ties keys to, starts
// with "storetest:" followed by random hex and the subtest's name, so the
// suite can share a server with other tests and never needs to flush it. Records are written with TTLs of at most 31
// days, and most are deleted or expire within seconds.
//
// The suite takes about twenty seconds per store: the expiry and LoadTouch
// subtests have to wait for real time to pass. They wait for a correctness
// property (a record is gone after its TTL, a load-touched record is still
// there after its original TTL), with slack for stores that count whole seconds,
// and never assert how fast a store is.
package storetest
