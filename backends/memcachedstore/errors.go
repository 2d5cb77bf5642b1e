package memcachedstore

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/bradfitz/gomemcache/memcache"

	"github.com/serversession/serversession/sessions"
)

// ErrTooLarge reports a record too large for memcached's item size limit
// (its -I option, 1 MiB by default, key and item header included). Create
// and Replace refuse such a record before sending it, against the limit
// given with WithItemSizeLimit; a record that memcached itself refuses,
// answering "SERVER_ERROR object too large for cache", wraps it too. Errors
// that wrap it say which operation and key, and why.
var ErrTooLarge = errors.New("value larger than memcached's item size limit")

// wrap gives err the operation and key as context, maps memcached's answers
// that callers branch on to this package's sentinels, and adds ctx's error
// when the context ended while the call was in flight.
func wrap(ctx context.Context, op, key string, err error) error {
	switch {
	case errors.Is(err, memcache.ErrMalformedKey):
		err = fmt.Errorf("%w: %w", ErrBadKey, err)
	case strings.Contains(err.Error(), "object too large"):
		// gomemcache reports "SERVER_ERROR object too large for cache" as an
		// unexpected response line; there is no error value to match.
		err = fmt.Errorf("%w: %w", ErrTooLarge, err)
	}
	if cerr := ctx.Err(); cerr != nil && !errors.Is(err, cerr) {
		err = fmt.Errorf("%w (%w)", err, cerr)
	}
	return fmt.Errorf("memcachedstore: %s %q: %w", op, key, err)
}

// conflict is the error of a Create, Replace or DeleteIf whose condition
// failed: it wraps sessions.ErrConflict, with the operation, key and reason.
func conflict(op, key, reason string) error {
	return fmt.Errorf("memcachedstore: %s %q: %s: %w", op, key, reason, sessions.ErrConflict)
}
