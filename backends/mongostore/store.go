package mongostore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/serversession/serversession/sessions"
)

// Store keeps sessions in a MongoDB collection. It is safe for concurrent
// use; it implements sessions.Store, sessions.Toucher and
// sessions.LoadToucher.
type Store struct {
	coll   *mongo.Collection
	logger *slog.Logger
}

var (
	_ sessions.Store       = (*Store)(nil)
	_ sessions.Toucher     = (*Store)(nil)
	_ sessions.LoadToucher = (*Store)(nil)
)

// valProjection asks the server for val alone.
var valProjection = bson.D{{Key: "val", Value: 1}, {Key: "_id", Value: 0}}

// New returns a Store that keeps sessions in coll, after creating its
// indexes (a unique index on id, a TTL index on expiration). ctx bounds that
// setup. A server that rejects the TTL index is logged and tolerated; any
// other failure is returned.
func New(ctx context.Context, coll *mongo.Collection, opts ...Option) (*Store, error) {
	if coll == nil {
		return nil, errors.New("mongostore: New: the collection is nil; pass client.Database(name).Collection(name)")
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("mongostore: New: %w", err)
	}
	s := &Store{coll: coll, logger: slog.Default()}
	for _, o := range opts {
		o(s)
	}
	if err := s.ensureIndexes(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// Load returns the record stored under key, or found == false when there is
// none or it has expired. One round trip.
func (s *Store) Load(ctx context.Context, key string) ([]byte, bool, error) {
	if err := ctx.Err(); err != nil {
		return nil, false, fmt.Errorf("mongostore: load %q: %w", key, err)
	}
	res := s.coll.FindOne(ctx, liveFilter(key, time.Now()),
		options.FindOne().SetProjection(valProjection))
	return s.value(ctx, "load", key, res)
}

// LoadTouch returns the record stored under key and sets it to expire after
// ttl, in one round trip (findAndModify). A missing or expired record is
// found == false and is not brought back.
func (s *Store) LoadTouch(ctx context.Context, key string, ttl time.Duration) ([]byte, bool, error) {
	if err := ctx.Err(); err != nil {
		return nil, false, fmt.Errorf("mongostore: load-touch %q: %w", key, err)
	}
	now := time.Now()
	res := s.coll.FindOneAndUpdate(ctx, liveFilter(key, now),
		bson.D{{Key: "$set", Value: bson.D{{Key: "expiration", Value: expiration(now, ttl)}}}})
	// No projection: FerretDB 1.x answers NotImplemented to findAndModify
	// with "fields", and the document holds little besides val anyway.
	return s.value(ctx, "load-touch", key, res)
}

// Save stores data under key, replacing any record, to expire after ttl. It
// is an upsert, as Flask-Session's update_one(..., upsert=True). One round
// trip.
func (s *Store) Save(ctx context.Context, key string, data []byte, ttl time.Duration) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("mongostore: save %q: %w", key, err)
	}
	if data == nil {
		data = []byte{} // a nil slice would be stored as null, not as binary
	}
	update := bson.D{{Key: "$set", Value: bson.D{
		{Key: "id", Value: key},
		{Key: "val", Value: data},
		{Key: "expiration", Value: expiration(time.Now(), ttl)},
	}}}
	upsert := options.UpdateOne().SetUpsert(true)
	_, err := s.coll.UpdateOne(ctx, bson.D{{Key: "id", Value: key}}, update, upsert)
	if mongo.IsDuplicateKeyError(err) && ctx.Err() == nil {
		// Two upserts of a new key raced: the other one inserted the
		// document first, so this one now updates it.
		_, err = s.coll.UpdateOne(ctx, bson.D{{Key: "id", Value: key}}, update, upsert)
	}
	if err != nil {
		return fmt.Errorf("mongostore: save %q: %w", key, err)
	}
	return nil
}

// Touch sets the record under key to expire after ttl without rewriting its
// data. A missing or expired record is left alone: not an error, and not
// brought back. One round trip.
func (s *Store) Touch(ctx context.Context, key string, ttl time.Duration) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("mongostore: touch %q: %w", key, err)
	}
	now := time.Now()
	_, err := s.coll.UpdateOne(ctx, liveFilter(key, now),
		bson.D{{Key: "$set", Value: bson.D{{Key: "expiration", Value: expiration(now, ttl)}}}})
	if err != nil {
		return fmt.Errorf("mongostore: touch %q: %w", key, err)
	}
	return nil
}

// Delete removes the record under key. A missing record is not an error.
// One round trip.
func (s *Store) Delete(ctx context.Context, key string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("mongostore: delete %q: %w", key, err)
	}
	if _, err := s.coll.DeleteOne(ctx, bson.D{{Key: "id", Value: key}}); err != nil {
		return fmt.Errorf("mongostore: delete %q: %w", key, err)
	}
	return nil
}

// liveFilter matches the document of key if it has not expired at now.
func liveFilter(key string, now time.Time) bson.D {
	return bson.D{
		{Key: "id", Value: key},
		{Key: "expiration", Value: bson.D{{Key: "$gt", Value: now}}},
	}
}

// expiration is the moment a record saved at now with ttl ends. BSON dates
// count milliseconds, so it is rounded up to the next millisecond: a
// positive ttl never yields a record that has already expired.
func expiration(now time.Time, ttl time.Duration) time.Time {
	exp := now.Add(ttl).UTC()
	if t := exp.Truncate(time.Millisecond); t.Before(exp) {
		return t.Add(time.Millisecond)
	}
	return exp
}

// value reads val out of the result of a find or findAndModify. A document
// whose val is neither binary data nor a string cannot be a session record:
// it is logged and reported as not found, so that the session starts afresh
// instead of failing every request that carries its cookie.
func (s *Store) value(ctx context.Context, op, key string, res *mongo.SingleResult) ([]byte, bool, error) {
	raw, err := res.Raw()
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("mongostore: %s %q: %w", op, key, err)
	}
	v, err := raw.LookupErr("val")
	if err == nil {
		if _, data, ok := v.BinaryOK(); ok {
			return cloneNonNil(data), true, nil
		}
		if str, ok := v.StringValueOK(); ok {
			return []byte(str), true, nil
		}
	}
	s.logger.LogAttrs(ctx, slog.LevelWarn, "mongostore: ignoring a session document without binary val",
		slog.String("collection", s.coll.Name()),
		slog.String("val_type", v.Type.String()),
	)
	return nil, false, nil
}

// cloneNonNil copies b into memory of its own; an empty record is an empty,
// non-nil slice.
func cloneNonNil(b []byte) []byte {
	if len(b) == 0 {
		return []byte{}
	}
	return bytes.Clone(b)
}
