package mongostore

import (
	"context"
	"fmt"

	"github.com/serversession/serversession/sessions"
)

var _ sessions.Pinger = (*Store)(nil)

// Ping sends the ping command to the collection's database, one round
// trip, and reports whether the server answered.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.coll.Database().Client().Ping(ctx, nil); err != nil {
		return fmt.Errorf("mongostore: ping: %w", err)
	}
	return nil
}
