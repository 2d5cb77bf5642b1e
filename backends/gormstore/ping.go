package gormstore

import (
	"context"
	"fmt"

	"github.com/serversession/serversession/sessions"
)

var _ sessions.Pinger = (*Store)(nil)

// Ping pings the database through database/sql's PingContext, one round
// trip, and reports whether it answered.
func (s *Store) Ping(ctx context.Context) error {
	db, err := s.db.DB()
	if err == nil {
		err = db.PingContext(ctx)
	}
	if err != nil {
		return fmt.Errorf("gormstore: ping: %w", err)
	}
	return nil
}
