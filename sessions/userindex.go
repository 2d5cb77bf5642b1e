package sessions

import (
	"context"
	"time"
)

// UserIndex is implemented by stores that keep an index of sessions by
// user, so that a user's sessions can be listed and revoked (see
// Manager.UserSessions) at a cost proportional to that user's sessions,
// never a scan of the store. Config.IndexUsers needs it.
//
// The user rides in the record itself (under Config.UserKey); the index
// only finds the records, and the lifecycle checks each one it is given.
// The lifecycle ties a key only while its record exists: right after it
// created the record, or before it writes a record naming the user over an
// existing one. It unties a key after the record was deleted or rewritten
// without the user. Replace and LoadTouch keep a key's tie. An
// index entry must end with its record: UserRecords never returns an
// expired or deleted record. The entry of an expired record may linger in
// the store only until that user's index is next written or listed, and
// that of a record deleted without Untie (by another program, or after a
// failed Untie) until it is next listed.
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
