package dynamostore

import (
	"log/slog"
	"time"

	"github.com/serversession/serversession/sessions"
)

// Option configures a Store at New.
type Option func(*Store)

// WithKeyPrefix tells the Store the key prefix of the sessions it keeps:
// the app's sessions.Config.KeyPrefix (Flask's SESSION_KEY_PREFIX).
// Without it, or with an empty prefix, it is sessions.DefaultKeyPrefix,
// "session:". Only the user index uses it: a user's index is the item
// whose id is the key prefix + "user-sha256:" + the user's hash. Record keys come from
// the session core whole, whatever this option says.
func WithKeyPrefix(prefix string) Option {
	return func(s *Store) {
		if prefix == "" {
			prefix = sessions.DefaultKeyPrefix
		}
		s.prefix = prefix
	}
}

// WithLogger sets the logger for what the store reports on its own: a
// server without time to live (see WithCreateTable) and items it cannot
// read as sessions. A nil logger means slog.Default(), also the default.
func WithLogger(l *slog.Logger) Option {
	return func(s *Store) {
		if l != nil {
			s.logger = l
		}
	}
}

// WithCreateTable makes New create the table if it does not exist, as
// CreateTable does: on-demand capacity, partition key id (S), time to live
// on expiration. New then talks to DynamoDB, within the setup timeout (see
// WithSetupTimeout), and returns any error but ErrTTLUnsupported, which it
// logs as a warning. Without it New sends nothing, and the table must
// exist (Flask-Session's, or one made by CreateTable or your own
// infrastructure code).
func WithCreateTable() Option {
	return func(s *Store) { s.createTable = true }
}

// WithSetupTimeout bounds what New sends to DynamoDB (table creation, see
// WithCreateTable, including the wait for the table to become active).
// The default is one minute; a duration of zero or less keeps it.
func WithSetupTimeout(d time.Duration) Option {
	return func(s *Store) {
		if d > 0 {
			s.setupTimeout = d
		}
	}
}
