package memcachedstore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/bradfitz/gomemcache/memcache"

	"github.com/serversession/serversession/sessions"
)

// Store is a sessions.Store backed by memcached. It also implements
// sessions.LoadToucher (gat). It is safe for concurrent use.
type Store struct {
	client        *memcache.Client
	now           func() time.Time // the clock for absolute expirations
	itemSizeLimit int              // the server's -I, in bytes
}

var (
	_ sessions.Store       = (*Store)(nil)
	_ sessions.LoadToucher = (*Store)(nil)
)

// New returns a Store that keeps records through client. The client stays
// the caller's: the Store never closes it.
func New(client *memcache.Client, opts ...Option) *Store {
	s := &Store{client: client, now: time.Now, itemSizeLimit: DefaultItemSizeLimit}
	for _, opt := range opts {
		if opt != nil {
			opt(s)
		}
	}
	return s
}

// begin checks what every method checks before it sends anything: the
// context, and the key.
func begin(ctx context.Context, op, key string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("memcachedstore: %s %q: %w", op, key, err)
	}
	if err := checkKey(key); err != nil {
		return fmt.Errorf("memcachedstore: %s %q: %w", op, key, err)
	}
	return nil
}

// Load returns the record under key with gets, and its CAS value as the
// Record's Version, which lets Replace write over it in one round trip. A
// missing or expired record is found == false with a nil error.
func (s *Store) Load(ctx context.Context, key string) (sessions.Record, bool, error) {
	if err := begin(ctx, "load", key); err != nil {
		return sessions.Record{}, false, err
	}
	item, err := s.client.Get(key)
	return found(ctx, "load", key, item, err)
}

// write checks what Create and Replace check before they send anything:
// the context, the key, the size of the item and the TTL, which it returns
// as memcached's exptime.
func (s *Store) write(ctx context.Context, op, key string, data []byte, ttl time.Duration) (int32, error) {
	if err := begin(ctx, op, key); err != nil {
		return 0, err
	}
	if err := s.checkSize(key, len(data)); err != nil {
		return 0, fmt.Errorf("memcachedstore: %s %q: %w", op, key, err)
	}
	exp, err := expiration(ttl, s.now())
	if err != nil {
		return 0, fmt.Errorf("memcachedstore: %s %q: %w", op, key, err)
	}
	return exp, nil
}

// Create stores data under key, to expire after ttl (rounded up to whole
// seconds), with memcached's add, which writes only where no live item is.
// When one is, memcached answers NOT_STORED, nothing changes, and the error
// wraps sessions.ErrConflict. A record whose item would exceed the item size
// limit is refused before anything is sent, with an error wrapping
// ErrTooLarge.
func (s *Store) Create(ctx context.Context, key string, data []byte, ttl time.Duration) error {
	exp, err := s.write(ctx, "create", key, data, ttl)
	if err != nil {
		return err
	}
	// gomemcache writes Value to the socket before Add returns and keeps no
	// reference to it, so the caller's slice is not retained.
	err = s.client.Add(&memcache.Item{Key: key, Value: data, Expiration: exp})
	if errors.Is(err, memcache.ErrNotStored) {
		return conflict("create", key, "a record already exists")
	}
	if err != nil {
		return wrap(ctx, "create", key, err)
	}
	return nil
}

// Replace stores data under key, to expire after ttl, if the record there
// is still old, with memcached's cas. If the record changed, expired or was
// deleted, nothing is written or created, and the error wraps
// sessions.ErrConflict. A record whose item would exceed the item size
// limit is refused before anything is sent, with an error wrapping
// ErrTooLarge.
//
// With old.Version set (a Record from Load), Replace is one round trip: cas
// with that CAS value. With a zero Version (a Record from LoadTouch, whose
// gat returns no CAS value, or one built from the bytes of an earlier
// write) memcached has nothing to compare bytes with, so Replace first
// reads the item with gets, compares its bytes with old.Data, and then
// sends cas with the CAS value it read: two round trips.
func (s *Store) Replace(ctx context.Context, key string, old sessions.Record, data []byte, ttl time.Duration) error {
	exp, err := s.write(ctx, "replace", key, data, ttl)
	if err != nil {
		return err
	}
	cas, err := s.casOf(ctx, "replace", key, old)
	if err != nil {
		return err
	}
	err = s.client.CompareAndSwap(&memcache.Item{Key: key, Value: data, Expiration: exp, CasID: cas})
	return casResult(ctx, "replace", key, err)
}

// expireNow is the exptime with which DeleteIf's cas stores an item that
// has already expired: memcached reads a negative exptime as "expire at
// once", so the key reads as missing from then on.
const expireNow int32 = -1

// DeleteIf removes the record under key if it is still old, as Replace
// writes over it: with memcached's cas of an empty value and a negative
// exptime. The text protocol has no delete that compares a CAS value, but
// cas with a negative exptime replaces the item with one that has already
// expired, and only if the CAS value still matches: the record is gone at
// once, and gets, gat, touch and cas find nothing while add can create it
// again. If the record changed, expired or was deleted, nothing changes, and
// the error wraps sessions.ErrConflict.
//
// With old.Version set (a Record from Load), DeleteIf is one round trip;
// with a zero Version it reads the item with gets and compares bytes first,
// as Replace does: two round trips.
func (s *Store) DeleteIf(ctx context.Context, key string, old sessions.Record) error {
	if err := begin(ctx, "delete-if", key); err != nil {
		return err
	}
	cas, err := s.casOf(ctx, "delete-if", key, old)
	if err != nil {
		return err
	}
	err = s.client.CompareAndSwap(&memcache.Item{Key: key, Expiration: expireNow, CasID: cas})
	return casResult(ctx, "delete-if", key, err)
}

// casOf returns the CAS value under which a cas may write over old:
// old.Version when it has one. With a zero Version it reads the item with
// gets and compares its bytes with old.Data, so that the cas that follows
// writes only over those bytes, and a missing item or other bytes are a
// conflict of op.
func (s *Store) casOf(ctx context.Context, op, key string, old sessions.Record) (uint64, error) {
	if old.Version != 0 {
		return old.Version, nil
	}
	item, err := s.client.Get(key)
	if errors.Is(err, memcache.ErrCacheMiss) {
		return 0, conflict(op, key, "no record is stored (it expired or was deleted)")
	}
	if err != nil {
		return 0, wrap(ctx, op, key, err)
	}
	if !bytes.Equal(item.Value, old.Data) {
		return 0, conflict(op, key, "the record changed since it was loaded")
	}
	if item.CasID == 0 {
		// memcached -C: cas would then match any item, and the write
		// would no longer be conditional.
		return 0, fmt.Errorf("memcachedstore: %s %q: memcached answered gets with no CAS value; it must run with CAS enabled (without -C)", op, key)
	}
	return item.CasID, nil
}

// casResult maps what a cas of op answered: EXISTS is a record that
// changed, NOT_FOUND one that expired or was deleted.
func casResult(ctx context.Context, op, key string, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, memcache.ErrCASConflict):
		return conflict(op, key, "the record changed since it was loaded")
	case errors.Is(err, memcache.ErrCacheMiss), errors.Is(err, memcache.ErrNotStored):
		// cas answers NOT_FOUND for a missing item.
		return conflict(op, key, "no record is stored (it expired or was deleted)")
	}
	return wrap(ctx, op, key, err)
}

// Delete removes the record under key. A missing record is not an error.
func (s *Store) Delete(ctx context.Context, key string) error {
	if err := begin(ctx, "delete", key); err != nil {
		return err
	}
	if err := s.client.Delete(key); err != nil && !errors.Is(err, memcache.ErrCacheMiss) {
		return wrap(ctx, "delete", key, err)
	}
	return nil
}

// found turns the outcome of a get-like call into Load's results:
// ErrCacheMiss is a missing record, any other error is wrapped. The item's
// CAS value becomes the Record's Version: gets returns one, gat does not
// (0).
func found(ctx context.Context, op, key string, item *memcache.Item, err error) (sessions.Record, bool, error) {
	if errors.Is(err, memcache.ErrCacheMiss) {
		return sessions.Record{}, false, nil
	}
	if err != nil {
		return sessions.Record{}, false, wrap(ctx, op, key, err)
	}
	if item == nil { // gomemcache reports a miss as ErrCacheMiss; be safe
		return sessions.Record{}, false, nil
	}
	// gomemcache reads each value into a slice of its own: no copy needed.
	return sessions.Record{Data: item.Value, Version: item.CasID}, true, nil
}
