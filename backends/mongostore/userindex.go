package mongostore

import (
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

// The user index (sessions.UserIndex) lives in each document, in the array
// users: the users the session is tied to, usually one, two while it moves
// from one user to another (the lifecycle ties the new user before it
// rewrites the record, and unties the old one after). The multikey index
// users_1 finds a user's documents. Flask-Session never names the field:
// its upsert ($set of id, val and expiration) keeps it, and the documents
// it inserts have none.
//
// An entry lives in its document, so it ends with the document: a deleted
// document takes its entries along, an expired one is never listed, and a
// Create over an expired document deletes it and inserts a new one, with no
// users. An expired document keeps its entries only until its user's index
// is next written or listed: Tie and Untie pull the user from its expired
// documents in the same command, and UserRecords does when it finds one.

// usersField is the field of the user index.
const usersField = "users"

// userRecordsProjection asks the server for what UserRecords returns.
var userRecordsProjection = bson.D{
	{Key: "id", Value: 1}, {Key: "val", Value: 1}, {Key: "expiration", Value: 1}, {Key: "_id", Value: 0},
}

// expiredOf matches the documents tied to user that have expired at now.
func expiredOf(user string, now time.Time) bson.D {
	return bson.D{
		{Key: usersField, Value: user},
		{Key: "expiration", Value: bson.D{{Key: "$lte", Value: now}}},
	}
}

// pull removes user from the users of a document.
func pull(user string) bson.D {
	return bson.D{{Key: "$pull", Value: bson.D{{Key: usersField, Value: user}}}}
}

// Tie ties the record under key to user, if the record is live, and pulls
// user from its expired documents: one update command holding two
// statements, an update of the document of key ($addToSet) and an update of
// every expired document of user ($pull), which the unique index on id and
// the index on users find. A missing or expired record is left alone, and
// that is not an error; ttl is not needed, since the entry ends with its
// document. Tying a key already tied to user changes nothing.
//
// On FerretDB 1.x, Tie takes the key's lock, as every write of the key
// does there.
func (s *Store) Tie(ctx context.Context, user, key string, ttl time.Duration) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("mongostore: tie %q: %w", key, err)
	}
	unlock, err := s.lockKey(ctx, key)
	if err != nil {
		return fmt.Errorf("mongostore: tie %q: %w", key, err)
	}
	defer unlock()
	now := time.Now()
	// Both statements are multi-updates, though the first matches one
	// document at most (id is unique): the driver sends consecutive models
	// of one kind in one command, and an update of one document and an
	// update of many in two.
	_, err = s.coll.BulkWrite(ctx, []mongo.WriteModel{
		mongo.NewUpdateManyModel().SetFilter(liveFilter(key, now)).
			SetUpdate(bson.D{{Key: "$addToSet", Value: bson.D{{Key: usersField, Value: user}}}}),
		mongo.NewUpdateManyModel().SetFilter(expiredOf(user, now)).SetUpdate(pull(user)),
	})
	if err != nil {
		return fmt.Errorf("mongostore: tie %q: %w", key, err)
	}
	return nil
}

// Untie unties the record under key from user, and user from its expired
// documents: one update of every document of user that is key's or has
// expired ($pull). A record tied to other users only, or no record at all,
// is left alone, and that is not an error.
//
// On FerretDB 1.x, Untie takes the key's lock, as every write of the key
// does there.
func (s *Store) Untie(ctx context.Context, user, key string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("mongostore: untie %q: %w", key, err)
	}
	unlock, err := s.lockKey(ctx, key)
	if err != nil {
		return fmt.Errorf("mongostore: untie %q: %w", key, err)
	}
	defer unlock()
	filter := bson.D{
		{Key: usersField, Value: user},
		{Key: "$or", Value: bson.A{
			bson.D{{Key: "id", Value: key}},
			bson.D{{Key: "expiration", Value: bson.D{{Key: "$lte", Value: time.Now()}}}},
		}},
	}
	if _, err := s.coll.UpdateMany(ctx, filter, pull(user)); err != nil {
		return fmt.Errorf("mongostore: untie %q: %w", key, err)
	}
	return nil
}

// UserRecords returns the live records tied to user, each with its key and
// expiry: one find {users: user}, which the index on users answers, with a
// projection of id, val and expiration. The server returns up to 101
// documents in its first reply, so a user with more sessions costs a
// getMore for each further batch. Expired documents are never returned;
// if the find met any, an update pulls user from them, so that they do not
// linger in the index. A document whose val is not binary data or a string
// is skipped and logged, as Load does.
func (s *Store) UserRecords(ctx context.Context, user string) ([]sessions.UserRecord, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("mongostore: user records: %w", err)
	}
	now := time.Now()
	cur, err := s.coll.Find(ctx, bson.D{{Key: usersField, Value: user}},
		options.Find().SetProjection(userRecordsProjection))
	if err != nil {
		return nil, fmt.Errorf("mongostore: user records: %w", err)
	}
	defer func() { _ = cur.Close(context.WithoutCancel(ctx)) }()
	var (
		out     []sessions.UserRecord
		expired bool
	)
	for cur.Next(ctx) {
		rec, gone, ok := s.userRecord(ctx, cur.Current, now)
		expired = expired || gone
		if ok {
			out = append(out, rec)
		}
	}
	if err := cur.Err(); err != nil {
		return nil, fmt.Errorf("mongostore: user records: %w", err)
	}
	if expired {
		if _, err := s.coll.UpdateMany(ctx, expiredOf(user, now), pull(user)); err != nil {
			return nil, fmt.Errorf("mongostore: user records: untie expired sessions: %w", err)
		}
	}
	return out, nil
}

// userRecord reads a document that UserRecords found: ok if it is a live
// session record, expired if it expired at now. A document whose
// expiration is not a date is neither: the other operations never find it
// either, and no Create or Tie makes one.
func (s *Store) userRecord(ctx context.Context, doc bson.Raw, now time.Time) (rec sessions.UserRecord, expired, ok bool) {
	exp, isDate := doc.Lookup("expiration").TimeOK()
	if !isDate {
		return sessions.UserRecord{}, false, false
	}
	if !exp.After(now) {
		return sessions.UserRecord{}, true, false
	}
	key, isString := doc.Lookup("id").StringValueOK()
	v, err := doc.LookupErr("val")
	if isString && err == nil {
		if _, data, isBinary := v.BinaryOK(); isBinary {
			return sessions.UserRecord{Key: key, Record: sessions.Record{Data: cloneNonNil(data)}, Expires: exp.UTC()}, false, true
		}
		if str, isStr := v.StringValueOK(); isStr {
			return sessions.UserRecord{Key: key, Record: sessions.Record{Data: []byte(str)}, Expires: exp.UTC()}, false, true
		}
	}
	s.logger.LogAttrs(ctx, slog.LevelWarn, "mongostore: ignoring a session document without binary val",
		slog.String("collection", s.coll.Name()),
		slog.String("val_type", v.Type.String()),
	)
	return sessions.UserRecord{}, false, false
}

// ensureUsersIndex creates the index on users that UserRecords, Tie and
// Untie find a user's documents by: sparse, so that documents tied to no
// user, usually most, are not in it (FerretDB 1.x accepts the option and
// builds a plain index). A server that answers with a command error is
// logged and tolerated: the user index then works, but finds a user's
// documents by a scan of the collection.
func (s *Store) ensureUsersIndex(ctx context.Context) error {
	_, err := s.coll.Indexes().CreateOne(ctx, mongo.IndexModel{
		Keys:    bson.D{{Key: usersField, Value: 1}},
		Options: options.Index().SetName(usersIndexName).SetSparse(true),
	})
	if err == nil {
		return nil
	}
	var se mongo.ServerError
	if !errors.As(err, &se) || ctx.Err() != nil {
		return fmt.Errorf("mongostore: create index on %s.%s: %w", s.coll.Name(), usersField, err)
	}
	s.logger.LogAttrs(ctx, slog.LevelWarn,
		"mongostore: the server rejected the index on users; listing a user's sessions scans the collection",
		slog.String("collection", s.coll.Database().Name()+"."+s.coll.Name()),
		slog.Any("error", err),
	)
	return nil
}
