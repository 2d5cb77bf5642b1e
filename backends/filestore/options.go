package filestore

import (
	"io/fs"
	"time"
)

// DefaultThreshold is the number of session files past which Create
// prunes, Flask-Session's SESSION_FILE_THRESHOLD.
const DefaultThreshold = 500

// DefaultFileMode is the permission of session files, Flask-Session's
// SESSION_FILE_MODE: readable and writable by the owner only.
const DefaultFileMode fs.FileMode = 0o600

// Option configures a Store built by New.
type Option func(*options)

// options holds what the Options set.
type options struct {
	threshold       int
	mode            fs.FileMode
	cleanupInterval time.Duration
	sync            bool
}

// defaultOptions returns the options of New without arguments.
func defaultOptions() options {
	return options{threshold: DefaultThreshold, mode: DefaultFileMode}
}

// WithThreshold sets how many session files the directory may hold before
// Create prunes it: expired and corrupt files first, then the sessions that
// name no user, then those that do, each the least recently used first,
// down to 90% of n so that pruning is not paid on every Create (see the
// package documentation, "Threshold"). Zero means no limit; a negative n makes New fail. The count is kept
// in memory and corrected at each prune, so with several processes sharing
// the directory the limit is approximate.
func WithThreshold(n int) Option {
	return func(o *options) { o.threshold = n }
}

// WithFileMode sets the permission bits of session files (default 0600).
// The owner must be able to read and write them; New fails otherwise.
func WithFileMode(m fs.FileMode) Option {
	return func(o *options) { o.mode = m }
}

// WithCleanupInterval starts a background goroutine that calls
// DeleteExpired every d, until Close. Zero or less (the default) starts
// none; expired files are then removed when they are read, when Create
// prunes, or when you call DeleteExpired.
func WithCleanupInterval(d time.Duration) Option {
	return func(o *options) { o.cleanupInterval = d }
}

// WithSync makes Create, Replace and LoadTouch, and the index files that
// Tie and Untie write, call fsync before returning, on the file and, after a
// rename, on its directory, so that a record survives a power cut. It is off by default: a session lost in a crash only means a
// new login, and fsync costs milliseconds on many disks.
func WithSync(on bool) Option {
	return func(o *options) { o.sync = on }
}
