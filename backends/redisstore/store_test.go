package redisstore_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/serversession/serversession/backends/redisstore"
	"github.com/serversession/serversession/internal/testserver"
	"github.com/serversession/serversession/sessions"
)

// TestBasics covers what the session core relies on, directly: create,
// load, replace, delete and load-touch, missing keys, and that
// returned bytes belong to the caller.
func TestBasics(t *testing.T) {
	ctx := context.Background()
	rdb := newClient(t, redisAddr(t))
	s := redisstore.New(rdb)
	key := prefix(t) + "k"

	if rec, ok, err := s.Load(ctx, key); err != nil || ok || rec.Data != nil || rec.Version != 0 {
		t.Fatalf("Load(missing) = %+v, %v, %v; want zero Record, false, nil", rec, ok, err)
	}
	if rec, ok, err := s.LoadTouch(ctx, key, time.Minute); err != nil || ok || rec.Data != nil {
		t.Fatalf("LoadTouch(missing) = %+v, %v, %v; want zero Record, false, nil", rec, ok, err)
	}
	if err := s.Delete(ctx, key); err != nil {
		t.Fatalf("Delete(missing) = %v; want nil", err)
	}
	if n := rdb.Exists(ctx, key).Val(); n != 0 {
		t.Fatalf("LoadTouch of a missing key created it")
	}

	in := []byte("v1")
	if err := s.Create(ctx, key, in, time.Minute); err != nil {
		t.Fatalf("Create: %v", err)
	}
	in[0] = 'X' // the store must not keep the caller's slice
	rec, ok, err := s.Load(ctx, key)
	if err != nil || !ok || string(rec.Data) != "v1" || rec.Version != 0 {
		t.Fatalf("Load = %+v, %v, %v; want v1 with Version 0", rec, ok, err)
	}
	rec.Data[0] = 'Y' // nor hand out one that aliases anything it keeps
	if again, _, _ := s.Load(ctx, key); string(again.Data) != "v1" {
		t.Fatalf("Load after mutating a returned slice = %q; want v1", again.Data)
	}

	// What the core passes after its own Create: the bytes, Version 0.
	if err := s.Replace(ctx, key, sessions.Record{Data: []byte("v1")}, []byte("v2"), time.Minute); err != nil {
		t.Fatalf("Replace(v1 -> v2): %v", err)
	}
	rec, ok, err = s.LoadTouch(ctx, key, 2*time.Hour)
	if err != nil || !ok || string(rec.Data) != "v2" || rec.Version != 0 {
		t.Fatalf("LoadTouch = %+v, %v, %v; want v2 with Version 0", rec, ok, err)
	}
	if ttl := rdb.PTTL(ctx, key).Val(); ttl <= time.Hour || ttl > 2*time.Hour {
		t.Fatalf("PTTL after LoadTouch(2h) = %v", ttl)
	}
	// A record LoadTouch returned works as old, and Replace sets the TTL.
	if err := s.Replace(ctx, key, rec, []byte("v3"), 3*time.Hour); err != nil {
		t.Fatalf("Replace(loaded v2 -> v3): %v", err)
	}
	if ttl := rdb.PTTL(ctx, key).Val(); ttl <= 2*time.Hour || ttl > 3*time.Hour {
		t.Fatalf("PTTL after Replace(3h) = %v", ttl)
	}
	if got := rdb.Get(ctx, key).Val(); got != "v3" {
		t.Fatalf("stored after Replace = %q; want v3", got)
	}

	if err := s.Delete(ctx, key); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if _, ok, err := s.Load(ctx, key); err != nil || ok {
		t.Fatalf("Load after Delete = %v, %v; want not found", ok, err)
	}
}

// wantConflict fails t unless err wraps sessions.ErrConflict and names op
// and key.
func wantConflict(t *testing.T, what string, err error, op, key string) {
	t.Helper()
	if !errors.Is(err, sessions.ErrConflict) {
		t.Fatalf("%s = %v; want an error wrapping sessions.ErrConflict", what, err)
	}
	if want := fmt.Sprintf("redisstore: %s %q", op, key); !strings.Contains(err.Error(), want) {
		t.Errorf("%s: error %q does not name %q", what, err, want)
	}
}

// stored returns what Redis holds under key, read past the Store, and
// whether there is anything.
func stored(t *testing.T, rdb redis.UniversalClient, key string) (string, bool) {
	t.Helper()
	v, err := rdb.Get(context.Background(), key).Result()
	if errors.Is(err, redis.Nil) {
		return "", false
	}
	if err != nil {
		t.Fatalf("GET %s: %v", key, err)
	}
	return v, true
}

// TestConditionalWrites checks every way a conditional write must refuse,
// and that a refused write changes nothing and creates nothing.
func TestConditionalWrites(t *testing.T) {
	ctx := context.Background()
	rdb := newClient(t, redisAddr(t))
	s := redisstore.New(rdb)
	p := prefix(t)

	t.Run("CreateOverExisting", func(t *testing.T) {
		key := p + "create"
		if err := s.Create(ctx, key, []byte("first"), time.Hour); err != nil {
			t.Fatalf("Create: %v", err)
		}
		wantConflict(t, "Create over a live record", s.Create(ctx, key, []byte("second"), time.Minute), "create", key)
		if v, _ := stored(t, rdb, key); v != "first" {
			t.Fatalf("after the refused Create Redis holds %q; want first", v)
		}
		if ttl := rdb.PTTL(ctx, key).Val(); ttl <= time.Minute {
			t.Fatalf("the refused Create changed the TTL to %v", ttl)
		}
	})
	t.Run("CreateAfterExpiry", func(t *testing.T) {
		key := p + "create-expired"
		if err := s.Create(ctx, key, []byte("short"), 20*time.Millisecond); err != nil {
			t.Fatalf("Create: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
		if err := s.Create(ctx, key, []byte("again"), time.Minute); err != nil {
			t.Fatalf("Create over an expired record: %v", err)
		}
		if v, _ := stored(t, rdb, key); v != "again" {
			t.Fatalf("Redis holds %q; want again", v)
		}
	})
	t.Run("ReplaceStale", func(t *testing.T) {
		key := p + "stale"
		if err := s.Create(ctx, key, []byte("v1"), time.Hour); err != nil {
			t.Fatalf("Create: %v", err)
		}
		old, _, _ := s.Load(ctx, key)
		if err := s.Replace(ctx, key, old, []byte("v2"), time.Hour); err != nil {
			t.Fatalf("Replace(v1 -> v2): %v", err)
		}
		// old still holds v1: a second request that loaded it lost the race.
		wantConflict(t, "Replace from a stale record", s.Replace(ctx, key, old, []byte("v3"), time.Minute), "replace", key)
		if v, _ := stored(t, rdb, key); v != "v2" {
			t.Fatalf("after the refused Replace Redis holds %q; want v2", v)
		}
		if ttl := rdb.PTTL(ctx, key).Val(); ttl <= time.Minute {
			t.Fatalf("the refused Replace changed the TTL to %v", ttl)
		}
		// A prefix or extension of the stored bytes is not equal either.
		for _, o := range []string{"v", "v22", ""} {
			wantConflict(t, fmt.Sprintf("Replace from %q over v2", o), s.Replace(ctx, key, sessions.Record{Data: []byte(o)}, []byte("x"), time.Hour), "replace", key)
		}
		if v, _ := stored(t, rdb, key); v != "v2" {
			t.Fatalf("after the refused Replaces Redis holds %q; want v2", v)
		}
	})
	t.Run("ReplaceAfterDelete", func(t *testing.T) {
		key := p + "deleted"
		if err := s.Create(ctx, key, []byte("v1"), time.Hour); err != nil {
			t.Fatalf("Create: %v", err)
		}
		old, _, _ := s.Load(ctx, key)
		if err := s.Delete(ctx, key); err != nil {
			t.Fatalf("Delete: %v", err)
		}
		wantConflict(t, "Replace after Delete", s.Replace(ctx, key, old, []byte("v2"), time.Hour), "replace", key)
		if v, ok := stored(t, rdb, key); ok {
			t.Fatalf("Replace after Delete created %q", v)
		}
		// Nor does LoadTouch bring the record back.
		if _, ok, err := s.LoadTouch(ctx, key, time.Hour); err != nil || ok {
			t.Fatalf("LoadTouch after Delete = %v, %v; want not found", ok, err)
		}
		if v, ok := stored(t, rdb, key); ok {
			t.Fatalf("LoadTouch after Delete created %q", v)
		}
	})
	t.Run("ReplaceAfterExpiry", func(t *testing.T) {
		key := p + "expired"
		if err := s.Create(ctx, key, []byte("v1"), 20*time.Millisecond); err != nil {
			t.Fatalf("Create: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
		wantConflict(t, "Replace after expiry", s.Replace(ctx, key, sessions.Record{Data: []byte("v1")}, []byte("v2"), time.Hour), "replace", key)
		if v, ok := stored(t, rdb, key); ok {
			t.Fatalf("Replace after expiry created %q", v)
		}
	})
	t.Run("ReplaceMissingWithEmptyOld", func(t *testing.T) {
		// An empty old record must not match a missing one.
		key := p + "never"
		wantConflict(t, "Replace of a missing record", s.Replace(ctx, key, sessions.Record{}, []byte("v"), time.Hour), "replace", key)
		if v, ok := stored(t, rdb, key); ok {
			t.Fatalf("Replace of a missing record created %q", v)
		}
	})
	t.Run("EmptyAndBinaryRecords", func(t *testing.T) {
		key := p + "binary"
		if err := s.Create(ctx, key, nil, time.Hour); err != nil {
			t.Fatalf("Create(empty): %v", err)
		}
		bin := []byte{0, '\r', '\n', 0xff, 0x80, '\'', '"', ']', ']', 0}
		if err := s.Replace(ctx, key, sessions.Record{}, bin, time.Hour); err != nil {
			t.Fatalf("Replace(empty -> binary): %v", err)
		}
		changed := bytes.Clone(bin)
		changed[len(changed)-1] = 1 // differs in the last byte only
		wantConflict(t, "Replace from bytes that differ in the last byte", s.Replace(ctx, key, sessions.Record{Data: changed}, []byte("x"), time.Hour), "replace", key)
		if err := s.Replace(ctx, key, sessions.Record{Data: bin}, nil, time.Hour); err != nil {
			t.Fatalf("Replace(binary -> empty): %v", err)
		}
		if v, ok := stored(t, rdb, key); !ok || v != "" {
			t.Fatalf("Redis holds %q, %v; want an empty record", v, ok)
		}
	})
	t.Run("NonzeroVersionComparesData", func(t *testing.T) {
		// Redis records have no version: a Version from elsewhere is
		// ignored, and the bytes decide.
		key := p + "version"
		if err := s.Create(ctx, key, []byte("v1"), time.Hour); err != nil {
			t.Fatalf("Create: %v", err)
		}
		if err := s.Replace(ctx, key, sessions.Record{Data: []byte("v1"), Version: 7}, []byte("v2"), time.Hour); err != nil {
			t.Fatalf("Replace with matching bytes and a Version: %v", err)
		}
		wantConflict(t, "Replace with stale bytes and a Version", s.Replace(ctx, key, sessions.Record{Data: []byte("v1"), Version: 7}, []byte("v3"), time.Hour), "replace", key)
	})
}

// TestExpiry checks that Redis drops a record once its TTL has passed, and
// that a LoadTouch after that does not bring it back.
func TestExpiry(t *testing.T) {
	ctx := context.Background()
	s := redisstore.New(newClient(t, redisAddr(t)))
	key := prefix(t) + "k"
	if err := s.Create(ctx, key, []byte("v"), 50*time.Millisecond); err != nil {
		t.Fatalf("Create: %v", err)
	}
	time.Sleep(200 * time.Millisecond)
	if rec, ok, err := s.LoadTouch(ctx, key, time.Minute); err != nil || ok {
		t.Fatalf("LoadTouch(expired) = %q, %v, %v; want not found", rec.Data, ok, err)
	}
	if rec, ok, err := s.Load(ctx, key); err != nil || ok {
		t.Fatalf("Load(expired) = %q, %v, %v; want not found", rec.Data, ok, err)
	}
}

// TestCommandsPerOperation counts, with a go-redis hook, the round trips and
// commands each operation sends: one round trip and one command each, with
// SET NX for Create, one EVALSHA for Replace and for DeleteIf (refused or
// not) and GETEX for LoadTouch.
func TestCommandsPerOperation(t *testing.T) {
	ctx := context.Background()
	rdb, hook := countedClient(t, redisAddr(t))
	s := redisstore.New(rdb)
	key := prefix(t) + "k"
	// go-redis sends the script's text once (EVAL) where the server does
	// not know it yet (TestReplaceLoadsScript); see that it does here.
	if err := s.Replace(ctx, prefix(t)+"warm-up", sessions.Record{}, nil, time.Minute); !errors.Is(err, sessions.ErrConflict) {
		t.Fatalf("Replace of a missing record = %v; want ErrConflict", err)
	}
	if err := s.DeleteIf(ctx, prefix(t)+"warm-up", sessions.Record{}); !errors.Is(err, sessions.ErrConflict) {
		t.Fatalf("DeleteIf of a missing record = %v; want ErrConflict", err)
	}

	ops := []struct {
		name     string
		do       func() error
		conflict bool
		want     string
	}{
		{"Create", func() error { return s.Create(ctx, key, []byte("data"), time.Hour) }, false, "set " + key + " <4 bytes> px 3600000 nx"},
		{"Create (conflict)", func() error { return s.Create(ctx, key, []byte("data"), time.Hour) }, true, "set " + key + " <4 bytes> px 3600000 nx"},
		{"Load", func() error { _, _, err := s.Load(ctx, key); return err }, false, "get " + key},
		{"Replace", func() error {
			return s.Replace(ctx, key, sessions.Record{Data: []byte("data")}, []byte("data2"), time.Hour)
		}, false, "evalsha * 1 " + key + " <4 bytes> <5 bytes> 3600000"},
		{"Replace (conflict)", func() error {
			return s.Replace(ctx, key, sessions.Record{Data: []byte("data")}, []byte("data3"), time.Hour)
		}, true, "evalsha * 1 " + key + " <4 bytes> <5 bytes> 3600000"},
		{"LoadTouch", func() error { _, _, err := s.LoadTouch(ctx, key, time.Hour); return err }, false, "getex " + key + " px 3600000"},
		{"DeleteIf (conflict)", func() error { return s.DeleteIf(ctx, key, sessions.Record{Data: []byte("data")}) }, true, "evalsha * 1 " + key + " <4 bytes>"},
		{"DeleteIf", func() error { return s.DeleteIf(ctx, key, sessions.Record{Data: []byte("data2")}) }, false, "evalsha * 1 " + key + " <5 bytes>"},
		{"DeleteIf missing", func() error { return s.DeleteIf(ctx, key, sessions.Record{Data: []byte("data2")}) }, true, "evalsha * 1 " + key + " <5 bytes>"},
		{"Create again", func() error { return s.Create(ctx, key, []byte("data"), time.Hour) }, false, "set " + key + " <4 bytes> px 3600000 nx"},
		{"Delete", func() error { return s.Delete(ctx, key) }, false, "del " + key},
		{"LoadTouch missing", func() error { _, _, err := s.LoadTouch(ctx, key, time.Hour); return err }, false, "getex " + key + " px 3600000"},
		{"Replace missing", func() error {
			return s.Replace(ctx, key, sessions.Record{Data: []byte("data")}, []byte("data2"), time.Hour)
		}, true, "evalsha * 1 " + key + " <4 bytes> <5 bytes> 3600000"},
	}
	for _, op := range ops {
		hook.start()
		err := op.do()
		trips, cmds := hook.stop()
		if op.conflict != errors.Is(err, sessions.ErrConflict) || (!op.conflict && err != nil) {
			t.Fatalf("%s = %v; want conflict %v", op.name, err, op.conflict)
		}
		if trips != 1 || len(cmds) != 1 || !matchCommand(cmds[0], op.want) {
			t.Errorf("%s sent %d round trips, commands %q; want 1 round trip, [%q]", op.name, trips, cmds, op.want)
		}
	}
}

// matchCommand reports whether cmd is want, where a "*" word in want
// stands for any one word (the script's SHA-1).
func matchCommand(cmd, want string) bool {
	c, w := strings.Fields(cmd), strings.Fields(want)
	if len(c) != len(w) {
		return false
	}
	for i := range w {
		if w[i] != "*" && w[i] != c[i] {
			return false
		}
	}
	return true
}

// TestReplaceLoadsScript runs Replace and DeleteIf on a server of the
// test's own whose script cache is empty: the first call of each gets
// NOSCRIPT from EVALSHA and go-redis sends its script with EVAL (two round
// trips, once); from then on each call is one EVALSHA.
func TestReplaceLoadsScript(t *testing.T) {
	ctx := context.Background()
	rdb, hook := countedClient(t, privateRedis(t))
	if err := rdb.ScriptFlush(ctx).Err(); err != nil { // the test's own server
		t.Fatalf("SCRIPT FLUSH: %v", err)
	}
	s := redisstore.New(rdb)
	key := prefix(t) + "k"
	if err := s.Create(ctx, key, []byte("v0"), time.Hour); err != nil {
		t.Fatalf("Create: %v", err)
	}
	for i := 1; i <= 3; i++ {
		hook.start()
		err := s.Replace(ctx, key, sessions.Record{Data: fmt.Appendf(nil, "v%d", i-1)}, fmt.Appendf(nil, "v%d", i), time.Hour)
		trips, cmds := hook.stop()
		if err != nil {
			t.Fatalf("Replace #%d: %v", i, err)
		}
		wantTrips, wantVerb := 1, []string{"evalsha"}
		if i == 1 {
			wantTrips, wantVerb = 2, []string{"evalsha", "eval"}
		}
		if trips != wantTrips || len(cmds) != len(wantVerb) {
			t.Fatalf("Replace #%d sent %d round trips %q; want %d (%v)", i, trips, cmds, wantTrips, wantVerb)
		}
		for j, v := range wantVerb {
			if f := strings.Fields(cmds[j]); f[0] != v {
				t.Errorf("Replace #%d command %d = %q; want %s", i, j, cmds[j], v)
			}
		}
	}
	if v, _ := stored(t, rdb, key); v != "v3" {
		t.Fatalf("Redis holds %q; want v3", v)
	}
	for i, want := range [][]string{{"evalsha", "eval"}, {"evalsha"}} {
		hook.start()
		err := s.DeleteIf(ctx, key, sessions.Record{Data: []byte("v3")})
		trips, cmds := hook.stop()
		if wantErr := i == 1; wantErr != errors.Is(err, sessions.ErrConflict) || (!wantErr && err != nil) {
			t.Fatalf("DeleteIf #%d = %v; want conflict %v", i+1, err, wantErr)
		}
		if trips != len(want) || len(cmds) != len(want) {
			t.Fatalf("DeleteIf #%d sent %d round trips %q; want %d (%v)", i+1, trips, cmds, len(want), want)
		}
		for j, v := range want {
			if f := strings.Fields(cmds[j]); f[0] != v {
				t.Errorf("DeleteIf #%d command %d = %q; want %s", i+1, j, cmds[j], v)
			}
		}
	}
	if v, ok := stored(t, rdb, key); ok {
		t.Fatalf("after DeleteIf Redis holds %q", v)
	}
}

// TestTTLRoundsUpToMilliseconds checks that a TTL below Redis's granularity
// is rounded up, never down to 0 (which Redis would reject or treat as gone),
// and that a TTL that is not positive is refused by every write.
func TestTTLRoundsUpToMilliseconds(t *testing.T) {
	ctx := context.Background()
	rdb, hook := countedClient(t, redisAddr(t))
	s := redisstore.New(rdb)
	key := prefix(t) + "k"
	hook.start()
	if err := s.Create(ctx, key, []byte("v"), 1500*time.Microsecond); err != nil {
		t.Fatalf("Create(1.5ms): %v", err)
	}
	if _, _, err := s.LoadTouch(ctx, key, time.Nanosecond); err != nil {
		t.Fatalf("LoadTouch(1ns): %v", err)
	}
	_, cmds := hook.stop()
	want := []string{"set " + key + " <1 bytes> px 2 nx", "getex " + key + " px 1"}
	if len(cmds) != 2 || cmds[0] != want[0] || cmds[1] != want[1] {
		t.Fatalf("commands = %q; want %q", cmds, want)
	}
	for _, ttl := range []time.Duration{0, -time.Second} {
		if err := s.Create(ctx, key+"x", []byte("v"), ttl); err == nil {
			t.Errorf("Create(ttl %v) = nil; want an error", ttl)
		}
		if err := s.Replace(ctx, key, sessions.Record{Data: []byte("v")}, []byte("w"), ttl); err == nil || errors.Is(err, sessions.ErrConflict) {
			t.Errorf("Replace(ttl %v) = %v; want an error that is no conflict", ttl, err)
		}
		if _, _, err := s.LoadTouch(ctx, key, ttl); err == nil {
			t.Errorf("LoadTouch(ttl %v) = nil; want an error", ttl)
		}
	}
}

// TestDoneContextSendsNothing checks that every method returns the context's
// error, with context, before sending anything.
func TestDoneContextSendsNothing(t *testing.T) {
	rdb, hook := countedClient(t, redisAddr(t))
	s := redisstore.New(rdb)
	key := prefix(t) + "k"
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	hook.start()
	errs := map[string]error{
		"Create":   s.Create(ctx, key, []byte("v"), time.Minute),
		"Replace":  s.Replace(ctx, key, sessions.Record{Data: []byte("v")}, []byte("w"), time.Minute),
		"DeleteIf": s.DeleteIf(ctx, key, sessions.Record{Data: []byte("v")}),
		"Delete":   s.Delete(ctx, key),
	}
	_, _, errs["Load"] = s.Load(ctx, key)
	_, _, errs["LoadTouch"] = s.LoadTouch(ctx, key, time.Minute)
	trips, cmds := hook.stop()
	for op, err := range errs {
		if !errors.Is(err, context.Canceled) {
			t.Errorf("%s(canceled ctx) = %v; want context.Canceled", op, err)
		}
	}
	if trips != 0 {
		t.Errorf("a canceled context still sent %q", cmds)
	}
}

// TestDeadlineBoundsCommandInFlight points the store at a server that never
// answers: with ContextTimeoutEnabled, the context's deadline, not the
// client's 10 s ReadTimeout, ends the call.
func TestDeadlineBoundsCommandInFlight(t *testing.T) {
	rdb := redis.NewClient(&redis.Options{
		Addr: testserver.Blackhole(t), ContextTimeoutEnabled: true, MaxRetries: -1,
		ReadTimeout: 10 * time.Second, WriteTimeout: 10 * time.Second,
		DisableIdentity: true, Protocol: 2,
	})
	t.Cleanup(func() { _ = rdb.Close() })
	s := redisstore.New(rdb)
	for name, call := range map[string]func(context.Context) error{
		"LoadTouch": func(ctx context.Context) error { _, _, err := s.LoadTouch(ctx, "k", time.Minute); return err },
		"Replace": func(ctx context.Context) error {
			return s.Replace(ctx, "k", sessions.Record{Data: []byte("v")}, []byte("w"), time.Minute)
		},
		"DeleteIf": func(ctx context.Context) error { return s.DeleteIf(ctx, "k", sessions.Record{Data: []byte("v")}) },
	} {
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		start := time.Now()
		err := call(ctx)
		cancel()
		if err == nil || errors.Is(err, sessions.ErrConflict) {
			t.Fatalf("%s against a silent server = %v; want an error that is no conflict", name, err)
		}
		if took := time.Since(start); took > 5*time.Second {
			t.Fatalf("%s took %v; the 200ms deadline was not honoured", name, took)
		}
	}
}

// TestCorruptBytesReturnedAsIs checks that the store hands back whatever is
// stored, byte for byte, even when it is no valid record: decoding is the
// session core's job.
func TestCorruptBytesReturnedAsIs(t *testing.T) {
	ctx := context.Background()
	rdb := newClient(t, redisAddr(t))
	s := redisstore.New(rdb)
	key := prefix(t) + "k"
	corrupt := []byte{0xc1, 0x00, 0xff, '\r', '\n', 0x81, 0xa1} // not msgpack, not JSON
	if err := rdb.Set(ctx, key, corrupt, time.Minute).Err(); err != nil {
		t.Fatalf("SET: %v", err)
	}
	for name, load := range map[string]func() (sessions.Record, bool, error){
		"Load":      func() (sessions.Record, bool, error) { return s.Load(ctx, key) },
		"LoadTouch": func() (sessions.Record, bool, error) { return s.LoadTouch(ctx, key, time.Minute) },
	} {
		got, ok, err := load()
		if err != nil || !ok || !bytes.Equal(got.Data, corrupt) {
			t.Errorf("%s = %x, %v, %v; want %x", name, got.Data, ok, err, corrupt)
		}
	}
}

// TestWithoutGetEx runs LoadTouch against a server on which GETEX does not
// exist (as before Redis 6.2): it falls back to GET + PEXPIRE in one
// pipeline, still one round trip, with the same results.
func TestWithoutGetEx(t *testing.T) {
	ctx := context.Background()
	rdb, hook := countedClient(t, privateRedis(t, "--rename-command", "GETEX", ""))
	s := redisstore.New(rdb)
	key := prefix(t) + "k"
	if err := s.Create(ctx, key, []byte("v"), time.Minute); err != nil {
		t.Fatalf("Create: %v", err)
	}
	for i := 0; i < 2; i++ { // the first call discovers the missing GETEX
		hook.start()
		got, ok, err := s.LoadTouch(ctx, key, time.Hour)
		trips, cmds := hook.stop()
		if err != nil || !ok || string(got.Data) != "v" {
			t.Fatalf("LoadTouch #%d = %q, %v, %v; want v", i, got.Data, ok, err)
		}
		if i == 1 && (trips != 1 || len(cmds) != 2) {
			t.Errorf("LoadTouch without GETEX sent %d round trips %q; want 1 round trip of GET + PEXPIRE", trips, cmds)
		}
	}
	if ttl := rdb.PTTL(ctx, key).Val(); ttl <= time.Minute {
		t.Fatalf("PTTL after LoadTouch(1h) = %v; the TTL was not refreshed", ttl)
	}
	missing := prefix(t) + "missing"
	if _, ok, err := s.LoadTouch(ctx, missing, time.Hour); err != nil || ok {
		t.Fatalf("LoadTouch(missing) without GETEX = %v, %v; want not found", ok, err)
	}
	if n := rdb.Exists(ctx, missing).Val(); n != 0 {
		t.Fatalf("LoadTouch(missing) without GETEX created the key")
	}
}
