package sessions

import (
	"context"
	"time"
)

// UserIndex is implemented by stores that index sessions by user, so that
// a user's sessions can be listed and revoked at a cost proportional to
// that user's sessions, never a scan of the store. Config.Users needs
// it. The user rides in the record (under Config.UserKey); the index only
// finds records, and the lifecycle checks each one.
//
// The lifecycle ties a key only while its record exists (right after
// Create, or before a Replace that names the user) and unties it after the
// record was deleted or rewritten without the user. Replace and LoadTouch
// keep a key's tie. An entry ends with its record: UserRecords never
// returns an expired or deleted one, and the entry may linger only until
// the user's index is next written or listed.
type UserIndex interface {
	// Tie adds key to user's index. The record under key, if any, expires
	// after ttl. Tying a key already tied is not an error.
	Tie(ctx context.Context, user, key string, ttl time.Duration) error
	// Untie removes key from user's index. A key not in it is not an
	// error. key may be the Key of a UserRecord, a handle (see
	// KeyHandler).
	Untie(ctx context.Context, user, key string) error
	// UserRecords returns the live records indexed under user, each with
	// its key (or the key's handle, see KeyHandler) and expiry, in no
	// particular order. It never returns an expired or deleted record,
	// and may drop from the index the entries of records that are gone.
	UserRecords(ctx context.Context, user string) ([]UserRecord, error)
}

// UserRecord is a live record that a UserIndex found for a user.
type UserRecord struct {
	// Key is the record's storage key or, from a store that keeps no key
	// in the clear (a KeyHandler), the key's handle, which that store's
	// Delete and Untie accept in the key's place.
	Key     string
	Record  Record    // as Load would return it
	Expires time.Time // when the record expires, as the store last set it
}

// KeyHandler is implemented by a UserIndex that keeps no storage key in
// the clear, so that nothing it stores gives a session ID away (filestore:
// its index is files that anyone who can read the directory, or a backup
// of it, could read). Its UserRecords returns, in UserRecord.Key, each
// key's handle instead of the key, and its Delete and Untie accept a
// handle in the key's place; every other method takes keys only. The
// Manager calls KeyHandle to find its own keys among the records listed:
// the current session's, and those of the sessions it ended, whose
// requests in flight must neither save nor send their cookie again.
//
// A handle must be:
//   - a function of the key alone, the same in every process and every
//     Store on the same data, and different for different keys (a
//     cryptographic hash of the key, as a file name);
//   - never a key the Manager writes, whatever Config.KeyPrefix is: those
//     end with a session ID of at least 22 characters among A-Z, a-z,
//     0-9, '-' and '_', so a handle that ends with any other character is
//     never one;
//   - of no help in finding the key or the session ID it stands for.
//
// A UserIndex whose UserRecords returns keys need not implement it.
type KeyHandler interface {
	// KeyHandle returns the handle that UserRecords returns for key.
	KeyHandle(key string) string
}
