package mongostore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"
	"unicode/utf8"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/serversession/serversession/sessions"
)

// Store keeps sessions in a MongoDB collection. It is safe for concurrent
// use; it implements sessions.Store, sessions.LoadToucher and
// sessions.UserIndex.
type Store struct {
	coll   *mongo.Collection
	logger *slog.Logger

	// locks, on FerretDB 1.x only, serializes the writes of each key
	// within this process; ns is the collection's namespace, hashed with
	// the key. Both are unset on MongoDB.
	locks *keyLocks
	ns    string
}

var (
	_ sessions.Store       = (*Store)(nil)
	_ sessions.LoadToucher = (*Store)(nil)
	_ sessions.UserIndex   = (*Store)(nil)
)

// valProjection asks the server for val alone.
var valProjection = bson.D{{Key: "val", Value: 1}, {Key: "_id", Value: 0}}

// New returns a Store that keeps sessions in coll, after creating its
// indexes (a unique index on id, an index on users for the user index, a
// TTL index on expiration). ctx bounds that setup. A server that rejects
// the TTL index or the index on users is logged and tolerated; any other
// failure is returned.
//
// New also asks the server for buildInfo. On FerretDB 1.x, which does not
// apply filtered updates atomically, the Store then serializes its writes
// per key within this process, and New logs a warning saying so (see the
// package documentation).
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
	if err := s.detectNonAtomicUpdates(ctx); err != nil {
		return nil, fmt.Errorf("mongostore: New: buildInfo: %w", err)
	}
	return s, nil
}

// Load returns the record stored under key, or found == false when there is
// none or it has expired. One round trip (find).
func (s *Store) Load(ctx context.Context, key string) (sessions.Record, bool, error) {
	if err := ctx.Err(); err != nil {
		return sessions.Record{}, false, fmt.Errorf("mongostore: load %q: %w", key, err)
	}
	res := s.coll.FindOne(ctx, liveFilter(key, time.Now()),
		options.FindOne().SetProjection(valProjection))
	return s.value(ctx, "load", key, res)
}

// LoadTouch returns the record stored under key and sets it to expire after
// ttl, in one round trip (findAndModify). A missing or expired record is
// found == false and is not brought back.
func (s *Store) LoadTouch(ctx context.Context, key string, ttl time.Duration) (sessions.Record, bool, error) {
	if err := ctx.Err(); err != nil {
		return sessions.Record{}, false, fmt.Errorf("mongostore: load-touch %q: %w", key, err)
	}
	unlock, err := s.lockKey(ctx, key)
	if err != nil {
		return sessions.Record{}, false, fmt.Errorf("mongostore: load-touch %q: %w", key, err)
	}
	defer unlock()
	now := time.Now()
	res := s.coll.FindOneAndUpdate(ctx, liveFilter(key, now),
		bson.D{{Key: "$set", Value: bson.D{{Key: "expiration", Value: expiration(now, ttl)}}}})
	// No projection: FerretDB 1.x answers NotImplemented to findAndModify
	// with "fields", and the document holds little besides val anyway.
	return s.value(ctx, "load-touch", key, res)
}

// Create stores data under key, to expire after ttl, unless a live record
// is stored there; then it changes nothing and returns an error wrapping
// sessions.ErrConflict.
//
// It inserts the document, which the unique index on id rejects with a
// duplicate key error if a document of key is already there: one round trip
// when there is none, as for every new session. Only then does it delete
// that document if it has expired ({id: key, expiration: {$lte: now}}) and
// insert again. A live document is never deleted, so it costs two round
// trips to find out that one is there, and three to overwrite an expired one
// that the TTL monitor (or DeleteExpired) has not removed yet. Each step is
// atomic on its own on every server, FerretDB 1.x included, so of several
// Creates racing on one key exactly one succeeds. On FerretDB 1.x, Create
// still takes the key's lock, as every write does there, so that it cannot
// fall between the find and the write of a Replace or LoadTouch of this
// process.
func (s *Store) Create(ctx context.Context, key string, data []byte, ttl time.Duration) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("mongostore: create %q: %w", key, err)
	}
	unlock, err := s.lockKey(ctx, key)
	if err != nil {
		return fmt.Errorf("mongostore: create %q: %w", key, err)
	}
	defer unlock()
	now := time.Now()
	doc := bson.D{
		{Key: "id", Value: key},
		{Key: "val", Value: binary(data)},
		{Key: "expiration", Value: expiration(now, ttl)},
	}
	err = s.insert(ctx, doc)
	if errors.Is(err, sessions.ErrConflict) {
		var res *mongo.DeleteResult
		res, err = s.coll.DeleteOne(ctx, bson.D{
			{Key: "id", Value: key},
			{Key: "expiration", Value: bson.D{{Key: "$lte", Value: now}}},
		})
		switch {
		case err != nil:
		case res.DeletedCount == 0:
			// The document is live (or a racing Create replaced the
			// expired one first).
			err = sessions.ErrConflict
		default:
			err = s.insert(ctx, doc)
		}
	}
	if err != nil {
		return fmt.Errorf("mongostore: create %q: %w", key, err)
	}
	return nil
}

// insert inserts doc; a duplicate key error is sessions.ErrConflict. The
// driver gives the document an ObjectId _id, as pymongo does.
func (s *Store) insert(ctx context.Context, doc bson.D) error {
	_, err := s.coll.InsertOne(ctx, doc)
	if mongo.IsDuplicateKeyError(err) {
		return sessions.ErrConflict
	}
	return err
}

// Replace stores data under key, to expire after ttl, if the live document
// of key still holds old.Data: one update without upsert, filtered on
// {id: key, val: old.Data, expiration: {$gt: now}}. When nothing matched
// (the record changed, expired or was deleted), nothing is changed or
// created, and the error wraps sessions.ErrConflict. old.Version is not
// used. One round trip.
//
// val is compared as Load reads it: binary data, or a string, which Load
// also accepts, holding the same bytes.
//
// On MongoDB the update is atomic, so of several Replaces racing over one
// record exactly one succeeds. FerretDB 1.x is weaker: it finds the
// matching document and then writes it by _id, so two Replaces that both
// found the old record could both succeed. There the Store holds a lock on
// key, within this process, around the update, so Replaces through this
// process still have one winner; those of other processes do not.
func (s *Store) Replace(ctx context.Context, key string, old sessions.Record, data []byte, ttl time.Duration) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("mongostore: replace %q: %w", key, err)
	}
	unlock, err := s.lockKey(ctx, key)
	if err != nil {
		return fmt.Errorf("mongostore: replace %q: %w", key, err)
	}
	defer unlock()
	now := time.Now()
	filter := oldFilter(key, old, now)
	update := bson.D{{Key: "$set", Value: bson.D{
		{Key: "val", Value: binary(data)},
		{Key: "expiration", Value: expiration(now, ttl)},
	}}}
	res, err := s.coll.UpdateOne(ctx, filter, update)
	if err != nil {
		return fmt.Errorf("mongostore: replace %q: %w", key, err)
	}
	if res.MatchedCount == 0 {
		return fmt.Errorf("mongostore: replace %q: %w", key, sessions.ErrConflict)
	}
	return nil
}

// DeleteIf removes the record under key if the live document of key still
// holds old.Data: one delete (limit 1) filtered, as Replace's update is, on
// {id: key, val: old.Data, expiration: {$gt: now}}. When nothing matched
// (the record changed, expired or was deleted), nothing is deleted and the
// error wraps sessions.ErrConflict. old.Version is not used. One round trip.
//
// Deletes are atomic on every server, FerretDB 1.x included, but there a
// Replace of this process is a find followed by a write, which a delete
// could fall between; so DeleteIf takes the key's lock there, as every
// write does, and of a DeleteIf and Replaces racing over one record through
// this process exactly one succeeds.
func (s *Store) DeleteIf(ctx context.Context, key string, old sessions.Record) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("mongostore: delete-if %q: %w", key, err)
	}
	unlock, err := s.lockKey(ctx, key)
	if err != nil {
		return fmt.Errorf("mongostore: delete-if %q: %w", key, err)
	}
	defer unlock()
	res, err := s.coll.DeleteOne(ctx, oldFilter(key, old, time.Now()))
	if err != nil {
		return fmt.Errorf("mongostore: delete-if %q: %w", key, err)
	}
	if res.DeletedCount == 0 {
		return fmt.Errorf("mongostore: delete-if %q: %w", key, sessions.ErrConflict)
	}
	return nil
}

// Delete removes the record under key. A missing record is not an error.
// One round trip.
func (s *Store) Delete(ctx context.Context, key string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("mongostore: delete %q: %w", key, err)
	}
	unlock, err := s.lockKey(ctx, key)
	if err != nil {
		return fmt.Errorf("mongostore: delete %q: %w", key, err)
	}
	defer unlock()
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

// oldFilter matches the document of key if it has not expired at now and
// its val is old.Data as Load reads it: binary data, or a string, which
// Load also accepts, holding the same bytes.
func oldFilter(key string, old sessions.Record, now time.Time) bson.D {
	var val any = binary(old.Data)
	if utf8.Valid(old.Data) {
		val = bson.D{{Key: "$in", Value: bson.A{val, string(old.Data)}}}
	}
	return bson.D{
		{Key: "id", Value: key},
		{Key: "val", Value: val},
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
func (s *Store) value(ctx context.Context, op, key string, res *mongo.SingleResult) (sessions.Record, bool, error) {
	raw, err := res.Raw()
	if errors.Is(err, mongo.ErrNoDocuments) {
		return sessions.Record{}, false, nil
	}
	if err != nil {
		return sessions.Record{}, false, fmt.Errorf("mongostore: %s %q: %w", op, key, err)
	}
	v, err := raw.LookupErr("val")
	if err == nil {
		if _, data, ok := v.BinaryOK(); ok {
			return sessions.Record{Data: cloneNonNil(data)}, true, nil
		}
		if str, ok := v.StringValueOK(); ok {
			return sessions.Record{Data: []byte(str)}, true, nil
		}
	}
	s.logger.LogAttrs(ctx, slog.LevelWarn, "mongostore: ignoring a session document without binary val",
		slog.String("collection", s.coll.Name()),
		slog.String("val_type", v.Type.String()),
	)
	return sessions.Record{}, false, nil
}

// binary is data as a BSON binary of subtype 0, as pymongo stores bytes; a
// nil slice is empty binary data, not null.
func binary(data []byte) bson.Binary {
	if data == nil {
		data = []byte{}
	}
	return bson.Binary{Subtype: bson.TypeBinaryGeneric, Data: data}
}

// cloneNonNil copies b into memory of its own; an empty record is an empty,
// non-nil slice.
func cloneNonNil(b []byte) []byte {
	if len(b) == 0 {
		return []byte{}
	}
	return bytes.Clone(b)
}
