package redisstore_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/serversession/serversession/adapters/httpsession"
	"github.com/serversession/serversession/backends/redisstore"
	"github.com/serversession/serversession/sessions"
)

// indexStore returns a Store on rdb whose user indexes live under the
// test's own prefix, and deletes them when the test ends: they have no TTL,
// and the shared server is never flushed.
func indexStore(t *testing.T, rdb redis.UniversalClient, opts ...redisstore.Option) (*redisstore.Store, string) {
	t.Helper()
	p := prefix(t)
	s := redisstore.New(rdb, append([]redisstore.Option{redisstore.WithKeyPrefix(p)}, opts...)...)
	t.Cleanup(func() { dropIndexes(t, rdb, p) })
	return s, p
}

// dropIndexes deletes the user indexes under prefix p.
func dropIndexes(t testing.TB, rdb redis.UniversalClient, p string) {
	ctx := context.Background()
	del := func(ctx context.Context, c *redis.Client) error {
		iter := c.Scan(ctx, 0, p+"user*", 100).Iterator()
		for iter.Next(ctx) {
			if err := c.Del(ctx, iter.Val()).Err(); err != nil {
				return err
			}
		}
		return iter.Err()
	}
	var err error
	switch c := rdb.(type) {
	case *redis.Client:
		err = del(ctx, c)
	case *redis.ClusterClient:
		err = c.ForEachMaster(ctx, del)
	}
	if err != nil {
		t.Logf("drop the test's user indexes: %v", err)
	}
}

// loadIndexScripts loads the index's scripts on every master behind rdb,
// so that the round trips a test counts hold no NOSCRIPT fallback.
func loadIndexScripts(t testing.TB, rdb redis.UniversalClient) {
	t.Helper()
	ctx := context.Background()
	load := func(ctx context.Context, c *redis.Client) error {
		for _, src := range redisstore.IndexScripts {
			if err := c.ScriptLoad(ctx, src).Err(); err != nil {
				return err
			}
		}
		return nil
	}
	var err error
	switch c := rdb.(type) {
	case *redis.Client:
		err = load(ctx, c)
	case *redis.ClusterClient:
		err = c.ForEachMaster(ctx, load)
	}
	if err != nil {
		t.Fatalf("script load: %v", err)
	}
}

// warmPipelines has rdb dial the connection of its pipeline pool, which
// go-redis keeps apart from the one of single commands, so that a count
// that follows sees no handshake.
func warmPipelines(t testing.TB, rdb *redis.Client) {
	t.Helper()
	if _, err := rdb.Pipelined(context.Background(), func(p redis.Pipeliner) error {
		p.Ping(context.Background())
		return nil
	}); err != nil {
		t.Fatalf("pipelined PING: %v", err)
	}
}

// serverMs returns the clock of the server behind c in Unix milliseconds.
func serverMs(t testing.TB, c redis.Cmdable) float64 {
	t.Helper()
	now, err := c.Time(context.Background()).Result()
	if err != nil {
		t.Fatalf("TIME: %v", err)
	}
	return float64(now.UnixMilli())
}

// zset returns the members of the sorted set key with their scores.
func zset(t testing.TB, c redis.Cmdable, key string) map[string]float64 {
	t.Helper()
	zs, err := c.ZRangeWithScores(context.Background(), key, 0, -1).Result()
	if err != nil {
		t.Fatalf("ZRANGE %s: %v", key, err)
	}
	m := map[string]float64{}
	for _, z := range zs {
		m[z.Member.(string)] = z.Score
	}
	return m
}

// members returns the sorted keys of m.
func members(m map[string]float64) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// near fails t unless got is within tol of want (Unix ms).
func near(t testing.TB, what string, got, want float64, tol time.Duration) {
	t.Helper()
	if math.Abs(got-want) > float64(tol.Milliseconds()) {
		t.Errorf("%s: score %.0f, %+.0f ms from the expected %.0f", what, got, got-want, want)
	}
}

// create stores data under key for ttl and ties it to user, as the session
// core does at a login.
func create(t testing.TB, s *redisstore.Store, user, key string, ttl time.Duration) {
	t.Helper()
	ctx := context.Background()
	if err := s.Create(ctx, key, []byte("data of "+key), ttl); err != nil {
		t.Fatalf("Create(%s): %v", key, err)
	}
	if err := s.Tie(ctx, user, key, ttl); err != nil {
		t.Fatalf("Tie(%s): %v", key, err)
	}
}

// TestUserIndexLayout checks the raw index: a sorted set under prefix +
// "user-sha256:" + the user's hash, without a TTL, whose members are the tied keys and whose
// scores their expiry in Unix ms on the server's clock; Tie re-scores,
// Untie removes, and the set goes with its last member.
func TestUserIndexLayout(t *testing.T) {
	ctx := context.Background()
	rdb := newClient(t, redisAddr(t))
	s, p := indexStore(t, rdb)
	ukey := p + "user-sha256:2bd806c97f0e00af1a1fc3328fa763a9269723c8db8fac4f93af71db186d6e90" // SHA-256 of "alice"
	if got := redisstore.UserKeyOf(s, "alice"); got != ukey {
		t.Fatalf("user key %q; want %q", got, ukey)
	}
	k1, k2 := p+"k1", p+"k2"
	before := serverMs(t, rdb)
	create(t, s, "alice", k1, time.Hour)
	create(t, s, "alice", k2, 2*time.Hour)
	z := zset(t, rdb, ukey)
	if got := members(z); !slices.Equal(got, []string{k1, k2}) {
		t.Fatalf("index members %q; want %q", got, []string{k1, k2})
	}
	near(t, "k1", z[k1], before+float64(time.Hour.Milliseconds()), time.Second)
	near(t, "k2", z[k2], before+float64(2*time.Hour.Milliseconds()), time.Second)
	if ttl := rdb.PTTL(ctx, ukey).Val(); ttl != -1 {
		t.Errorf("PTTL of the index = %v; want -1 (no TTL)", ttl)
	}
	if typ := rdb.Type(ctx, ukey).Val(); typ != "zset" {
		t.Errorf("TYPE of the index = %q; want zset", typ)
	}
	// The records are plain strings, as Flask-Session writes them.
	if typ := rdb.Type(ctx, k1).Val(); typ != "string" {
		t.Errorf("TYPE of a record = %q; want string", typ)
	}

	// Tying again re-scores, adding nothing.
	if err := s.Tie(ctx, "alice", k1, 3*time.Hour); err != nil {
		t.Fatalf("Tie(k1) again: %v", err)
	}
	z = zset(t, rdb, ukey)
	if len(z) != 2 {
		t.Fatalf("index after a second Tie: %v; want 2 members", z)
	}
	near(t, "k1 re-tied", z[k1], serverMs(t, rdb)+float64(3*time.Hour.Milliseconds()), time.Second)

	if err := s.Untie(ctx, "alice", k1); err != nil {
		t.Fatalf("Untie(k1): %v", err)
	}
	if got := members(zset(t, rdb, ukey)); !slices.Equal(got, []string{k2}) {
		t.Fatalf("index after Untie(k1): %q; want only k2", got)
	}
	if err := s.Untie(ctx, "alice", k1); err != nil {
		t.Errorf("Untie of a key not in the index = %v; want nil", err)
	}
	if err := s.Untie(ctx, "nobody", k1); err != nil {
		t.Errorf("Untie for a user without an index = %v; want nil", err)
	}
	if err := s.Untie(ctx, "alice", k2); err != nil {
		t.Fatalf("Untie(k2): %v", err)
	}
	if n := rdb.Exists(ctx, ukey).Val(); n != 0 {
		t.Errorf("the index outlived its last member")
	}
	// Records are not touched by the index.
	if n := rdb.Exists(ctx, k1, k2).Val(); n != 2 {
		t.Errorf("Untie changed the records: %d of 2 left", n)
	}

	// User IDs are binary-safe, each with a key of its own.
	for _, user := range []string{"bob\x00:{x}é", "bob", "bob:", "{bob}", "user:bob", ""} {
		k := p + "u" + fmt.Sprint(len(user))
		if err := s.Tie(ctx, user, k, time.Hour); err != nil {
			t.Fatalf("Tie(%q): %v", user, err)
		}
		if got := members(zset(t, rdb, redisstore.UserKeyOf(s, user))); !slices.Contains(got, k) {
			t.Errorf("the index of %q = %q; want it to hold %s", user, got, k)
		}
	}
	if got := members(zset(t, rdb, redisstore.UserKeyOf(s, "bob"))); len(got) != 1 {
		t.Errorf("the index of bob = %q; want only its own key", got)
	}

	if err := s.Tie(ctx, "alice", k1, 0); err == nil {
		t.Errorf("Tie with a zero TTL = nil; want an error")
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := s.Tie(cctx, "alice", k1, time.Hour); !errors.Is(err, context.Canceled) {
		t.Errorf("Tie with a canceled context = %v; want context.Canceled", err)
	}
	if err := s.Untie(cctx, "alice", k1); !errors.Is(err, context.Canceled) {
		t.Errorf("Untie with a canceled context = %v; want context.Canceled", err)
	}
	if _, err := s.UserRecords(cctx, "alice"); !errors.Is(err, context.Canceled) {
		t.Errorf("UserRecords with a canceled context = %v; want context.Canceled", err)
	}
}

// TestUserIndexTiePrunes: a Tie is one round trip while no entry's expiry
// has passed. Once some have, it checks them (PTTL, one pipelined round
// trip) and drops the dead and re-scores the refreshed (one more): three
// round trips, and the index holds only live sessions again. Untie does
// the same, and either checks at most 100 entries.
func TestUserIndexTiePrunes(t *testing.T) {
	ctx := context.Background()
	rdb, count := countedClient(t, redisAddr(t))
	warmPipelines(t, rdb)
	loadIndexScripts(t, rdb)
	s, p := indexStore(t, rdb)
	ukey := redisstore.UserKeyOf(s, "alice")
	dead, refreshed, live := p+"dead", p+"refreshed", p+"live"
	create(t, s, "alice", dead, 100*time.Millisecond)
	create(t, s, "alice", refreshed, 100*time.Millisecond)
	create(t, s, "alice", live, time.Hour)
	if _, _, err := s.LoadTouch(ctx, refreshed, time.Hour); err != nil {
		t.Fatal(err)
	}

	count.start()
	if err := s.Tie(ctx, "alice", p+"new1", time.Hour); err != nil {
		t.Fatal(err)
	}
	if trips, cmds := count.stop(); trips != 1 {
		t.Errorf("Tie with no expired entry: %d round trips %q; want 1", trips, cmds)
	}

	time.Sleep(150 * time.Millisecond)
	count.start()
	if err := s.Tie(ctx, "alice", p+"new2", time.Hour); err != nil {
		t.Fatal(err)
	}
	trips, cmds := count.stop()
	if trips != 3 {
		t.Errorf("Tie with expired entries: %d round trips %q; want 3", trips, cmds)
	}
	if len(cmds) != 4 || !strings.HasPrefix(cmds[0], "evalsha") || !strings.HasPrefix(cmds[3], "evalsha") {
		t.Errorf("Tie with expired entries sent %q; want EVALSHA, PTTL ×2, EVALSHA", cmds)
	}
	z := zset(t, rdb, ukey)
	if got, want := members(z), []string{live, p + "new1", p + "new2", refreshed}; !slices.Equal(got, want) {
		t.Fatalf("index after the pruning Tie: %q; want %q", got, want)
	}
	near(t, "the refreshed entry", z[refreshed], serverMs(t, rdb)+float64(time.Hour.Milliseconds()), time.Second)

	count.start()
	if err := s.Tie(ctx, "alice", p+"new3", time.Hour); err != nil {
		t.Fatal(err)
	}
	if trips, cmds := count.stop(); trips != 1 {
		t.Errorf("Tie after the pruning: %d round trips %q; want 1", trips, cmds)
	}

	// Untie is a write too: one round trip, and three when entries are due.
	count.start()
	if err := s.Untie(ctx, "alice", p+"new3"); err != nil {
		t.Fatal(err)
	}
	if trips, cmds := count.stop(); trips != 1 {
		t.Errorf("Untie with no expired entry: %d round trips %q; want 1", trips, cmds)
	}
	create(t, s, "alice", p+"short", 50*time.Millisecond)
	time.Sleep(100 * time.Millisecond)
	count.start()
	if err := s.Untie(ctx, "alice", p+"new2"); err != nil {
		t.Fatal(err)
	}
	if trips, cmds := count.stop(); trips != 3 {
		t.Errorf("Untie with an expired entry: %d round trips %q; want 3", trips, cmds)
	}
	if got, want := members(zset(t, rdb, ukey)), []string{live, p + "new1", refreshed}; !slices.Equal(got, want) {
		t.Fatalf("index after the pruning Untie: %q; want %q", got, want)
	}

	// A backlog: 105 entries whose records are long gone. Each Tie drops
	// at most 100 of them.
	old := serverMs(t, rdb) - 1000
	var zs []redis.Z
	for i := range 105 {
		zs = append(zs, redis.Z{Score: old, Member: fmt.Sprintf("%sgone%d", p, i)})
	}
	if err := rdb.ZAdd(ctx, ukey, zs...).Err(); err != nil {
		t.Fatal(err)
	}
	if err := s.Tie(ctx, "alice", p+"new4", time.Hour); err != nil {
		t.Fatal(err)
	}
	if n := rdb.ZCard(ctx, ukey).Val(); n != 5+3+1 {
		t.Errorf("after a Tie over 105 dead entries: %d entries; want 9 (5 left of them)", n)
	}
	if err := s.Tie(ctx, "alice", p+"new5", time.Hour); err != nil {
		t.Fatal(err)
	}
	if n := rdb.ZCard(ctx, ukey).Val(); n != 3+2 {
		t.Errorf("after a second Tie: %d entries; want 5 (live ones only)", n)
	}
}

// TestUserRecords: a listing is two round trips while every entry is live
// and scored right, three when it drops dead entries or re-scores stale
// ones, and returns only live records, with their data and expiry.
func TestUserRecords(t *testing.T) {
	ctx := context.Background()
	rdb, count := countedClient(t, redisAddr(t))
	warmPipelines(t, rdb)
	loadIndexScripts(t, rdb)
	s, p := indexStore(t, rdb)
	ukey := redisstore.UserKeyOf(s, "alice")
	list := func(what string, wantTrips int, wantKeys ...string) []sessions.UserRecord {
		t.Helper()
		count.start()
		recs, err := s.UserRecords(ctx, "alice")
		trips, cmds := count.stop()
		if err != nil {
			t.Fatalf("%s: UserRecords: %v", what, err)
		}
		if trips != wantTrips {
			t.Errorf("%s: UserRecords took %d round trips %q; want %d", what, trips, cmds, wantTrips)
		}
		var keys []string
		for _, r := range recs {
			keys = append(keys, r.Key)
			if string(r.Record.Data) != "data of "+r.Key || r.Record.Version != 0 {
				t.Errorf("%s: record %s = %+v", what, r.Key, r.Record)
			}
		}
		slices.Sort(keys)
		slices.Sort(wantKeys)
		if !slices.Equal(keys, wantKeys) {
			t.Fatalf("%s: UserRecords keys %q; want %q", what, keys, wantKeys)
		}
		return recs
	}

	list("no index", 1)
	k1, k2, k3 := p+"k1", p+"k2", p+"k3"
	create(t, s, "alice", k1, time.Hour)
	create(t, s, "alice", k2, 2*time.Hour)
	create(t, s, "alice", k3, time.Hour)
	recs := list("live", 2, k1, k2, k3)
	for _, r := range recs {
		want := time.Hour
		if r.Key == k2 {
			want = 2 * time.Hour
		}
		if d := time.Until(r.Expires); d > want || d < want-5*time.Second {
			t.Errorf("%s expires in %v; want about %v", r.Key, d, want)
		}
	}
	recs[0].Record.Data[0] ^= 0xff // the caller owns the bytes
	list("after changing a returned slice", 2, k1, k2, k3)

	// A record deleted without its untie: not listed, and dropped.
	if err := s.Delete(ctx, k3); err != nil {
		t.Fatal(err)
	}
	list("a dead entry", 3, k1, k2)
	if got := members(zset(t, rdb, ukey)); !slices.Equal(got, []string{k1, k2}) {
		t.Errorf("index after listing a dead entry: %q; want k1, k2", got)
	}
	list("after the drop", 2, k1, k2)

	// An entry whose score has passed while its record lives (refreshed
	// since), and one scored far after its record's expiry: re-scored.
	now := serverMs(t, rdb)
	rdb.ZAdd(ctx, ukey, redis.Z{Score: now - 1000, Member: k1}, redis.Z{Score: now + float64(10*time.Hour.Milliseconds()), Member: k2})
	list("stale scores", 3, k1, k2)
	z := zset(t, rdb, ukey)
	near(t, "k1 re-scored", z[k1], serverMs(t, rdb)+float64(time.Hour.Milliseconds()), time.Second)
	near(t, "k2 re-scored", z[k2], serverMs(t, rdb)+float64(2*time.Hour.Milliseconds()), time.Second)
	list("after re-scoring", 2, k1, k2)

	// An expired record is never listed, and its entry goes.
	create(t, s, "alice", p+"short", 50*time.Millisecond)
	time.Sleep(100 * time.Millisecond)
	list("an expired record", 3, k1, k2)
	if n := rdb.ZCard(ctx, ukey).Val(); n != 2 {
		t.Errorf("index after listing an expired record: %d entries; want 2", n)
	}

	// A record without a TTL (not one this store writes) is listed with
	// a zero Expires, and its entry scored so that no Tie checks it.
	if err := rdb.Set(ctx, k3, "data of "+k3, 0).Err(); err != nil {
		t.Fatal(err)
	}
	if err := s.Tie(ctx, "alice", k3, time.Hour); err != nil {
		t.Fatal(err)
	}
	for _, r := range list("a record without a TTL", 3, k1, k2, k3) {
		if r.Key == k3 && !r.Expires.IsZero() {
			t.Errorf("Expires of a record without a TTL = %v; want zero", r.Expires)
		}
	}
	list("a record without a TTL, again", 2, k1, k2, k3)
	_ = rdb.Del(ctx, k3)
	if err := s.Untie(ctx, "alice", k3); err != nil {
		t.Fatal(err)
	}

	// Other users' indexes are their own.
	create(t, s, "bob", p+"b1", time.Hour)
	list("with bob tied too", 2, k1, k2)
}

// raceHook runs act once, after the first pipeline whose commands include
// a PTTL of key has been answered: a concurrent writer that moves in
// between the check of an entry and the script that prunes it.
type raceHook struct {
	key  string
	act  func()
	done atomic.Bool
}

func (*raceHook) DialHook(next redis.DialHook) redis.DialHook          { return next }
func (*raceHook) ProcessHook(next redis.ProcessHook) redis.ProcessHook { return next }

func (h *raceHook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		err := next(ctx, cmds)
		for _, c := range cmds {
			if strings.EqualFold(c.Name(), "pttl") && fmt.Sprint(c.Args()[1]) == h.key && !h.done.Swap(true) {
				h.act()
				break
			}
		}
		return err
	}
}

// TestUserIndexPruneRaces: the prune that follows a check leaves an entry
// alone when someone tied its key again in between: a key whose record
// came back is not dropped, and a newer score is not undone.
func TestUserIndexPruneRaces(t *testing.T) {
	ctx := context.Background()
	addr := redisAddr(t)
	other, p := indexStore(t, newClient(t, addr))
	for _, c := range []struct {
		name  string
		ttl   time.Duration // the racing Tie's
		touch bool          // the record lives on, refreshed, rather than being gone
		list  bool          // the check is a listing's, not a Tie's
	}{
		{"TieGone", time.Hour, false, false},
		{"TieRefreshed", 5 * time.Hour, true, false},
		{"ListGone", time.Hour, false, true},
		{"ListRefreshed", 5 * time.Hour, true, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			rdb := newClient(t, addr)
			key := p + c.name
			h := &raceHook{key: key, act: func() {
				// What a login on the same key would do, if it could: write
				// the record again and tie it.
				if err := other.Delete(ctx, key); err != nil {
					t.Error(err)
				}
				create(t, other, "alice", key, c.ttl)
			}}
			rdb.AddHook(h)
			s := redisstore.New(rdb, redisstore.WithKeyPrefix(p))
			create(t, s, "alice", key, 50*time.Millisecond)
			if c.touch {
				if _, _, err := s.LoadTouch(ctx, key, time.Hour); err != nil {
					t.Fatal(err)
				}
			}
			time.Sleep(100 * time.Millisecond)
			if c.list {
				if _, err := s.UserRecords(ctx, "alice"); err != nil {
					t.Fatal(err)
				}
			} else if err := s.Tie(ctx, "alice", key+"-other", time.Hour); err != nil {
				t.Fatal(err)
			}
			if !h.done.Load() {
				t.Fatalf("the check never sent PTTL %s", key)
			}
			z := zset(t, rdb, redisstore.UserKeyOf(s, "alice"))
			score, ok := z[key]
			if !ok {
				t.Fatalf("the prune dropped %s, tied again after its check", key)
			}
			near(t, "the entry tied again", score, serverMs(t, rdb)+float64(c.ttl.Milliseconds()), 2*time.Second)
		})
	}
}

// TestUserIndexWaitReplicas: with WithWaitReplicas, Tie and Untie wait as
// the other writes do, on a master without a replica failing with
// ErrNotReplicated though the master applied them; the scripts still go
// with EVAL after SCRIPT FLUSH.
func TestUserIndexWaitReplicas(t *testing.T) {
	ctx := context.Background()
	rdb := newClient(t, privateRedis(t))
	s, p := indexStore(t, rdb, redisstore.WithWaitReplicas(1, 50*time.Millisecond))
	ukey := redisstore.UserKeyOf(s, "alice")
	if err := s.Tie(ctx, "alice", p+"k", time.Hour); !errors.Is(err, redisstore.ErrNotReplicated) {
		t.Fatalf("Tie = %v; want ErrNotReplicated", err)
	}
	if got := members(zset(t, rdb, ukey)); !slices.Equal(got, []string{p + "k"}) {
		t.Fatalf("index after the unreplicated Tie: %q; want the key", got)
	}
	if err := rdb.ScriptFlush(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	if err := s.Tie(ctx, "alice", p+"k2", time.Hour); !errors.Is(err, redisstore.ErrNotReplicated) {
		t.Fatalf("Tie after SCRIPT FLUSH = %v; want ErrNotReplicated", err)
	}
	if err := s.Untie(ctx, "alice", p+"k"); !errors.Is(err, redisstore.ErrNotReplicated) {
		t.Fatalf("Untie = %v; want ErrNotReplicated", err)
	}
	if got := members(zset(t, rdb, ukey)); !slices.Equal(got, []string{p + "k2"}) {
		t.Fatalf("index after the unreplicated Untie: %q; want k2 only", got)
	}
	// A listing reads: it sends no WAIT.
	if err := rdb.Set(ctx, p+"k2", "v", time.Hour).Err(); err != nil {
		t.Fatal(err)
	}
	count := &counter{}
	rdb.AddHook(count)
	count.start()
	recs, err := s.UserRecords(ctx, "alice")
	_, cmds := count.stop()
	if err != nil || len(recs) != 1 {
		t.Fatalf("UserRecords = %v, %v; want k2", recs, err)
	}
	for _, c := range cmds {
		if strings.HasPrefix(strings.ToLower(c), "wait") {
			t.Errorf("UserRecords sent %q; a read should not wait for replicas (all: %q)", c, cmds)
		}
	}
}

// TestUserIndexCluster: on a three-node Cluster, a user whose sessions
// live on every node has them all listed, expired and deleted ones are
// pruned across nodes, and nothing fails with CROSSSLOT: the scripts touch
// the user's key alone, and the records' GET and PTTL go node by node.
func TestUserIndexCluster(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a three-node Redis Cluster; skipped with -short")
	}
	ctx := context.Background()
	addrs := privateCluster(t, 3)
	cc := redis.NewClusterClient(&redis.ClusterOptions{Addrs: addrs, ContextTimeoutEnabled: true})
	t.Cleanup(func() { _ = cc.Close() })
	count := &counter{}
	cc.AddHook(count)
	trips := &nodeTrips{}
	cc.OnNewNode(func(n *redis.Client) { n.AddHook(trips) })
	if err := cc.ForEachShard(ctx, func(ctx context.Context, n *redis.Client) error { return n.Ping(ctx).Err() }); err != nil {
		t.Fatal(err)
	}
	loadIndexScripts(t, cc)
	s, p := indexStore(t, cc)
	ukey := redisstore.UserKeyOf(s, "carol")

	var keys []string
	nodes := map[string]bool{}
	for i := range 30 {
		key := fmt.Sprintf("%s%d", p, i)
		create(t, s, "carol", key, time.Hour)
		keys = append(keys, key)
		node, err := cc.MasterForKey(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		nodes[node.Options().Addr] = true
	}
	if len(nodes) != 3 {
		t.Fatalf("the sessions landed on %d nodes; want all 3", len(nodes))
	}
	listed := func(what string, wantTrips int, want []string) {
		t.Helper()
		count.start()
		before := trips.n.Load()
		recs, err := s.UserRecords(ctx, "carol")
		n, cmds := count.stop()
		nodeTrips := trips.n.Load() - before
		if err != nil {
			t.Fatalf("%s: UserRecords: %v", what, err)
		}
		if n != wantTrips {
			t.Errorf("%s: UserRecords took %d round trips %q; want %d", what, n, cmds, wantTrips)
		}
		// One to the user's node, then one pipeline to each node that
		// holds records, side by side, then the prune if any.
		if limit := int64(wantTrips - 1 + len(nodes)); nodeTrips > limit {
			t.Errorf("%s: %d round trips to nodes; want at most %d", what, nodeTrips, limit)
		}
		var got []string
		for _, r := range recs {
			if string(r.Record.Data) != "data of "+r.Key {
				t.Errorf("%s: %s holds %q", what, r.Key, r.Record.Data)
			}
			got = append(got, r.Key)
		}
		slices.Sort(got)
		want = slices.Sorted(slices.Values(want))
		if !slices.Equal(got, want) {
			t.Fatalf("%s: listed %d records %q; want %d", what, len(got), got, len(want))
		}
	}
	listed("30 live sessions on 3 nodes", 2, keys)

	// Deleted without their untie, on several nodes.
	gone := map[string]bool{}
	for _, key := range keys[:6] {
		if err := s.Delete(ctx, key); err != nil {
			t.Fatal(err)
		}
		gone[key] = true
	}
	listed("6 deleted", 3, keys[6:])
	if n := cc.ZCard(ctx, ukey).Val(); n != 24 {
		t.Errorf("index after listing 6 deleted: %d entries; want 24", n)
	}

	// Expired, on several nodes: the next Tie drops them.
	var short []string
	shortNodes := map[string]bool{}
	for i := range 9 {
		key := fmt.Sprintf("%sshort%d", p, i)
		create(t, s, "carol", key, 50*time.Millisecond)
		short = append(short, key)
		node, _ := cc.MasterForKey(ctx, key)
		shortNodes[node.Options().Addr] = true
	}
	if len(shortNodes) < 2 {
		t.Logf("the short sessions landed on %d node(s) only", len(shortNodes))
	}
	time.Sleep(100 * time.Millisecond)
	count.start()
	if err := s.Tie(ctx, "carol", p+"late", time.Hour); err != nil {
		t.Fatal(err)
	}
	if n, cmds := count.stop(); n != 3 {
		t.Errorf("Tie over 9 expired entries: %d round trips %q; want 3", n, cmds)
	}
	if got := cc.ZCard(ctx, ukey).Val(); got != 25 {
		t.Errorf("index after the pruning Tie: %d entries; want 25", got)
	}
	count.start()
	if err := s.Untie(ctx, "carol", p+"late"); err != nil {
		t.Fatal(err)
	}
	if n, cmds := count.stop(); n != 1 {
		t.Errorf("Untie: %d round trips %q; want 1", n, cmds)
	}
	listed("after the pruning Tie", 2, keys[6:])

	for _, key := range keys[6:] {
		if err := s.Untie(ctx, "carol", key); err != nil {
			t.Fatal(err)
		}
	}
	if n := cc.Exists(ctx, ukey).Val(); n != 0 {
		t.Errorf("the index outlived its last member")
	}
	listed("untied all", 1, nil)
}

// TestUserIndexSentinel: through a Sentinel (failover) client with
// WithWaitReplicas(1, …), on a master with its replica, Tie and Untie wait
// and succeed, and once they have returned the replica holds the index as
// the master does.
func TestUserIndexSentinel(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Redis master, a replica and three sentinels; skipped with -short")
	}
	ctx := context.Background()
	g := privateSentinelGroup(t)
	fc := redis.NewFailoverClient(&redis.FailoverOptions{
		MasterName: sentinelMaster, SentinelAddrs: g.sentinelAddrs(), ContextTimeoutEnabled: true,
		ReadTimeout: 2 * time.Second,
	})
	t.Cleanup(func() { _ = fc.Close() })
	s, p := indexStore(t, fc, redisstore.WithWaitReplicas(1, time.Second))
	ukey := redisstore.UserKeyOf(s, "dave")
	replica := g.admin[g.replica.addr]
	k1, k2 := p+"k1", p+"k2"
	create(t, s, "dave", k1, time.Hour)
	create(t, s, "dave", k2, time.Hour)
	if got := members(zset(t, replica, ukey)); !slices.Equal(got, []string{k1, k2}) {
		t.Fatalf("the replica's index right after two waited Ties: %q; want k1, k2", got)
	}
	recs, err := s.UserRecords(ctx, "dave")
	if err != nil || len(recs) != 2 {
		t.Fatalf("UserRecords = %d records, %v; want 2", len(recs), err)
	}
	if err := s.Untie(ctx, "dave", k1); err != nil {
		t.Fatalf("Untie: %v", err)
	}
	if got := members(zset(t, replica, ukey)); !slices.Equal(got, []string{k2}) {
		t.Fatalf("the replica's index right after a waited Untie: %q; want k2", got)
	}
}

// TestUserIndexThroughMiddleware: the session core on the Store with
// Config.Users, through the net/http middleware, on the single node and on
// a Cluster: two clients log in as
// one user, the user's sessions list both, "log out everywhere" ends both,
// and the user's index is gone with them.
func TestUserIndexThroughMiddleware(t *testing.T) {
	clients := map[string]func(t *testing.T) redis.UniversalClient{
		"node": func(t *testing.T) redis.UniversalClient { return newClient(t, redisAddr(t)) },
		"cluster": func(t *testing.T) redis.UniversalClient {
			if testing.Short() {
				t.Skip("starts a three-node Redis Cluster; skipped with -short")
			}
			c := redis.NewClusterClient(&redis.ClusterOptions{Addrs: privateCluster(t, 3), ContextTimeoutEnabled: true})
			t.Cleanup(func() { _ = c.Close() })
			return c
		},
	}
	for _, name := range []string{"node", "cluster"} {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			rdb := clients[name](t)
			s, p := indexStore(t, rdb)
			m, err := sessions.New(sessions.Config{
				Store:     s,
				SecretKey: []byte("user-index-test-secret-key-32byt"),
				KeyPrefix: p,
				Users:     &sessions.UserIndexConfig{},
				Logger:    slog.New(slog.NewTextHandler(io.Discard, nil)),
			})
			if err != nil {
				t.Fatal(err)
			}
			mux := http.NewServeMux()
			mux.HandleFunc("GET /login", func(w http.ResponseWriter, r *http.Request) { sessions.Get(r).SetUser("erin") })
			mux.HandleFunc("GET /who", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, sessions.Get(r).User()) })
			r := httpsession.Middleware(m)(mux)
			do := func(path string, cookie *http.Cookie) *httptest.ResponseRecorder {
				req := httptest.NewRequest(http.MethodGet, path, nil)
				if cookie != nil {
					req.AddCookie(cookie)
				}
				w := httptest.NewRecorder()
				r.ServeHTTP(w, req)
				if w.Code != http.StatusOK {
					t.Fatalf("%s: %d %s", path, w.Code, w.Body)
				}
				return w
			}
			var cookies []*http.Cookie
			for range 2 {
				w := do("/login", nil)
				if len(w.Result().Cookies()) != 1 {
					t.Fatalf("/login set %d cookies", len(w.Result().Cookies()))
				}
				cookies = append(cookies, w.Result().Cookies()[0])
			}
			for _, c := range cookies {
				if who := do("/who", c).Body.String(); who != "erin" {
					t.Fatalf("/who = %q; want erin", who)
				}
			}
			list, err := m.UserSessions(ctx, "erin")
			if err != nil || len(list) != 2 {
				t.Fatalf("UserSessions = %d sessions, %v; want 2", len(list), err)
			}
			if n := rdb.ZCard(ctx, redisstore.UserKeyOf(s, "erin")).Val(); n != 2 {
				t.Errorf("the index holds %d entries; want 2", n)
			}
			n, err := m.RevokeAll(ctx, "erin", "")
			if err != nil || n != 2 {
				t.Fatalf("RevokeAll = %d, %v; want 2", n, err)
			}
			for _, c := range cookies {
				if who := do("/who", c).Body.String(); who != "" {
					t.Errorf("/who after RevokeAll = %q; want no user", who)
				}
			}
			if n := rdb.Exists(ctx, redisstore.UserKeyOf(s, "erin")).Val(); n != 0 {
				t.Errorf("the index outlived the user's sessions")
			}
		})
	}
}

// No key of the index holds the user ID: it is hashed, so that e-mail
// addresses do not show up in key names and a user ID with braces cannot
// pick its own Cluster slot.
func TestUserIndexKeysHashUser(t *testing.T) {
	ctx := context.Background()
	rdb := newClient(t, redisAddr(t))
	s, p := indexStore(t, rdb)
	user := "alice@example.com{x}"
	k := p + "k-hash"
	create(t, s, user, k, time.Hour)
	keys, err := rdb.Keys(ctx, p+"*").Result()
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, key := range keys {
		if strings.Contains(key, "alice") || strings.Contains(key, "{") {
			t.Errorf("key %q holds the user ID", key)
		}
		if key == redisstore.UserKeyOf(s, user) {
			found = true
		}
	}
	if !found {
		t.Errorf("no index key among %q", keys)
	}
	recs, err := s.UserRecords(ctx, user)
	if err != nil || len(recs) != 1 || recs[0].Key != k {
		t.Errorf("UserRecords = %v, %v; want the one record", recs, err)
	}
}
