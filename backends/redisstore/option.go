package redisstore

import (
	"errors"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/serversession/serversession/sessions"
)

// Option configures a Store.
type Option func(*Store)

// ErrNotReplicated is what a write made with WithWaitReplicas wraps when
// fewer replicas than asked acknowledged it within the timeout, or when the
// WAIT that follows it got no answer. The write may have been applied on the
// master: it is only not known to survive a failover, so the session core
// reports it as a failed save (sessions.ErrStoreSave), never as a success.
var ErrNotReplicated = errors.New("redisstore: the write was not acknowledged by enough replicas")

// WithWaitReplicas makes every write (Create, Replace, DeleteIf, Delete,
// and the user index's Tie and Untie) wait until at least replicas replicas
// of the master that took it have acknowledged it, for at most timeout: the
// write and WAIT replicas timeout-in-ms go to the master in one pipeline,
// one round trip. A write
// that fewer replicas acknowledge in time returns an error wrapping
// ErrNotReplicated. The client's ReadTimeout must be longer than timeout.
// A replicas below 1 or a timeout below a millisecond turns waiting off
// (the default): WAIT 0 would block forever.
func WithWaitReplicas(replicas int, timeout time.Duration) Option {
	return func(s *Store) {
		if replicas < 1 || timeout < time.Millisecond {
			s.waitReplicas, s.waitTimeout = 0, 0
			return
		}
		s.waitReplicas, s.waitTimeout = replicas, timeout
	}
}

// WithKeyPrefix tells the Store the key prefix of the sessions it keeps:
// the app's sessions.Config.KeyPrefix, which sessions.New requires it to
// match (see KeyPrefix). Without it, or with an empty prefix, it is
// sessions.DefaultKeyPrefix, "session:", the Config's default too. Only
// the user index uses it: user's index is the key prefix + "user-sha256:" +
// the SHA-256 of the user ID in hex.
// Record keys come from the session core whole.
func WithKeyPrefix(prefix string) Option {
	return func(s *Store) {
		if prefix == "" {
			prefix = sessions.DefaultKeyPrefix
		}
		s.prefix = prefix
	}
}

// CacheMaxStaleness is the MaxStaleness CacheConfig sets: the longest a
// process serves a cached session record that another process changed or
// ended, were every invalidation lost.
const CacheMaxStaleness = time.Second

// CacheConfig returns go-redis's client-side cache configuration for
// sessions, bounded to entries records and bytes bytes, with a
// MaxStaleness of CacheMaxStaleness. Pass it as
// redis.Options.ClientSideCacheConfig (or ClusterOptions') with Protocol 3.
// See "Client-side cache" in the package documentation for sizing.
func CacheConfig(entries int, bytes int64) *redis.ClientSideCacheConfig {
	return &redis.ClientSideCacheConfig{MaxEntries: entries, MaxMemoryBytes: bytes, MaxStaleness: CacheMaxStaleness}
}
