package memstore

import "time"

// DefaultCleanupInterval is how often the sweeper removes expired records
// unless WithCleanupInterval says otherwise.
const DefaultCleanupInterval = time.Minute

// Option configures a Store built by New.
type Option func(*options)

// options holds what the Options set.
type options struct {
	cleanupInterval time.Duration
}

// defaultOptions returns the options of New without arguments.
func defaultOptions() options {
	return options{cleanupInterval: DefaultCleanupInterval}
}

// WithCleanupInterval sets how often a background goroutine removes expired
// records. Zero or less turns the sweeper off; expired records are then
// still never returned, and the memory they hold is freed when they are
// loaded, overwritten or deleted, or when DeleteExpired runs.
func WithCleanupInterval(d time.Duration) Option {
	return func(o *options) { o.cleanupInterval = d }
}
