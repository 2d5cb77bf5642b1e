package mongostore

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// Index names, as pymongo would name them. expiration_1 is the name
// pymongo gives Flask-Session's TTL index, so both libraries ask for the
// same index and neither conflicts with the other.
const (
	idIndexName         = "id_1"
	expirationIndexName = "expiration_1"
	usersIndexName      = "users_1"
)

// ensureIndexes creates the unique index on id, the index on users (see
// ensureUsersIndex) and the TTL index on expiration. A server that answers
// the TTL request with a command error (FerretDB 1.x: NotImplemented) is
// tolerated and logged, and so is one that rejects the index on users; the
// unique index is required, because without it concurrent Creates could
// insert two documents for one session.
func (s *Store) ensureIndexes(ctx context.Context) error {
	iv := s.coll.Indexes()
	_, err := iv.CreateOne(ctx, mongo.IndexModel{
		Keys:    bson.D{{Key: "id", Value: 1}},
		Options: options.Index().SetName(idIndexName).SetUnique(true),
	})
	if err != nil {
		return fmt.Errorf("mongostore: create unique index on %s.id: %w", s.coll.Name(), err)
	}
	if err := s.ensureUsersIndex(ctx); err != nil {
		return err
	}

	_, err = iv.CreateOne(ctx, mongo.IndexModel{
		Keys:    bson.D{{Key: "expiration", Value: 1}},
		Options: options.Index().SetName(expirationIndexName).SetExpireAfterSeconds(0),
	})
	if err == nil {
		return nil
	}
	var se mongo.ServerError
	if !errors.As(err, &se) || ctx.Err() != nil {
		// No answer from the server (network, timeout, canceled): that is
		// not a rejection, so New fails.
		return fmt.Errorf("mongostore: create TTL index on %s.expiration: %w", s.coll.Name(), err)
	}
	s.logger.LogAttrs(ctx, slog.LevelWarn,
		"mongostore: the server rejected the TTL index on expiration; expired sessions are never read, "+
			"but they stay stored until DeleteExpired removes them",
		slog.String("collection", s.coll.Database().Name()+"."+s.coll.Name()),
		slog.Any("error", err),
	)
	return nil
}
