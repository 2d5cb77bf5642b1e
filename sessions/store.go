package sessions

import (
	"context"
	"time"
)

// Store keeps session records. Keys are the configured prefix plus the
// session ID (for example "session:3q2-…"), and records are opaque bytes
// produced by the session's Codec. Implementations must be safe for
// concurrent use.
//
// A Store reports a missing or expired record as found == false with a nil
// error; an error means the store could not answer, and the session that
// asked is then never saved over the record (DESIGN §5).
type Store interface {
	// Load returns the record stored under key.
	Load(ctx context.Context, key string) (data []byte, found bool, err error)
	// Save stores data under key, replacing any record, to expire after ttl.
	Save(ctx context.Context, key string, data []byte, ttl time.Duration) error
	// Delete removes the record under key. A missing record is not an error.
	Delete(ctx context.Context, key string) error
}

// Toucher is implemented by stores that can extend a record's lifetime
// without rewriting its data (Redis EXPIRE, memcached Touch, an SQL UPDATE
// of the expiry). Without it, a refresh rewrites the bytes that were loaded.
type Toucher interface {
	// Touch sets the record under key to expire after ttl. A missing record
	// is not an error.
	Touch(ctx context.Context, key string, ttl time.Duration) error
}

// LoadToucher is implemented by stores that can load a record and extend its
// lifetime in a single round trip (Redis GETEX). The lifecycle uses it when
// sessions are refreshed on each request.
type LoadToucher interface {
	// LoadTouch is Load followed by Touch, in one round trip.
	LoadTouch(ctx context.Context, key string, ttl time.Duration) (data []byte, found bool, err error)
}
