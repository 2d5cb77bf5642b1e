package redisstore

import (
	"context"
	"fmt"

	"github.com/serversession/serversession/sessions"
)

var _ sessions.Pinger = (*Store)(nil)

// Ping sends Redis PING, one round trip, and reports whether the server
// answered.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.client.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("redisstore: ping: %w", err)
	}
	return nil
}
