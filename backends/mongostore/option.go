package mongostore

import "log/slog"

// Option configures a Store at New.
type Option func(*Store)

// WithLogger sets the logger for what the store reports on its own: a
// server that rejects the TTL index or the index on users, a server whose
// writes it serializes (FerretDB 1.x), and documents it cannot read. A nil
// logger means slog.Default(), which is also the default.
func WithLogger(l *slog.Logger) Option {
	return func(s *Store) {
		if l != nil {
			s.logger = l
		}
	}
}
