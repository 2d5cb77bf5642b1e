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
	maxSessions     int
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

// WithMaxSessions bounds the records the store holds to about n (zero or
// less, the default, means no bound). A Create that takes the count past n
// prunes down to 90% of n, so that pruning is not paid on every Create:
// expired records first, then the sessions that name no user, then those
// that do, each the least recently used first. The sessions package tells
// the store which sessions name a user (sessions.HasUserHint on the write's
// context), so anonymous traffic cannot push logged-in users out while
// anonymous sessions remain. A prune visits every record (a few
// milliseconds at 100,000) once every n/10 Creates.
func WithMaxSessions(n int) Option {
	return func(o *options) { o.maxSessions = n }
}
