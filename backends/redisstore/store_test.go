package redisstore_test

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/serversession/serversession/backends/redisstore"
	"github.com/serversession/serversession/backends/storetest"
	"github.com/serversession/serversession/internal/testserver"
)

// TestBasics covers what the session core relies on, directly: round trip,
// missing keys, overwrite, delete, touch and load-touch, and that returned
// bytes belong to the caller.
func TestBasics(t *testing.T) {
	ctx := context.Background()
	rdb := newClient(t, redisAddr(t))
	s := redisstore.New(rdb)
	key := prefix(t) + "k"

	if data, ok, err := s.Load(ctx, key); err != nil || ok || data != nil {
		t.Fatalf("Load(missing) = %q, %v, %v; want nil, false, nil", data, ok, err)
	}
	if data, ok, err := s.LoadTouch(ctx, key, time.Minute); err != nil || ok || data != nil {
		t.Fatalf("LoadTouch(missing) = %q, %v, %v; want nil, false, nil", data, ok, err)
	}
	if err := s.Touch(ctx, key, time.Minute); err != nil {
		t.Fatalf("Touch(missing) = %v; want nil", err)
	}
	if err := s.Delete(ctx, key); err != nil {
		t.Fatalf("Delete(missing) = %v; want nil", err)
	}
	if n := rdb.Exists(ctx, key).Val(); n != 0 {
		t.Fatalf("Touch/LoadTouch of a missing key created it")
	}

	in := []byte("v1")
	if err := s.Save(ctx, key, in, time.Minute); err != nil {
		t.Fatalf("Save: %v", err)
	}
	in[0] = 'X' // the store must not keep the caller's slice
	got, ok, err := s.Load(ctx, key)
	if err != nil || !ok || string(got) != "v1" {
		t.Fatalf("Load = %q, %v, %v; want v1", got, ok, err)
	}
	got[0] = 'Y' // nor hand out one that aliases anything it keeps
	if again, _, _ := s.Load(ctx, key); string(again) != "v1" {
		t.Fatalf("Load after mutating a returned slice = %q; want v1", again)
	}

	if err := s.Save(ctx, key, []byte("v2"), time.Minute); err != nil {
		t.Fatalf("Save (overwrite): %v", err)
	}
	if err := s.Touch(ctx, key, time.Hour); err != nil {
		t.Fatalf("Touch: %v", err)
	}
	if ttl := rdb.PTTL(ctx, key).Val(); ttl <= time.Minute || ttl > time.Hour {
		t.Fatalf("PTTL after Touch(1h) = %v", ttl)
	}
	got, ok, err = s.LoadTouch(ctx, key, 2*time.Hour)
	if err != nil || !ok || string(got) != "v2" {
		t.Fatalf("LoadTouch = %q, %v, %v; want v2", got, ok, err)
	}
	if ttl := rdb.PTTL(ctx, key).Val(); ttl <= time.Hour || ttl > 2*time.Hour {
		t.Fatalf("PTTL after LoadTouch(2h) = %v", ttl)
	}

	if err := s.Delete(ctx, key); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if _, ok, err := s.Load(ctx, key); err != nil || ok {
		t.Fatalf("Load after Delete = %v, %v; want not found", ok, err)
	}
}

// TestExpiry checks that Redis drops a record once its TTL has passed, and
// that a Touch after that does not bring it back.
func TestExpiry(t *testing.T) {
	ctx := context.Background()
	s := redisstore.New(newClient(t, redisAddr(t)))
	key := prefix(t) + "k"
	if err := s.Save(ctx, key, []byte("v"), 50*time.Millisecond); err != nil {
		t.Fatalf("Save: %v", err)
	}
	time.Sleep(200 * time.Millisecond)
	if err := s.Touch(ctx, key, time.Minute); err != nil {
		t.Fatalf("Touch(expired): %v", err)
	}
	if data, ok, err := s.Load(ctx, key); err != nil || ok {
		t.Fatalf("Load(expired) = %q, %v, %v; want not found", data, ok, err)
	}
}

// TestCommandsPerOperation counts, with a go-redis hook, the round trips and
// commands each operation sends: one round trip and one command each, with
// GETEX for LoadTouch and PEXPIRE (no data) for Touch.
func TestCommandsPerOperation(t *testing.T) {
	ctx := context.Background()
	rdb, hook := countedClient(t, redisAddr(t))
	s := redisstore.New(rdb)
	key := prefix(t) + "k"

	ops := []struct {
		name string
		do   func() error
		want string
	}{
		{"Save", func() error { return s.Save(ctx, key, []byte("data"), time.Hour) }, "set " + key + " <4 bytes> px 3600000"},
		{"Load", func() error { _, _, err := s.Load(ctx, key); return err }, "get " + key},
		{"LoadTouch", func() error { _, _, err := s.LoadTouch(ctx, key, time.Hour); return err }, "getex " + key + " px 3600000"},
		{"Touch", func() error { return s.Touch(ctx, key, time.Hour) }, "pexpire " + key + " 3600000"},
		{"Delete", func() error { return s.Delete(ctx, key) }, "del " + key},
		{"LoadTouch missing", func() error { _, _, err := s.LoadTouch(ctx, key, time.Hour); return err }, "getex " + key + " px 3600000"},
	}
	for _, op := range ops {
		hook.start()
		err := op.do()
		trips, cmds := hook.stop()
		if err != nil {
			t.Fatalf("%s: %v", op.name, err)
		}
		if trips != 1 || len(cmds) != 1 || cmds[0] != op.want {
			t.Errorf("%s sent %d round trips, commands %q; want 1 round trip, [%q]", op.name, trips, cmds, op.want)
		}
	}
}

// TestTTLRoundsUpToMilliseconds checks that a TTL below Redis's granularity
// is rounded up, never down to 0 (which Redis would reject or treat as gone).
func TestTTLRoundsUpToMilliseconds(t *testing.T) {
	ctx := context.Background()
	rdb, hook := countedClient(t, redisAddr(t))
	s := redisstore.New(rdb)
	key := prefix(t) + "k"
	hook.start()
	if err := s.Save(ctx, key, []byte("v"), 1500*time.Microsecond); err != nil {
		t.Fatalf("Save(1.5ms): %v", err)
	}
	if err := s.Touch(ctx, key, time.Nanosecond); err != nil {
		t.Fatalf("Touch(1ns): %v", err)
	}
	_, cmds := hook.stop()
	want := []string{"set " + key + " <1 bytes> px 2", "pexpire " + key + " 1"}
	if len(cmds) != 2 || cmds[0] != want[0] || cmds[1] != want[1] {
		t.Fatalf("commands = %q; want %q", cmds, want)
	}
	for _, ttl := range []time.Duration{0, -time.Second} {
		if err := s.Save(ctx, key, []byte("v"), ttl); err == nil {
			t.Errorf("Save(ttl %v) = nil; want an error", ttl)
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
	errs := map[string]error{"Save": s.Save(ctx, key, []byte("v"), time.Minute), "Touch": s.Touch(ctx, key, time.Minute), "Delete": s.Delete(ctx, key)}
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
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, ok, err := s.LoadTouch(ctx, "k", time.Minute)
	if err == nil || ok {
		t.Fatalf("LoadTouch against a silent server = %v, %v; want an error", ok, err)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Fatalf("LoadTouch took %v; the 200ms deadline was not honoured", took)
	}
}

// TestServerGoesAwayAndComesBack runs the store through a proxy that is
// stopped mid-use: every operation errors (Load never reports not-found)
// while it is down, and the same store works again once it is back. It runs
// with a fail-fast client and with go-redis's defaults, under which repeated
// dial failures open a circuit that a background probe closes within about
// a second of the server's return.
func TestServerGoesAwayAndComesBack(t *testing.T) {
	for _, c := range []struct {
		name string
		opt  redis.Options
	}{
		// go-redis retries a failed dial 5 times and a failed command 3 times.
		{"fail-fast", redis.Options{MaxRetries: -1, DialerRetries: 1}},
		{"go-redis-defaults", redis.Options{}},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := testserver.StartProxy(t, redisAddr(t))
			opt := c.opt
			opt.Addr, opt.ContextTimeoutEnabled = p.Addr(), true
			rdb := redis.NewClient(&opt)
			t.Cleanup(func() { _ = rdb.Close() })
			storetest.ServerComesBack(t, redisstore.New(rdb), p, 10*time.Second)
		})
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
	for name, load := range map[string]func() ([]byte, bool, error){
		"Load":      func() ([]byte, bool, error) { return s.Load(ctx, key) },
		"LoadTouch": func() ([]byte, bool, error) { return s.LoadTouch(ctx, key, time.Minute) },
	} {
		got, ok, err := load()
		if err != nil || !ok || !bytes.Equal(got, corrupt) {
			t.Errorf("%s = %x, %v, %v; want %x", name, got, ok, err, corrupt)
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
	if err := s.Save(ctx, key, []byte("v"), time.Minute); err != nil {
		t.Fatalf("Save: %v", err)
	}
	for i := 0; i < 2; i++ { // the first call discovers the missing GETEX
		hook.start()
		got, ok, err := s.LoadTouch(ctx, key, time.Hour)
		trips, cmds := hook.stop()
		if err != nil || !ok || string(got) != "v" {
			t.Fatalf("LoadTouch #%d = %q, %v, %v; want v", i, got, ok, err)
		}
		if i == 1 && (trips != 1 || len(cmds) != 2) {
			t.Errorf("LoadTouch without GETEX sent %d round trips %q; want 1 round trip of GET + PEXPIRE", trips, cmds)
		}
	}
	if ttl := rdb.PTTL(ctx, key).Val(); ttl <= time.Minute {
		t.Fatalf("PTTL after LoadTouch(1h) = %v; the TTL was not refreshed", ttl)
	}
	if _, ok, err := s.LoadTouch(ctx, prefix(t)+"missing", time.Hour); err != nil || ok {
		t.Fatalf("LoadTouch(missing) without GETEX = %v, %v; want not found", ok, err)
	}
}
