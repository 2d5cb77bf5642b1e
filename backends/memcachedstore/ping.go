package memcachedstore

import (
	"context"
	"fmt"

	"github.com/serversession/serversession/sessions"
)

var _ sessions.Pinger = (*Store)(nil)

// Ping asks every server of the client for its version, one round trip
// each, and reports whether they all answered. The memcache client takes
// no context: its own Timeout bounds the call, and ctx is checked first.
func (s *Store) Ping(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("memcachedstore: ping: %w", err)
	}
	if err := s.client.Ping(); err != nil {
		return fmt.Errorf("memcachedstore: ping: %w", err)
	}
	return nil
}
