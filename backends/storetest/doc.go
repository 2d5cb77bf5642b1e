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
// Benchmark measures the same operations on every store, as sub-benchmarks
// with the same records, so that stores can be compared figure by figure.
//
// # What the suite checks
//
// The contract written on sessions.Store: round trip, missing keys,
// overwrite, delete, conditional delete, expiry, Touch and LoadTouch when the store implements
// them, a 31-day TTL, a 1 MiB value, binary data, keys made of every
// session ID character, that returned bytes are never aliased, concurrent
// use, canceled contexts and an unreachable server.
//
// And the conditional writes in particular:
//
//   - CreateConflict: Create over a live record fails with an error wrapping
//     sessions.ErrConflict and leaves the record byte for byte as it was.
//   - Replace: Replace succeeds over the Record that Load returned, the one
//     LoadTouch returned, and Record{Data: d} after the caller's own Create
//     or Replace of d (a zero Version asks the store to compare bytes).
//   - ReplaceStale: Replace over a Record that no longer matches (replaced
//     since, or bytes that differ by one, or a key never written) fails with
//     sessions.ErrConflict, changes nothing and creates nothing.
//   - DeleteIf: DeleteIf removes the record over the Record that Load
//     returned, the one LoadTouch returned, and Record{Data: d} after the
//     caller's own Create or Replace of d; Load then misses, and other keys
//     stay.
//   - DeleteIfStale: DeleteIf over a Record that no longer matches (replaced
//     since, or bytes that differ by one, or a key never written) fails
//     with sessions.ErrConflict, leaves the record byte for byte as it was
//     and creates nothing.
//   - DeletedStaysDeleted: after Delete, neither Replace nor DeleteIf
//     succeeds, and neither they nor Touch nor LoadTouch brings the record
//     back.
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
// A failure message names the call, the key and what the store must do
// instead.
//
// Every key the suite writes starts with "storetest:" followed by random hex
// and the subtest's name, so the suite can share a server with other tests
// and never needs to flush it. Records are written with TTLs of at most 31
// days, and most are deleted or expire within seconds.
//
// The suite takes about fifteen seconds per store: the expiry and Touch
// subtests have to wait for real time to pass. They wait for a correctness
// property (a record is gone after its TTL, a touched record is still there
// after its original TTL), with slack for stores that count whole seconds,
// and never assert how fast a store is.
package storetest
