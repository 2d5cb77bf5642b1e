package memstore

import (
	"context"

	"github.com/serversession/serversession/sessions"
)

var _ sessions.Pinger = (*Store)(nil)

// Ping reports whether the store answers: a memory store always does, so
// it returns only ctx's error, if ctx has ended.
func (s *Store) Ping(ctx context.Context) error { return ctx.Err() }
