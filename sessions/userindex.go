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
	// error.
	Untie(ctx context.Context, user, key string) error
	// UserRecords returns the live records indexed under user, each with
	// its key and expiry, in no particular order. It never returns an
	// expired or deleted record, and may drop from the index the entries
	// of records that are gone.
	UserRecords(ctx context.Context, user string) ([]UserRecord, error)
}

// UserRecord is a live record that a UserIndex found for a user.
type UserRecord struct {
	Key     string    // the storage key
	Record  Record    // as Load would return it
	Expires time.Time // when the record expires, as the store last set it
}
