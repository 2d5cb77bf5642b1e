package redisstore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/serversession/serversession/sessions"
)

// The user index: each user's sessions are a sorted set under
// prefix + "user-sha256:" + the SHA-256 of the user ID in lowercase hex
// (so no key name shows a user ID, and no user ID picks its own Cluster
// slot with braces), whose members are the sessions' storage keys and
// whose scores are their records' expiry in Unix milliseconds, as the
// index last learnt it, on the clock of the Redis server that holds the
// set. The set has no TTL of its own: a record's TTL moves on every
// refresh without the index hearing of it, so a TTL on the set could end
// it while sessions it lists live on. Instead, the entries whose score has
// passed are checked against their records (PTTL) when the set is next
// written (Tie, Untie) or listed: the dead are dropped and the live
// re-scored. Redis deletes a sorted set with its last member.
//
// Every command and script names one key, so that a ClusterClient sends it
// to that key's node: the scripts touch only the user's set, and what
// concerns the records (GET, PTTL) goes in pipelines of one-key commands,
// which the ClusterClient splits by node.

// pruneBatch bounds the entries one Tie or Untie checks and drops, so that
// a login never pays for a long backlog at once; a listing checks every entry.
const pruneBatch = 100

// staleSlack is how much later than its record's expiry an entry's score
// may be before a listing re-scores it: the time between the write of a
// record and that of its entry, and between a listing's round trips.
const staleSlack = time.Second

// noExpiry is the score of an entry whose record has no TTL (not one this
// store or Flask-Session wrote): 2^53 - 1, the largest integer a double
// holds exactly, far beyond any expiry. pruneScript spells it out.
const noExpiry = 9007199254740991

// nowMs is the Lua head of the index scripts: the server's clock in Unix
// milliseconds as a string (exact, where Lua's number formatting is not),
// and as a number. Scripts may read TIME before they write since Redis 5,
// which replicates scripts by their effects.
const nowMs = `local t = redis.call('TIME')
local nowstr = t[1] .. string.format('%03d', math.floor(tonumber(t[2]) / 1000))
local now = tonumber(nowstr)
`

// dueTail ends the scripts that write the index: it returns the members
// of the set KEYS[1] whose score has passed, at most ARGV[3] of them, with
// their scores: member, score, member, score, ….
const dueTail = `return redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. nowstr, 'WITHSCORES', 'LIMIT', 0, tonumber(ARGV[3]))
`

// tieScript adds ARGV[1] to the set KEYS[1] with the score now + ARGV[2]
// (the TTL in ms), and returns the entries due a check (dueTail).
var tieScript = newScript(tieSource)

const tieSource = nowMs + `redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
` + dueTail

// untieScript removes ARGV[1] from the set KEYS[1] (ARGV[2] is unused),
// and returns the entries due a check (dueTail).
var untieScript = newScript(untieSource)

const untieSource = nowMs + `redis.call('ZREM', KEYS[1], ARGV[1])
` + dueTail

// pruneScript applies what PTTL said of entries of the set KEYS[1]. ARGV
// is triples: a member, the score it had when it was read, and its
// record's PTTL (-2 for a record that is gone, -1 for one without a TTL).
// An entry whose score changed since (a Tie of the same key meanwhile, a
// concurrent prune) is left alone; the others are dropped, for a record
// that is gone, or re-scored to the record's expiry. It returns how many
// it dropped.
var pruneScript = newScript(pruneSource)

const pruneSource = nowMs + `local dropped = 0
for i = 1, #ARGV, 3 do
	local cur = redis.call('ZSCORE', KEYS[1], ARGV[i])
	if cur and tonumber(cur) == tonumber(ARGV[i + 1]) then
		local pttl = tonumber(ARGV[i + 2])
		if pttl == -2 then
			redis.call('ZREM', KEYS[1], ARGV[i])
			dropped = dropped + 1
		elseif pttl == -1 then
			redis.call('ZADD', KEYS[1], '9007199254740991', ARGV[i])
		else
			redis.call('ZADD', KEYS[1], now + pttl, ARGV[i])
		end
	end
end
return dropped
`

// listScript returns the server's clock in Unix milliseconds, then every
// member of the set KEYS[1] with its score: now, member, score, ….
var listScript = newScript(listSource)

const listSource = nowMs + `local r = redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')
table.insert(r, 1, nowstr)
return r
`

// entry is an index entry as a script returned it: the member (a record's
// key), and its score, kept as Redis wrote it so that pruneScript can
// compare it exactly.
type entry struct {
	key   string
	score string
	ms    float64 // score, parsed
}

// userKey returns the key of user's index: the user ID is hashed.
func (s *Store) userKey(user string) string {
	sum := sha256.Sum256([]byte(user))
	return s.prefix + userKeyInfix + hex.EncodeToString(sum[:])
}

// userKeyInfix follows the prefix in the key of a user's index. Versions
// before the IDs were hashed wrote prefix + "user:" + the raw ID; those
// keys are no longer read (see the package documentation, "Migrating").
const userKeyInfix = "user-sha256:"

// Tie adds key to user's index, to expire after ttl as its record does, in
// one round trip: EVALSHA of a script on the user's index that adds the
// entry and returns the entries whose expiry has passed, at most 100. When
// there are some, two more round trips drop those whose record is gone and
// re-score those whose record was refreshed since: PTTL of each, pipelined,
// and a script on the index that changes only the entries no one changed
// meanwhile. That cleanup is best effort: Tie's answer is the add's.
// With WithWaitReplicas, the add waits for replicas as other writes do.
func (s *Store) Tie(ctx context.Context, user, key string, ttl time.Duration) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("redisstore: tie %q: %w", key, err)
	}
	ms, err := millis(ttl)
	if err != nil {
		return fmt.Errorf("redisstore: tie %q: %w", key, err)
	}
	ukey := s.userKey(user)
	cmd := s.runScript(ctx, tieScript, ukey, key, ms, pruneBatch)
	if err := cmd.Err(); err != nil {
		return fmt.Errorf("redisstore: tie %q: %w", key, err)
	}
	// The entry is in; what follows only tidies the index.
	s.checkDue(ctx, ukey, cmd.Val())
	return nil
}

// Untie removes key from user's index, in one round trip: EVALSHA of a
// script on the user's index that ZREMs it and returns the entries whose
// expiry has passed, which are then checked as Tie checks them. A key not
// in the index is not an error. With WithWaitReplicas, the removal waits
// for replicas as other writes do.
func (s *Store) Untie(ctx context.Context, user, key string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("redisstore: untie %q: %w", key, err)
	}
	ukey := s.userKey(user)
	cmd := s.runScript(ctx, untieScript, ukey, key, 0, pruneBatch)
	if err := cmd.Err(); err != nil {
		return fmt.Errorf("redisstore: untie %q: %w", key, err)
	}
	s.checkDue(ctx, ukey, cmd.Val())
	return nil
}

// checkDue checks the entries of the index ukey that a write script
// returned as due (reply): PTTL of each, in one pipeline, then pruneScript
// on what it found, if there are any. It is best effort, as prune is.
func (s *Store) checkDue(ctx context.Context, ukey string, reply any) {
	ctx = redis.WithoutCache(ctx) // PTTLs and records as they are now, never cached
	due, err := entries(reply)
	if err != nil || len(due) == 0 {
		return
	}
	pttls := make([]*redis.IntCmd, len(due))
	pipe := s.client.Pipeline()
	for i, e := range due {
		pttls[i] = redis.NewIntCmd(ctx, "pttl", e.key)
		_ = pipe.Process(ctx, pttls[i])
	}
	_, _ = pipe.Exec(ctx)
	var args []any
	for i, e := range due {
		if pttls[i].Err() != nil {
			continue // not known: the entry stays for a later check
		}
		args = append(args, e.key, e.score, pttls[i].Val())
	}
	s.prune(ctx, ukey, args)
}

// UserRecords returns the live records in user's index, in two round
// trips: EVALSHA of a script that reads the index (ZRANGE, and the
// server's clock), then GET and PTTL of every entry's record, pipelined
// (split by node on Cluster). A record that GET does not find, or that
// PTTL finds gone, is not returned. When some entries are dead, or their
// score says the record expired though it lives (it was refreshed since),
// a third round trip drops or re-scores them, as Tie does; it is best
// effort, and the records are returned whatever its outcome.
//
// Expires is the local clock before the GETs plus the record's PTTL; a
// record without a TTL, which this store never writes, has a zero Expires.
// An error from any GET or PTTL fails the whole call: a listing that
// silently missed a live session would let "log out everywhere" miss it.
func (s *Store) UserRecords(ctx context.Context, user string) ([]sessions.UserRecord, error) {
	ctx = redis.WithoutCache(ctx) // PTTLs and records as they are now, never cached
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("redisstore: user records: %w", err)
	}
	ukey := s.userKey(user)
	cmd := listScript.Run(ctx, s.client, []string{ukey})
	if err := cmd.Err(); err != nil {
		return nil, fmt.Errorf("redisstore: user records: read the index: %w", err)
	}
	reply, _ := cmd.Val().([]any)
	if len(reply) == 0 {
		return nil, fmt.Errorf("redisstore: user records: unexpected index answer %v", cmd.Val())
	}
	nowStr, _ := reply[0].(string)
	now, err := strconv.ParseFloat(nowStr, 64)
	if err != nil {
		return nil, fmt.Errorf("redisstore: user records: unexpected server time %v", reply[0])
	}
	list, err := entries(reply[1:])
	if err != nil {
		return nil, fmt.Errorf("redisstore: user records: %w", err)
	}
	if len(list) == 0 {
		return nil, nil
	}

	start := time.Now()
	gets := make([]*redis.StringCmd, len(list))
	pttls := make([]*redis.IntCmd, len(list))
	pipe := s.client.Pipeline()
	for i, e := range list {
		gets[i] = redis.NewStringCmd(ctx, "get", e.key)
		pttls[i] = redis.NewIntCmd(ctx, "pttl", e.key)
		_ = pipe.Process(ctx, gets[i])
		_ = pipe.Process(ctx, pttls[i])
	}
	_, _ = pipe.Exec(ctx)

	recs := make([]sessions.UserRecord, 0, len(list))
	var fix []any
	for i, e := range list {
		err := gets[i].Err()
		if err != nil && !errors.Is(err, redis.Nil) {
			return nil, fmt.Errorf("redisstore: user records: load a record: %w", err)
		}
		if perr := pttls[i].Err(); perr != nil {
			return nil, fmt.Errorf("redisstore: user records: read a record's TTL: %w", perr)
		}
		pttl := pttls[i].Val()
		if err != nil || pttl == -2 {
			fix = append(fix, e.key, e.score, -2) // gone: drop the entry
			continue
		}
		data, err := gets[i].Bytes() // a copy: the caller owns it
		if err != nil {
			return nil, fmt.Errorf("redisstore: user records: load a record: %w", err)
		}
		rec := sessions.UserRecord{Key: e.key, Record: sessions.Record{Data: data}}
		if pttl >= 0 {
			rec.Expires = start.Add(time.Duration(pttl) * time.Millisecond)
		}
		recs = append(recs, rec)
		if stale(e.ms, now, pttl) {
			fix = append(fix, e.key, e.score, pttl)
		}
	}
	s.prune(ctx, ukey, fix)
	return recs, nil
}

// stale reports whether a live entry's score ms needs re-scoring, given the
// server's clock now (both Unix ms) and its record's PTTL: when the score
// has passed, which would have the next Tie check the entry again, or when
// it is well after the record's expiry, which would keep a Tie from dropping
// it once the record expired.
func stale(ms, now float64, pttl int64) bool {
	if pttl < 0 {
		return ms != noExpiry
	}
	return ms < now || ms > now+float64(pttl)+float64(staleSlack.Milliseconds())
}

// prune runs pruneScript on the index ukey with args (triples of member,
// score read and PTTL), if there are any. It is housekeeping, which a later
// write or listing would do again: it does not wait for replicas, and its
// errors are dropped.
func (s *Store) prune(ctx context.Context, ukey string, args []any) {
	if len(args) == 0 {
		return
	}
	_ = pruneScript.Run(ctx, s.client, []string{ukey}, args...).Err()
}

// entries parses a flat script reply of members and scores.
func entries(v any) ([]entry, error) {
	flat, ok := v.([]any)
	if !ok || len(flat)%2 != 0 {
		return nil, fmt.Errorf("unexpected index answer %v", v)
	}
	out := make([]entry, 0, len(flat)/2)
	for i := 0; i < len(flat); i += 2 {
		key, ok1 := flat[i].(string)
		score, ok2 := flat[i+1].(string)
		ms, err := strconv.ParseFloat(score, 64)
		if !ok1 || !ok2 || err != nil || math.IsNaN(ms) {
			return nil, fmt.Errorf("unexpected index entry %v %v", flat[i], flat[i+1])
		}
		out = append(out, entry{key: key, score: score, ms: ms})
	}
	return out, nil
}
