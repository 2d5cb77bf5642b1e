package mongostore

import (
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// DeleteExpired deletes every session whose expiration has passed and
// returns how many it deleted. With a TTL index the server does this on its
// own; call it on a schedule where the server rejected the TTL index
// (FerretDB 1.x, some hosted services), since expired sessions are never
// read but otherwise stay stored. One round trip.
func (s *Store) DeleteExpired(ctx context.Context) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("mongostore: delete expired: %w", err)
	}
	res, err := s.coll.DeleteMany(ctx, bson.D{
		{Key: "expiration", Value: bson.D{{Key: "$lte", Value: time.Now()}}},
	})
	if err != nil {
		return 0, fmt.Errorf("mongostore: delete expired: %w", err)
	}
	return res.DeletedCount, nil
}
