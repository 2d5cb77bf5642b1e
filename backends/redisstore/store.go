package redisstore

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/serversession/serversession/sessions"
)

// Store is a sessions.Store backed by Redis. It also implements
// sessions.LoadToucher (GETEX) and sessions.UserIndex (a sorted set per
// user). It is safe for concurrent use.
type Store struct {
	client redis.UniversalClient
	// prefix starts the keys of the user index (WithKeyPrefix).
	prefix string
	// noGetEx is set once the server has answered GETEX with "unknown
	// command" (Redis before 6.2); LoadTouch then pipelines GET + PEXPIRE.
	noGetEx atomic.Bool

	// waitReplicas and waitTimeout are WithWaitReplicas's settings;
	// waitReplicas is 0 when writes do not wait.
	waitReplicas int
	waitTimeout  time.Duration

	// recent makes Loads of keys this Store just wrote go past the
	// client-side cache, if the client has one.
	recent recentWrites
}

var (
	_ sessions.KeyPrefixer = (*Store)(nil)
	_ sessions.Store       = (*Store)(nil)
	_ sessions.LoadToucher = (*Store)(nil)
	_ sessions.UserIndex   = (*Store)(nil)
)

// New returns a Store that keeps records through client. The client stays
// the caller's: the Store never closes it.
func New(client redis.UniversalClient, opts ...Option) *Store {
	s := &Store{client: client, prefix: sessions.DefaultKeyPrefix}
	s.recent.window = cacheWindow(client)
	for _, opt := range opts {
		if opt != nil {
			opt(s)
		}
	}
	return s
}

// KeyPrefix returns the prefix of the keys the Store writes of its own, its
// users' indexes: WithKeyPrefix's, "session:" by default. sessions.New
// refuses a Config whose KeyPrefix differs, so that an app that sets one
// and forgets the other learns it at startup, not from a user index kept
// under another app's prefix.
func (s *Store) KeyPrefix() string { return s.prefix }

// Load returns the record under key with GET, which go-redis's client-side
// cache serves when the client has one (see the package documentation),
// except for a while after this Store wrote key (see recentWrites). A
// missing or expired record is found == false with a nil error. Redis has no version of its own for a
// string, so the Record's Version is always 0 and Replace compares Data.
func (s *Store) Load(ctx context.Context, key string) (sessions.Record, bool, error) {
	if err := ctx.Err(); err != nil {
		return sessions.Record{}, false, fmt.Errorf("redisstore: load %q: %w", key, err)
	}
	if s.recent.bypass(key) {
		ctx = redis.WithoutCache(ctx)
	}
	cmd := redis.NewStringCmd(ctx, "get", key)
	return found(s.client.Process(ctx, cmd), cmd, "load", key)
}

// Create stores data under key with SET key data PX ttl NX, if no live
// record is stored there; ttl is rounded up to whole milliseconds and must be
// positive. When a record exists, Redis answers nil, nothing changes, and the
// error wraps sessions.ErrConflict.
func (s *Store) Create(ctx context.Context, key string, data []byte, ttl time.Duration) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("redisstore: create %q: %w", key, err)
	}
	ms, err := millis(ttl)
	if err != nil {
		return fmt.Errorf("redisstore: create %q: %w", key, err)
	}
	defer s.recent.wrote(key)
	var again []any // what a waited Cluster write sends after a lost reply
	if s.waitReplicas > 0 {
		again = []any{"eval", createAgainSource, 1, key, data, ms}
	}
	err = s.writeAgain(ctx, key, []any{"set", key, data, "px", ms, "nx"}, again).Err()
	if errors.Is(err, redis.Nil) {
		return fmt.Errorf("redisstore: create %q: a record already exists: %w", key, sessions.ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("redisstore: create %q: %w", key, err)
	}
	return nil
}

// createAgainSource is what a Cluster retry of a waited Create sends after
// a lost reply (see writeAgain), instead of SET NX, which would answer nil
// over the record the lost try did create: the record under KEYS[1] counts
// as absent when it holds exactly the new data ARGV[1], which only this
// Create can have written under a fresh session ID. It is SET again with
// its TTL, ARGV[2] milliseconds, so that the WAIT after it covers it; a
// record holding other data is a conflict, answered nil as SET NX does.
const createAgainSource = `local cur = redis.call('GET', KEYS[1])
if cur and cur ~= ARGV[1] then
	return false
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return redis.status_reply('OK')
`

// compareOld is the head of the conditional-write scripts: it GETs the one
// key the script names in KEYS, so that a Cluster client routes the script
// to the node holding that key's slot, and returns 0 when no live record is
// there and -1 when the record differs from the old bytes in ARGV[1]. What
// follows it runs only over the very record the caller loaded, and returns 1.
//
// The script compares the stored bytes with the old bytes themselves, sent
// along as ARGV[1], rather than with a SHA-1 of them that the client would
// compute. Equality is then exact, with no reliance on a hash, and the work
// on Redis's single thread is one memory comparison, where redis.sha1hex
// would hash the whole stored record on every write. The price is upload: a
// Replace or DeleteIf sends the old record along. For session records,
// typically a few hundred bytes to a few KiB, that is a few more bytes in the
// same round trip.
const compareOld = `local cur = redis.call('GET', KEYS[1])
if not cur then
	return 0
end
if cur ~= ARGV[1] then
	return -1
end
`

// replaceScript is Replace's compare-and-set, run atomically by Redis:
// ARGV[2] is the new data and ARGV[3] its TTL in milliseconds.
var replaceScript = &luaScript{Script: redis.NewScript(replaceSource), src: replaceSource, again: replaceAgainSource}

const replaceSource = compareOld + `redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return 1
`

// replaceAgainSource is what a Cluster retry of a waited Replace runs after
// a lost reply (see writeAgain): a record that already holds the new data
// ARGV[2] counts as the old one, since the lost try may have written it.
// Told of a conflict instead, the session core would reload that record
// and replay this request's changes over it: the same bytes for values
// set, but a flash the request added would be added twice. If another
// request wrote those very bytes, success is the outcome the replay would
// reach for values set. The data is SET again, so that the WAIT after it
// covers it.
const replaceAgainSource = `local cur = redis.call('GET', KEYS[1])
if not cur then
	return 0
end
if cur ~= ARGV[1] and cur ~= ARGV[2] then
	return -1
end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return 1
`

// deleteIfScript is DeleteIf's compare-and-delete, run atomically by Redis.
// It has no again script for Cluster retries (see writeAgain): a retry that
// finds the record gone cannot tell the lost try's DEL from another
// request's logout or revocation, which the session core must see as a
// conflict.
var deleteIfScript = newScript(deleteIfSource)

const deleteIfSource = compareOld + `redis.call('DEL', KEYS[1])
return 1
`

// Replace stores data under key, to expire after ttl, if the record stored
// there still holds old.Data, in one round trip: EVALSHA of a script that
// compares and SETs with PX atomically. (go-redis falls back to EVAL, with
// the script's text, once, when the server does not know the script yet.)
// old.Version is ignored: Redis records have none. If the record changed,
// expired or was deleted, nothing is written or created, and the error wraps
// sessions.ErrConflict.
func (s *Store) Replace(ctx context.Context, key string, old sessions.Record, data []byte, ttl time.Duration) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("redisstore: replace %q: %w", key, err)
	}
	ms, err := millis(ttl)
	if err != nil {
		return fmt.Errorf("redisstore: replace %q: %w", key, err)
	}
	defer s.recent.wrote(key)
	// A nil Data would go out as an empty string, which is what a record
	// of no bytes holds, so it needs no special case.
	return s.runConditional(ctx, replaceScript, "replace", key, old.Data, data, ms)
}

// DeleteIf removes the record under key if it still holds old.Data, in one
// round trip: EVALSHA of a script that compares, exactly as Replace's does,
// and DELs only if the bytes are equal. old.Version is ignored: Redis
// records have none. If the record changed, expired or was deleted, nothing
// changes, and the error wraps sessions.ErrConflict.
func (s *Store) DeleteIf(ctx context.Context, key string, old sessions.Record) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("redisstore: delete-if %q: %w", key, err)
	}
	defer s.recent.wrote(key)
	return s.runConditional(ctx, deleteIfScript, "delete-if", key, old.Data)
}

// runConditional runs one of the conditional-write scripts on key with args
// (the old bytes first) and maps its answer: 1 is success, 0 and -1 are
// conflicts that say whether the record was gone or changed.
func (s *Store) runConditional(ctx context.Context, script *luaScript, op, key string, args ...any) error {
	cmd := s.runScript(ctx, script, key, args...)
	err := cmd.Err()
	n, isInt := cmd.Val().(int64)
	if errors.Is(err, ErrNotReplicated) && isInt && n != 1 {
		err = nil // a refused write is a conflict, whatever WAIT said
	}
	if err == nil && !isInt {
		err = fmt.Errorf("unexpected script answer %v", cmd.Val())
	}
	if err != nil {
		return fmt.Errorf("redisstore: %s %q: %w", op, key, err)
	}
	switch n {
	case 1:
		return nil
	case 0:
		return fmt.Errorf("redisstore: %s %q: no record is stored (it expired or was deleted): %w", op, key, sessions.ErrConflict)
	case -1:
		return fmt.Errorf("redisstore: %s %q: the record changed since it was loaded: %w", op, key, sessions.ErrConflict)
	}
	return fmt.Errorf("redisstore: %s %q: unexpected script answer %d", op, key, n)
}

// Delete removes the record under key with DEL. A missing record is not an
// error.
func (s *Store) Delete(ctx context.Context, key string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("redisstore: delete %q: %w", key, err)
	}
	defer s.recent.wrote(key)
	if err := s.write(ctx, key, "del", key).Err(); err != nil {
		return fmt.Errorf("redisstore: delete %q: %w", key, err)
	}
	return nil
}

// found turns the outcome of a GET-like command into Load's results:
// redis.Nil is a missing record, any other error is wrapped with op and key.
func found(err error, cmd *redis.StringCmd, op, key string) (sessions.Record, bool, error) {
	if errors.Is(err, redis.Nil) {
		return sessions.Record{}, false, nil
	}
	if err != nil {
		return sessions.Record{}, false, fmt.Errorf("redisstore: %s %q: %w", op, key, err)
	}
	// Bytes copies the reply string: the caller owns the slice.
	data, err := cmd.Bytes()
	if err != nil {
		return sessions.Record{}, false, fmt.Errorf("redisstore: %s %q: %w", op, key, err)
	}
	return sessions.Record{Data: data}, true, nil
}
