package redisstore_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/serversession/serversession/backends/redisstore"
	"github.com/serversession/serversession/backends/storetest"
	"github.com/serversession/serversession/sessions"
)

// TestWaitReplicasWithoutReplica: on a master with no replica, every write
// made with WithWaitReplicas fails with ErrNotReplicated once the timeout is
// over, and a request whose save fails that way gets a 500, never a 200.
func TestWaitReplicasWithoutReplica(t *testing.T) {
	rdb := newClient(t, privateRedis(t))
	p := prefix(t)
	s := redisstore.New(rdb, redisstore.WithWaitReplicas(1, 50*time.Millisecond), redisstore.WithKeyPrefix(p))
	ctx := context.Background()
	key := p + "k"
	start := time.Now()
	err := s.Create(ctx, key, []byte("v1"), time.Hour)
	if !errors.Is(err, redisstore.ErrNotReplicated) {
		t.Fatalf("Create = %v; want ErrNotReplicated", err)
	}
	if d := time.Since(start); d < 50*time.Millisecond {
		t.Errorf("Create failed after %v, before the 50ms WAIT timeout", d)
	}
	// The write itself reached the master: it is only not known to survive.
	rec, ok, err := s.Load(ctx, key)
	if err != nil || !ok || string(rec.Data) != "v1" {
		t.Fatalf("Load = %q, %v, %v", rec.Data, ok, err)
	}
	if err := s.Replace(ctx, key, rec, []byte("v2"), time.Hour); !errors.Is(err, redisstore.ErrNotReplicated) {
		t.Errorf("Replace = %v; want ErrNotReplicated", err)
	}
	// A refused write is a conflict, whatever WAIT says.
	if err := s.Replace(ctx, key, rec, []byte("v3"), time.Hour); !errors.Is(err, sessions.ErrConflict) {
		t.Errorf("stale Replace = %v; want ErrConflict", err)
	}
	if err := s.DeleteIf(ctx, key, sessions.Record{Data: []byte("v2")}); !errors.Is(err, redisstore.ErrNotReplicated) {
		t.Errorf("DeleteIf = %v; want ErrNotReplicated", err)
	}
	if err := s.Delete(ctx, key); !errors.Is(err, redisstore.ErrNotReplicated) {
		t.Errorf("Delete = %v; want ErrNotReplicated", err)
	}
	w := httptest.NewRecorder()
	counterApp(s, p).ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/incr", nil))
	if w.Code != http.StatusInternalServerError || w.Header().Get("Set-Cookie") != "" {
		t.Errorf("/incr with an unreplicated save = %d %v; want 500 and no cookie", w.Code, w.Header())
	}
	// After SCRIPT FLUSH the scripts go again with EVAL, and still wait.
	if err := rdb.ScriptFlush(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	if err := rdb.Set(ctx, key, "v1", time.Hour).Err(); err != nil {
		t.Fatal(err)
	}
	if err := s.Replace(ctx, key, sessions.Record{Data: []byte("v1")}, []byte("v2"), time.Hour); !errors.Is(err, redisstore.ErrNotReplicated) {
		t.Errorf("Replace after SCRIPT FLUSH = %v; want ErrNotReplicated", err)
	}
	if got := rdb.Get(ctx, key).Val(); got != "v2" {
		t.Errorf("after Replace: %q; want v2", got)
	}
}

// nodeTrips counts the round trips a ClusterClient makes to its nodes: one
// per command or pipeline a node client sends, leaving out the client's
// own CLUSTER SLOTS.
type nodeTrips struct{ n atomic.Int64 }

func (*nodeTrips) DialHook(next redis.DialHook) redis.DialHook { return next }

func (h *nodeTrips) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if name := strings.ToLower(cmd.Name()); name != "cluster" && name != "hello" && name != "client" {
			h.n.Add(1)
		}
		return next(ctx, cmd)
	}
}

func (h *nodeTrips) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		if len(cmds) > 0 && strings.ToLower(cmds[0].Name()) != "hello" && strings.ToLower(cmds[0].Name()) != "client" {
			h.n.Add(1)
		}
		return next(ctx, cmds)
	}
}

// BenchmarkClusterRequest measures requests through the net/http middleware on a private
// Cluster of three masters and three replicas, with and without
// WithWaitReplicas(1, …): ns/op, store calls per request (0/1/2/1 for
// untouched/read/read-modify-write/create) and network round trips to the
// nodes per request, which WAIT does not add to.
func BenchmarkClusterRequest(b *testing.B) {
	c := privateReplicatedCluster(b)
	trips := &nodeTrips{}
	cc := redis.NewClusterClient(&redis.ClusterOptions{Addrs: c.addrs(), ContextTimeoutEnabled: true})
	cc.OnNewNode(func(n *redis.Client) { n.AddHook(trips) })
	b.Cleanup(func() { _ = cc.Close() })
	if err := cc.ForEachShard(context.Background(), func(ctx context.Context, n *redis.Client) error { return n.Ping(ctx).Err() }); err != nil {
		b.Fatal(err)
	}
	scenarios := []struct {
		name, path string
		cookie     bool
		calls      int64
	}{
		{"untouched", "/untouched", true, 0},
		{"read", "/get", true, 1},
		{"rmw", "/incr", true, 2},
		{"create", "/incr", false, 1},
	}
	for _, wait := range []bool{false, true} {
		b.Run("wait="+map[bool]string{false: "off", true: "on"}[wait], func(b *testing.B) {
			p := prefix(b)
			calls, store := storetest.Count(redisstore.New(cc, append(storeOptions(wait), redisstore.WithKeyPrefix(p))...))
			h := counterApp(store, p)
			for _, sc := range scenarios {
				b.Run("scenario="+sc.name, func(b *testing.B) {
					var cookie *http.Cookie
					if sc.cookie {
						w := httptest.NewRecorder()
						h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/incr", nil))
						cookie = w.Result().Cookies()[0]
					}
					beforeCalls, beforeTrips := calls.Calls(), trips.n.Load()
					b.ReportAllocs()
					b.ResetTimer()
					for range b.N {
						req := httptest.NewRequest(http.MethodGet, sc.path, nil)
						if cookie != nil {
							req.AddCookie(cookie)
						}
						w := httptest.NewRecorder()
						h.ServeHTTP(w, req)
						if w.Code != http.StatusOK {
							b.Fatalf("%s: status %d", sc.path, w.Code)
						}
					}
					b.StopTimer()
					perCall := float64(calls.Calls()-beforeCalls) / float64(b.N)
					b.ReportMetric(perCall, "storecalls/op")
					b.ReportMetric(float64(trips.n.Load()-beforeTrips)/float64(b.N), "roundtrips/op")
					if perCall != float64(sc.calls) {
						b.Errorf("%s: %.2f store calls per request; want %d", sc.name, perCall, sc.calls)
					}
				})
			}
		})
	}
}

// Waited writes through a redis.Ring are refused with a message that says
// why, rather than waiting on a shard that did not take the write.
func TestWaitReplicasRefusesRing(t *testing.T) {
	ring := redis.NewRing(&redis.RingOptions{Addrs: map[string]string{"a": "127.0.0.1:1"}})
	defer ring.Close()
	s := redisstore.New(ring, redisstore.WithWaitReplicas(1, 100*time.Millisecond))
	err := s.Create(context.Background(), "k", []byte("v"), time.Minute)
	if err == nil || !strings.Contains(err.Error(), "redis.Ring") {
		t.Errorf("Create through a Ring with waiting on: %v, want an error naming redis.Ring", err)
	}
}

// replyLoser is a go-redis hook for a Cluster's node clients: the next
// pipeline whose first command is one of those named by lose reaches its
// node and is applied, and then fails as over a dropped connection, its
// reply lost. A pipeline whose first command the node refused (NOSCRIPT)
// keeps its reply.
type replyLoser struct {
	mu   sync.Mutex
	next []string // the commands whose reply to lose; none when empty
	lost int
}

// errLostReply is what a pipeline whose reply was lost fails with.
var errLostReply = fmt.Errorf("reply lost: %w", io.ErrUnexpectedEOF)

// lose arms the hook for the next pipeline that starts with one of cmds.
func (h *replyLoser) lose(cmds ...string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.next = cmds
}

// losses returns how many replies were lost so far, and whether the hook
// is still armed.
func (h *replyLoser) losses() (int, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.lost, len(h.next) > 0
}

func (*replyLoser) DialHook(next redis.DialHook) redis.DialHook { return next }

func (*replyLoser) ProcessHook(next redis.ProcessHook) redis.ProcessHook { return next }

func (h *replyLoser) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		err := next(ctx, cmds)
		if len(cmds) == 0 {
			return err
		}
		var refused redis.Error
		if cerr := cmds[0].Err(); cerr != nil && !errors.Is(cerr, redis.Nil) && errors.As(cerr, &refused) {
			return err
		}
		h.mu.Lock()
		defer h.mu.Unlock()
		if !slices.Contains(h.next, strings.ToLower(cmds[0].Name())) {
			return err
		}
		h.next = nil
		h.lost++
		for _, c := range cmds {
			c.SetErr(errLostReply)
		}
		return errLostReply
	}
}

// TestClusterWaitLostReply: on a Cluster with WithWaitReplicas, a write
// whose reply is lost after it was applied is sent again, and the retry
// counts the write in place as its own: a Create is not a conflict over
// the record it created, nor a Replace over the data it wrote. A record
// that another write put there still is a conflict, and a DeleteIf whose
// retry finds the record gone stays one (it cannot tell its own DEL from
// another request's).
func TestClusterWaitLostReply(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a six-node Redis Cluster; skipped with -short")
	}
	c := privateReplicatedCluster(t)
	loser := &replyLoser{}
	cc := redis.NewClusterClient(&redis.ClusterOptions{Addrs: c.addrs(), ContextTimeoutEnabled: true, MaxRetries: 3})
	cc.OnNewNode(func(n *redis.Client) { n.AddHook(loser) })
	t.Cleanup(func() { _ = cc.Close() })
	p := prefix(t)
	s := redisstore.New(cc, redisstore.WithWaitReplicas(1, waitTimeout), redisstore.WithKeyPrefix(p))
	ctx := context.Background()
	key, other := p+"k", p+"other"

	lostOne := func(what string, want int) {
		t.Helper()
		if n, armed := loser.losses(); n != want || armed {
			t.Fatalf("%s: %d replies lost (hook still armed: %v); want %d", what, n, armed, want)
		}
	}
	holds := func(what, key, want string) {
		t.Helper()
		got, err := cc.Get(ctx, key).Result()
		if err != nil || got != want {
			t.Fatalf("%s: %s holds %q, %v; want %q", what, key, got, err, want)
		}
	}

	loser.lose("set")
	if err := s.Create(ctx, key, []byte("v1"), time.Hour); err != nil {
		t.Errorf("Create whose reply was lost = %v; want success (its first try created the record)", err)
	}
	lostOne("Create", 1)
	holds("after Create", key, "v1")
	if ttl := cc.PTTL(ctx, key).Val(); ttl <= 0 || ttl > time.Hour {
		t.Errorf("after Create: TTL %v; want within an hour", ttl)
	}

	// Replace once without a lost reply, so that the node knows the script
	// and the try whose reply is lost runs it.
	if err := s.Replace(ctx, key, sessions.Record{Data: []byte("v1")}, []byte("v2"), time.Hour); err != nil {
		t.Fatal(err)
	}
	loser.lose("evalsha", "eval")
	if err := s.Replace(ctx, key, sessions.Record{Data: []byte("v2")}, []byte("v3"), time.Hour); err != nil {
		t.Errorf("Replace whose reply was lost = %v; want success (its first try wrote v3)", err)
	}
	lostOne("Replace", 2)
	holds("after Replace", key, "v3")

	// Conflicts stay conflicts.
	if err := cc.Set(ctx, other, "theirs", time.Hour).Err(); err != nil {
		t.Fatal(err)
	}
	loser.lose("set")
	if err := s.Create(ctx, other, []byte("mine"), time.Hour); !errors.Is(err, sessions.ErrConflict) {
		t.Errorf("Create over another record, its reply lost = %v; want ErrConflict", err)
	}
	lostOne("Create over another record", 3)
	holds("after a refused Create", other, "theirs")
	loser.lose("evalsha", "eval")
	if err := s.Replace(ctx, key, sessions.Record{Data: []byte("v1")}, []byte("v4"), time.Hour); !errors.Is(err, sessions.ErrConflict) {
		t.Errorf("stale Replace, its reply lost = %v; want ErrConflict", err)
	}
	lostOne("stale Replace", 4)
	holds("after a refused Replace", key, "v3")

	loser.lose("evalsha", "eval")
	if err := s.DeleteIf(ctx, key, sessions.Record{Data: []byte("v3")}); !errors.Is(err, sessions.ErrConflict) {
		t.Errorf("DeleteIf whose reply was lost = %v; want ErrConflict", err)
	}
	lostOne("DeleteIf", 5)
	if n := cc.Exists(ctx, key).Val(); n != 0 {
		t.Errorf("DeleteIf whose reply was lost left the record")
	}
}
