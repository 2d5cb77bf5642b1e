package gormstore

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/serversession/serversession/internal/retry"
)

// DeleteExpired deletes every session whose expiry has passed (and rows
// without an expiry, which Flask-Session also treats as expired), and
// returns how many it deleted. Reads never return expired rows, so this only
// reclaims space: call it on a schedule, or let WithCleanupInterval do it.
// One round trip.
func (s *Store) DeleteExpired(ctx context.Context) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("gormstore: delete expired: %w", err)
	}
	var n int64
	err := retry.Do(ctx, deadlockRetry, func() error {
		res := s.db.WithContext(ctx).Exec("DELETE FROM "+s.quoted+" WHERE expiry <= ? OR expiry IS NULL", time.Now().UTC())
		n = res.RowsAffected
		return res.Error
	})
	if err != nil {
		return 0, fmt.Errorf("gormstore: delete expired: %w", err)
	}
	return n, nil
}

// sweepPass is one pass of the background sweep that WithCleanupInterval
// starts. It is bounded by the interval, so that a hung database cannot pile
// passes up, and by ctx, which Close cancels.
func (s *Store) sweepPass(ctx context.Context) {
	pass, cancel := context.WithTimeout(ctx, s.cleanupEvery)
	n, err := s.DeleteExpired(pass)
	cancel()
	switch {
	case err != nil && ctx.Err() == nil:
		s.logger.LogAttrs(ctx, slog.LevelError, "gormstore: background sweep failed",
			slog.String("table", s.table), slog.Any("error", err))
	case n > 0:
		s.logger.LogAttrs(ctx, slog.LevelDebug, "gormstore: background sweep deleted expired sessions",
			slog.String("table", s.table), slog.Int64("deleted", n))
	}
}

// Close stops the background sweep started by WithCleanupInterval and waits
// for it to end, so that no goroutine is left behind. It does not close the
// *gorm.DB, which belongs to the caller, and the store stays usable. Close
// is idempotent and safe to call from several goroutines; without a sweep it
// does nothing. It always returns nil.
func (s *Store) Close() error {
	if s.sweeper != nil {
		s.sweeper.Stop()
	}
	return nil
}
