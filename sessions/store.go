package sessions

import (
	"context"
	"errors"
	"time"
)

// Store keeps session records: opaque bytes from the Codec, under the
// configured prefix plus the session ID ("session:3q2-…"). It must be safe
// for concurrent use, and each method is one round trip.
//
// Writes are conditional, so that concurrent requests never silently
// overwrite each other and a deleted record never comes back: Create
// writes only where no record is, Replace and DeleteIf only over the very
// record the request loaded. A write whose condition fails changes nothing
// and returns an error wrapping ErrConflict; the lifecycle then reloads,
// replays its changes and tries again. Delete, for ending a session, is
// the one unconditional write. A missing or expired record is found ==
// false with a nil error; an error means the store could not answer.
type Store interface {
	// Load returns the record stored under key.
	Load(ctx context.Context, key string) (rec Record, found bool, err error)
	// Create stores data under key, to expire after ttl, if no live record
	// is stored under key. Otherwise it changes nothing and returns an
	// error wrapping ErrConflict.
	Create(ctx context.Context, key string, data []byte, ttl time.Duration) error
	// Replace stores data under key, to expire after ttl, if the record
	// under key is still old: a record Load or LoadTouch returned, or one
	// holding the Data of a successful Create or Replace (with a zero
	// Version). If the record changed, expired or was deleted since,
	// it changes nothing (a deleted record is never recreated) and returns
	// an error wrapping ErrConflict.
	Replace(ctx context.Context, key string, old Record, data []byte, ttl time.Duration) error
	// DeleteIf removes the record under key if it is still old, as for
	// Replace. If the record changed, expired or was deleted since, it
	// changes nothing and returns an error wrapping ErrConflict.
	DeleteIf(ctx context.Context, key string, old Record) error
	// Delete removes the record under key, whatever it holds. A missing
	// record is not an error.
	Delete(ctx context.Context, key string) error
}

// Record is a session record as a Store holds it.
type Record struct {
	// Data is the encoded session, as the Codec wrote it. The caller owns
	// it: a Store never keeps or changes a slice it returned or was given.
	Data []byte
	// Version is the store's own version of the record, for stores that
	// have one (memcached's CAS value), which Replace then compares instead
	// of Data. It is zero from stores that compare Data, and a zero Version
	// asks every store to compare Data.
	Version uint64
}

// ErrConflict is what Create and Replace wrap when their condition fails:
// a record already exists under the key, or the record changed or went
// away since it was loaded.
var ErrConflict = errors.New("sessions: the stored record changed concurrently")

// LoadToucher is implemented by stores that can load a record and extend
// its lifetime without rewriting it, in one round trip (Redis GETEX); the
// lifecycle uses it when a refresh is due. Without it, a refresh is a
// conditional Replace of the bytes loaded, one round trip more.
type LoadToucher interface {
	// LoadTouch is Load that also sets the record to expire after ttl, in
	// one round trip. A missing record is not created.
	LoadTouch(ctx context.Context, key string, ttl time.Duration) (rec Record, found bool, err error)
}

type userHintKey struct{}

// WithUserHint marks ctx as that of a write whose record names a user. The
// lifecycle marks every such Create and Replace, so that a store with a
// bound on its records (filestore's threshold, memstore's WithMaxSessions)
// can evict anonymous sessions before logged-in ones.
func WithUserHint(ctx context.Context) context.Context {
	return context.WithValue(ctx, userHintKey{}, true)
}

// HasUserHint reports whether ctx, a Create's or Replace's, is marked by
// WithUserHint: a store that must evict records keeps the hint with the
// record and evicts those without it first.
func HasUserHint(ctx context.Context) bool {
	v, _ := ctx.Value(userHintKey{}).(bool)
	return v
}

// userHintContext is WithUserHint kept in the Handle: no allocation.
type userHintContext struct{ context.Context }

func (c *userHintContext) Value(key any) any {
	if key == (userHintKey{}) {
		return true
	}
	return c.Context.Value(key)
}
