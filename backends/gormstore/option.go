package gormstore

import (
	"log/slog"
	"time"
)

// DefaultTableName is Flask-Session's default table (SESSION_SQLALCHEMY_TABLE).
const DefaultTableName = "sessions"

// Option configures a Store at New.
type Option func(*Store)

// WithTableName sets the table that holds the sessions, "sessions" by
// default. It may be qualified with a schema ("app.sessions"); each part
// must be letters, digits and underscores, not starting with a digit. The
// index of the user index is named after the table, without its schema:
// <table>_user_id_idx, shortened with a hash of the name where that would
// pass 63 bytes.
func WithTableName(name string) Option {
	return func(s *Store) { s.table = name }
}

// WithCleanupInterval starts a background sweep that calls DeleteExpired
// every d, until Close. Zero or a negative d means no sweep, the default:
// expired rows are then never read, but stay stored until DeleteExpired is
// called.
func WithCleanupInterval(d time.Duration) Option {
	return func(s *Store) { s.cleanupEvery = d }
}

// WithLogger sets the logger for what the store reports on its own: failed
// background sweeps, and, on MySQL, an existing table whose data column is
// too small for large sessions or whose session_id ignores case.
// A nil logger means slog.Default(), which is also the default.
func WithLogger(l *slog.Logger) Option {
	return func(s *Store) {
		if l != nil {
			s.logger = l
		}
	}
}
