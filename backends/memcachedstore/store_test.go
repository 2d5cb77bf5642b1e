package memcachedstore_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bradfitz/gomemcache/memcache"

	"github.com/serversession/serversession/backends/memcachedstore"
	"github.com/serversession/serversession/backends/storetest"
	"github.com/serversession/serversession/internal/testserver"
)

const day = 24 * time.Hour

// TestLifetime31Days stores a record with the default 31-day lifetime, past
// memcached's 30-day limit for relative expirations, and reads it back;
// memcached must hold it with about 31 days to live. Sent as a relative
// 2678400 s, memcached would read it as a date in 1970 and drop it at once.
// Touch and LoadTouch with 31 days must keep it too.
func TestLifetime31Days(t *testing.T) {
	ctx := context.Background()
	addr := mcAddr(t)
	s := memcachedstore.New(newClient(t, addr))
	key := prefix(t) + "k"
	t.Cleanup(func() { _ = s.Delete(context.Background(), key) })

	check := func(after string) {
		t.Helper()
		data, ok, err := s.Load(ctx, key)
		if err != nil || !ok || string(data) != "kept for a month" {
			t.Fatalf("Load after %s with 31 days = %q, %v, %v; want the record", after, data, ok, err)
		}
		ttl, ok := serverTTL(t, addr, key)
		if !ok || ttl < 31*day-time.Minute || ttl > 31*day+time.Minute {
			t.Fatalf("memcached holds the record %v with %v to live after %s; want about 31 days", ok, ttl, after)
		}
	}
	if err := s.Save(ctx, key, []byte("kept for a month"), 31*day); err != nil {
		t.Fatalf("Save(31 days): %v", err)
	}
	check("Save")
	if err := s.Touch(ctx, key, 31*day); err != nil {
		t.Fatalf("Touch(31 days): %v", err)
	}
	check("Touch")
	if _, ok, err := s.LoadTouch(ctx, key, 31*day); err != nil || !ok {
		t.Fatalf("LoadTouch(31 days) = %v, %v", ok, err)
	}
	check("LoadTouch")
	// 30 days exactly is still relative, and must also work.
	if err := s.Touch(ctx, key, 30*day); err != nil {
		t.Fatalf("Touch(30 days): %v", err)
	}
	if ttl, ok := serverTTL(t, addr, key); !ok || ttl < 30*day-time.Minute || ttl > 30*day {
		t.Fatalf("after Touch(30 days) memcached holds the record %v with %v to live", ok, ttl)
	}
}

// TestCommandsPerOperation reads, through a tapping proxy, what each
// operation sends: one command each, gat for LoadTouch and touch (no data)
// for Touch, with the TTL rounded up to whole seconds.
func TestCommandsPerOperation(t *testing.T) {
	ctx := context.Background()
	p, wire := tappedProxy(t)
	s := memcachedstore.New(newClient(t, p.Addr()))
	key := prefix(t) + "k"
	ops := []struct {
		name string
		do   func() error
		want string
	}{
		{"Save", func() error { return s.Save(ctx, key, []byte("data"), 90*time.Minute+1) }, "set " + key + " 0 5401 4"},
		{"Load", func() error { _, _, err := s.Load(ctx, key); return err }, "gets " + key},
		{"LoadTouch", func() error { _, _, err := s.LoadTouch(ctx, key, time.Hour); return err }, "gat 3600 " + key},
		{"Touch", func() error { return s.Touch(ctx, key, time.Millisecond) }, "touch " + key + " 1"},
		{"Delete", func() error { return s.Delete(ctx, key) }, "delete " + key},
	}
	for _, op := range ops {
		wire.Reset()
		if err := op.do(); err != nil {
			t.Fatalf("%s: %v", op.name, err)
		}
		if cmds := commands(t, wire.Sent()); len(cmds) != 1 || cmds[0] != op.want {
			t.Errorf("%s sent %q; want one command, %q", op.name, cmds, op.want)
		}
	}
}

// commands splits what a client sent into command lines, skipping the data
// blocks of storage commands.
func commands(t *testing.T, sent []byte) []string {
	t.Helper()
	var cmds []string
	r := bufio.NewReader(bytes.NewReader(sent))
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return cmds
		}
		line = strings.TrimSuffix(line, "\r\n")
		cmds = append(cmds, line)
		if f := strings.Fields(line); len(f) == 5 && f[0] == "set" {
			n, err := strconv.Atoi(f[4])
			if err != nil {
				t.Fatalf("bad set line %q", line)
			}
			if _, err := r.Discard(n + 2); err != nil {
				t.Fatalf("short data block after %q", line)
			}
		}
	}
}

// TestBadKeys checks that every operation rejects a key memcached cannot
// hold with ErrBadKey, before sending anything: a bad key is never a
// silent miss.
func TestBadKeys(t *testing.T) {
	ctx := context.Background()
	p, wire := tappedProxy(t)
	s := memcachedstore.New(newClient(t, p.Addr()))
	long := strings.Repeat("k", 251)
	if err := s.Save(ctx, long[:250], []byte("v"), time.Minute); err != nil {
		t.Fatalf("Save with a 250-byte key (the limit): %v", err)
	}
	_ = s.Delete(ctx, long[:250])
	for name, key := range map[string]string{
		"empty": "", "251 bytes": long, "space": "session:a b", "newline": "session:a\nb",
		"CR": "session:a\rb", "tab": "session:a\tb", "NUL": "session:a\x00b", "DEL": "session:a\x7fb",
		"control": "session:\x01",
	} {
		t.Run(name, func(t *testing.T) {
			wire.Reset()
			errs := map[string]error{
				"Save":   s.Save(ctx, key, []byte("v"), time.Minute),
				"Touch":  s.Touch(ctx, key, time.Minute),
				"Delete": s.Delete(ctx, key),
			}
			var data [2][]byte
			var ok [2]bool
			data[0], ok[0], errs["Load"] = s.Load(ctx, key)
			data[1], ok[1], errs["LoadTouch"] = s.LoadTouch(ctx, key, time.Minute)
			for op, err := range errs {
				if !errors.Is(err, memcachedstore.ErrBadKey) {
					t.Errorf("%s(%q) = %v; want ErrBadKey", op, key, err)
				}
			}
			if ok[0] || ok[1] || data[0] != nil || data[1] != nil {
				t.Errorf("Load/LoadTouch of a bad key returned data")
			}
			if sent := wire.Sent(); len(sent) != 0 {
				t.Errorf("a bad key still sent %q", sent)
			}
		})
	}
}

// TestTooLarge saves a value above the server's item size limit (the test
// servers run with -I 4m; the value is 5 MiB): the error wraps ErrTooLarge,
// and the store goes on working afterwards.
func TestTooLarge(t *testing.T) {
	ctx := context.Background()
	s := memcachedstore.New(newClient(t, mcAddr(t)))
	key := prefix(t) + "k"
	err := s.Save(ctx, key, make([]byte, 5<<20), time.Minute)
	if !errors.Is(err, memcachedstore.ErrTooLarge) {
		t.Fatalf("Save(5 MiB) = %v; want ErrTooLarge", err)
	}
	t.Logf("Save(5 MiB): %v", err)
	if _, ok, err := s.Load(ctx, key); err != nil || ok {
		t.Fatalf("Load after the refused Save = %v, %v; want not found", ok, err)
	}
	if err := s.Save(ctx, key, []byte("small"), time.Minute); err != nil {
		t.Fatalf("Save after the refused Save: %v", err)
	}
	if data, ok, err := s.Load(ctx, key); err != nil || !ok || string(data) != "small" {
		t.Fatalf("Load = %q, %v, %v; want small", data, ok, err)
	}
	_ = s.Delete(ctx, key)
}

// TestTTLMustBePositive checks that a TTL of zero (which memcached reads as
// "never expire") or less is refused.
func TestTTLMustBePositive(t *testing.T) {
	ctx := context.Background()
	s := memcachedstore.New(newClient(t, mcAddr(t)))
	key := prefix(t) + "k"
	for _, ttl := range []time.Duration{0, -time.Second} {
		if err := s.Save(ctx, key, []byte("v"), ttl); err == nil {
			t.Errorf("Save(ttl %v) = nil; want an error", ttl)
		}
		if err := s.Touch(ctx, key, ttl); err == nil {
			t.Errorf("Touch(ttl %v) = nil; want an error", ttl)
		}
	}
}

// TestDeadline points the store at a server that never answers: gomemcache
// takes no context, so the client's Timeout ends the call, and the error
// then also wraps the context's deadline.
func TestDeadline(t *testing.T) {
	c := memcache.New(testserver.Blackhole(t))
	c.Timeout = 300 * time.Millisecond
	s := memcachedstore.New(c)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, ok, err := s.LoadTouch(ctx, "k", time.Minute)
	if err == nil || ok {
		t.Fatalf("LoadTouch against a silent server = %v, %v; want an error", ok, err)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("LoadTouch error %v does not wrap context.DeadlineExceeded", err)
	}
	if err := s.Save(ctx, "k", []byte("v"), time.Minute); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Save with an expired context = %v; want context.DeadlineExceeded", err)
	}
}

// TestServerGoesAwayAndComesBack runs the store through a proxy that is
// stopped mid-use: every operation errors (Load never reports not-found)
// while it is down, and the same store works again at once when it is back.
func TestServerGoesAwayAndComesBack(t *testing.T) {
	p := testserver.StartProxy(t, mcAddr(t))
	storetest.ServerComesBack(t, memcachedstore.New(newClient(t, p.Addr())), p, 0)
}

// TestUnreachableIsAnError checks, apart from the suite, that a dead port
// gives an error that names the operation and key.
func TestUnreachableIsAnError(t *testing.T) {
	c := memcache.New(testserver.DeadAddr(t))
	s := memcachedstore.New(c)
	_, _, err := s.Load(context.Background(), "session:abc")
	if err == nil || !strings.Contains(err.Error(), `memcachedstore: load "session:abc"`) {
		t.Fatalf("Load on a dead port = %v; want an error with context", err)
	}
}

// TestCorruptBytesReturnedAsIs checks that the store hands back whatever is
// stored, byte for byte, even when it is no valid record, and whatever
// flags another client stored it with: decoding is the session core's job.
func TestCorruptBytesReturnedAsIs(t *testing.T) {
	ctx := context.Background()
	c := newClient(t, mcAddr(t))
	s := memcachedstore.New(c)
	key := prefix(t) + "k"
	corrupt := []byte{0xc1, 0x00, 0xff, '\r', '\n', 0x81, 0xa1}
	if err := c.Set(&memcache.Item{Key: key, Value: corrupt, Flags: 16, Expiration: 60}); err != nil {
		t.Fatalf("set: %v", err)
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
	_ = s.Delete(ctx, key)
}
