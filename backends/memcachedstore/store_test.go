package memcachedstore_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bradfitz/gomemcache/memcache"

	"github.com/serversession/serversession/backends/memcachedstore"
	"github.com/serversession/serversession/internal/testserver"
	"github.com/serversession/serversession/sessions"
)

const day = 24 * time.Hour

// TestBasics covers what the session core relies on, directly: create,
// load (with a CAS value), replace from a loaded record and from the bytes
// of an earlier write, load-touch, delete and missing keys.
func TestBasics(t *testing.T) {
	ctx := context.Background()
	c := newClient(t, mcAddr(t))
	s := memcachedstore.New(c)
	key := prefix(t) + "k"
	t.Cleanup(func() { _ = s.Delete(context.Background(), key) })

	if rec, ok, err := s.Load(ctx, key); err != nil || ok || rec.Data != nil || rec.Version != 0 {
		t.Fatalf("Load(missing) = %+v, %v, %v; want zero Record, false, nil", rec, ok, err)
	}
	if rec, ok, err := s.LoadTouch(ctx, key, time.Minute); err != nil || ok || rec.Data != nil {
		t.Fatalf("LoadTouch(missing) = %+v, %v, %v; want zero Record, false, nil", rec, ok, err)
	}
	if err := s.Delete(ctx, key); err != nil {
		t.Fatalf("Delete(missing) = %v; want nil", err)
	}
	if _, err := c.Get(key); !errors.Is(err, memcache.ErrCacheMiss) {
		t.Fatalf("Touch/LoadTouch of a missing key created it (get: %v)", err)
	}

	in := []byte("v1")
	if err := s.Create(ctx, key, in, time.Minute); err != nil {
		t.Fatalf("Create: %v", err)
	}
	in[0] = 'X' // the store must not keep the caller's slice
	rec, ok, err := s.Load(ctx, key)
	if err != nil || !ok || string(rec.Data) != "v1" || rec.Version == 0 {
		t.Fatalf("Load = %+v, %v, %v; want v1 with a CAS value", rec, ok, err)
	}
	if item, _ := c.Get(key); item == nil || item.CasID != rec.Version {
		t.Fatalf("Load's Version %d is not memcached's CAS value (%+v)", rec.Version, item)
	}
	// From the loaded record: cas with its CAS value.
	if err := s.Replace(ctx, key, rec, []byte("v2"), time.Minute); err != nil {
		t.Fatalf("Replace(loaded v1 -> v2): %v", err)
	}
	// What the core passes after its own write: the bytes, Version 0.
	if err := s.Replace(ctx, key, sessions.Record{Data: []byte("v2")}, []byte("v3"), time.Minute); err != nil {
		t.Fatalf("Replace(bytes v2 -> v3): %v", err)
	}
	rec, ok, err = s.LoadTouch(ctx, key, time.Hour)
	if err != nil || !ok || string(rec.Data) != "v3" || rec.Version != 0 {
		t.Fatalf("LoadTouch = %+v, %v, %v; want v3 with Version 0 (gat returns no CAS value)", rec, ok, err)
	}
	rec.Data[0] = 'Y' // the returned slice is the caller's
	if again, _, _ := s.Load(ctx, key); string(again.Data) != "v3" {
		t.Fatalf("Load after mutating a returned slice = %q; want v3", again.Data)
	}
	rec.Data[0] = 'v'
	if err := s.Replace(ctx, key, rec, []byte("v4"), time.Minute); err != nil {
		t.Fatalf("Replace(load-touched v3 -> v4): %v", err)
	}
	if item, err := c.Get(key); err != nil || string(item.Value) != "v4" {
		t.Fatalf("memcached holds %+v, %v; want v4", item, err)
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
	if want := fmt.Sprintf("memcachedstore: %s %q", op, key); !strings.Contains(err.Error(), want) {
		t.Errorf("%s: error %q does not name %q", what, err, want)
	}
}

// stored returns what memcached holds under key, read past the Store.
func stored(t *testing.T, c *memcache.Client, key string) (*memcache.Item, bool) {
	t.Helper()
	item, err := c.Get(key)
	if errors.Is(err, memcache.ErrCacheMiss) {
		return nil, false
	}
	if err != nil {
		t.Fatalf("gets %s: %v", key, err)
	}
	return item, true
}

// TestConditionalWrites checks every way a conditional write must refuse,
// with and without a CAS value, and that a refused write changes nothing
// and creates nothing.
func TestConditionalWrites(t *testing.T) {
	ctx := context.Background()
	addr := mcAddr(t)
	c := newClient(t, addr)
	s := memcachedstore.New(c)
	p := prefix(t)
	var keys []string
	t.Cleanup(func() {
		for _, k := range keys {
			_ = s.Delete(context.Background(), k)
		}
	})
	newKey := func(name string) string { keys = append(keys, p+name); return p + name }
	mustCreate := func(t *testing.T, key, v string, ttl time.Duration) sessions.Record {
		t.Helper()
		if err := s.Create(ctx, key, []byte(v), ttl); err != nil {
			t.Fatalf("Create(%s): %v", key, err)
		}
		rec, ok, err := s.Load(ctx, key)
		if err != nil || !ok {
			t.Fatalf("Load(%s) = %v, %v", key, ok, err)
		}
		return rec
	}
	holds := func(t *testing.T, key, want string, cas uint64) {
		t.Helper()
		item, ok := stored(t, c, key)
		if !ok || string(item.Value) != want || (cas != 0 && item.CasID != cas) {
			t.Fatalf("memcached holds %+v, %v; want %q unchanged (CAS %d)", item, ok, want, cas)
		}
	}
	gone := func(t *testing.T, key string) {
		t.Helper()
		if item, ok := stored(t, c, key); ok {
			t.Fatalf("memcached holds %q under %s; want nothing", item.Value, key)
		}
	}

	t.Run("CreateOverExisting", func(t *testing.T) {
		key := newKey("create")
		rec := mustCreate(t, key, "first", time.Hour)
		wantConflict(t, "Create over a live record", s.Create(ctx, key, []byte("second"), time.Minute), "create", key)
		holds(t, key, "first", rec.Version)
		if ttl, _ := serverTTL(t, addr, key); ttl <= time.Minute {
			t.Fatalf("the refused Create changed the TTL to %v", ttl)
		}
	})
	t.Run("CreateAfterExpiry", func(t *testing.T) {
		key := newKey("create-expired")
		mustCreate(t, key, "short", time.Second)
		time.Sleep(2100 * time.Millisecond) // memcached's clock ticks in seconds
		if err := s.Create(ctx, key, []byte("again"), time.Minute); err != nil {
			t.Fatalf("Create over an expired record: %v", err)
		}
		holds(t, key, "again", 0)
	})
	t.Run("ReplaceStaleVersion", func(t *testing.T) {
		key := newKey("stale-version")
		old := mustCreate(t, key, "v1", time.Hour)
		if err := s.Replace(ctx, key, old, []byte("v2"), time.Hour); err != nil {
			t.Fatalf("Replace(v1 -> v2): %v", err)
		}
		now, _ := stored(t, c, key)
		wantConflict(t, "Replace from a stale CAS value", s.Replace(ctx, key, old, []byte("v3"), time.Minute), "replace", key)
		holds(t, key, "v2", now.CasID)
		// The same bytes written again are a new version: the CAS decides.
		if err := s.Replace(ctx, key, sessions.Record{Data: []byte("v2")}, []byte("v2"), time.Hour); err != nil {
			t.Fatalf("Replace(v2 -> v2): %v", err)
		}
		wantConflict(t, "Replace from the CAS value of equal bytes overwritten since", s.Replace(ctx, key, sessions.Record{Data: []byte("v2"), Version: now.CasID}, []byte("v4"), time.Hour), "replace", key)
		holds(t, key, "v2", 0)
	})
	t.Run("ReplaceStaleBytes", func(t *testing.T) {
		key := newKey("stale-bytes")
		mustCreate(t, key, "v1", time.Hour)
		if err := s.Replace(ctx, key, sessions.Record{Data: []byte("v1")}, []byte("v2"), time.Hour); err != nil {
			t.Fatalf("Replace(v1 -> v2): %v", err)
		}
		now, _ := stored(t, c, key)
		for _, o := range []string{"v1", "v", "v22", ""} {
			wantConflict(t, fmt.Sprintf("Replace from %q over v2", o), s.Replace(ctx, key, sessions.Record{Data: []byte(o)}, []byte("x"), time.Minute), "replace", key)
		}
		holds(t, key, "v2", now.CasID)
	})
	t.Run("LoadTouchKeepsVersion", func(t *testing.T) {
		// gat changes the expiry, not the CAS value: a record loaded
		// before a refresh can still be replaced.
		key := newKey("touched")
		old := mustCreate(t, key, "v1", time.Hour)
		if _, _, err := s.LoadTouch(ctx, key, 3*time.Hour); err != nil {
			t.Fatalf("LoadTouch: %v", err)
		}
		if err := s.Replace(ctx, key, old, []byte("v2"), time.Hour); err != nil {
			t.Fatalf("Replace from a record loaded before LoadTouch: %v", err)
		}
	})
	for _, withVersion := range []bool{true, false} {
		name := map[bool]string{true: "Version", false: "Bytes"}[withVersion]
		t.Run("ReplaceAfterDelete"+name, func(t *testing.T) {
			key := newKey("deleted-" + name)
			old := mustCreate(t, key, "v1", time.Hour)
			if !withVersion {
				old.Version = 0
			}
			if err := s.Delete(ctx, key); err != nil {
				t.Fatalf("Delete: %v", err)
			}
			wantConflict(t, "Replace after Delete", s.Replace(ctx, key, old, []byte("v2"), time.Hour), "replace", key)
			gone(t, key)
			if _, ok, err := s.LoadTouch(ctx, key, time.Hour); err != nil || ok {
				t.Fatalf("LoadTouch after Delete = %v, %v; want not found", ok, err)
			}
			gone(t, key)
		})
		t.Run("ReplaceAfterExpiry"+name, func(t *testing.T) {
			key := newKey("expired-" + name)
			old := mustCreate(t, key, "v1", time.Second)
			if !withVersion {
				old.Version = 0
			}
			time.Sleep(2100 * time.Millisecond)
			wantConflict(t, "Replace after expiry", s.Replace(ctx, key, old, []byte("v2"), time.Hour), "replace", key)
			gone(t, key)
		})
	}
	t.Run("ReplaceAfterDeleteAndCreate", func(t *testing.T) {
		// A record created again under the key is another record, even
		// with the same bytes.
		key := newKey("recreated")
		old := mustCreate(t, key, "v1", time.Hour)
		if err := s.Delete(ctx, key); err != nil {
			t.Fatalf("Delete: %v", err)
		}
		again := mustCreate(t, key, "v1", time.Hour)
		wantConflict(t, "Replace from the deleted record's CAS value", s.Replace(ctx, key, old, []byte("v2"), time.Hour), "replace", key)
		holds(t, key, "v1", again.Version)
	})
	t.Run("ReplaceMissingWithEmptyOld", func(t *testing.T) {
		key := newKey("never")
		wantConflict(t, "Replace of a missing record", s.Replace(ctx, key, sessions.Record{}, []byte("v"), time.Hour), "replace", key)
		gone(t, key)
	})
	t.Run("EmptyAndBinaryRecords", func(t *testing.T) {
		key := newKey("binary")
		if err := s.Create(ctx, key, nil, time.Hour); err != nil {
			t.Fatalf("Create(empty): %v", err)
		}
		bin := []byte{0, '\r', '\n', 0xff, 0x80, 'E', 'N', 'D', '\r', '\n', 0}
		if err := s.Replace(ctx, key, sessions.Record{}, bin, time.Hour); err != nil {
			t.Fatalf("Replace(empty -> binary): %v", err)
		}
		changed := bytes.Clone(bin)
		changed[len(changed)-1] = 1
		wantConflict(t, "Replace from bytes that differ in the last byte", s.Replace(ctx, key, sessions.Record{Data: changed}, []byte("x"), time.Hour), "replace", key)
		if err := s.Replace(ctx, key, sessions.Record{Data: bin}, nil, time.Hour); err != nil {
			t.Fatalf("Replace(binary -> empty): %v", err)
		}
		holds(t, key, "", 0)
	})
}

// TestLifetime31Days stores a record with the default 31-day lifetime, past
// memcached's 30-day limit for relative expirations, and reads it back;
// memcached must hold it with about 31 days to live. Sent as a relative
// 2678400 s, memcached would read it as a date in 1970 and drop it at once.
// Replace (both ways), Touch and LoadTouch with 31 days must keep it too.
func TestLifetime31Days(t *testing.T) {
	ctx := context.Background()
	addr := mcAddr(t)
	s := memcachedstore.New(newClient(t, addr))
	key := prefix(t) + "k"
	t.Cleanup(func() { _ = s.Delete(context.Background(), key) })

	check := func(after, want string) {
		t.Helper()
		rec, ok, err := s.Load(ctx, key)
		if err != nil || !ok || string(rec.Data) != want {
			t.Fatalf("Load after %s with 31 days = %q, %v, %v; want %q", after, rec.Data, ok, err, want)
		}
		ttl, ok := serverTTL(t, addr, key)
		if !ok || ttl < 31*day-time.Minute || ttl > 31*day+time.Minute {
			t.Fatalf("memcached holds the record %v with %v to live after %s; want about 31 days", ok, ttl, after)
		}
	}
	if err := s.Create(ctx, key, []byte("kept for a month"), 31*day); err != nil {
		t.Fatalf("Create(31 days): %v", err)
	}
	check("Create", "kept for a month")
	rec, _, _ := s.Load(ctx, key)
	if err := s.Replace(ctx, key, rec, []byte("still kept"), 31*day); err != nil {
		t.Fatalf("Replace(31 days) by CAS value: %v", err)
	}
	check("Replace by CAS value", "still kept")
	if err := s.Replace(ctx, key, sessions.Record{Data: []byte("still kept")}, []byte("kept again"), 31*day); err != nil {
		t.Fatalf("Replace(31 days) by bytes: %v", err)
	}
	check("Replace by bytes", "kept again")
	if _, ok, err := s.LoadTouch(ctx, key, 31*day); err != nil || !ok {
		t.Fatalf("LoadTouch(31 days) = %v, %v", ok, err)
	}
	check("LoadTouch", "kept again")
	// 30 days exactly is still relative, and must also work.
	if _, ok, err := s.LoadTouch(ctx, key, 30*day); err != nil || !ok {
		t.Fatalf("LoadTouch(30 days) = %v, %v", ok, err)
	}
	if ttl, ok := serverTTL(t, addr, key); !ok || ttl < 30*day-time.Minute || ttl > 30*day {
		t.Fatalf("after LoadTouch(30 days) memcached holds the record %v with %v to live", ok, ttl)
	}
}

// TestCommandsPerOperation reads, through a tapping proxy, what each
// operation sends: one command each (add for Create, cas for a Replace from
// a loaded record, gat for LoadTouch), except
// a Replace from a Record with no Version, which reads the item first
// (gets, then cas: two round trips) and sends only the gets when the bytes
// differ. TTLs are rounded up to whole seconds.
func TestCommandsPerOperation(t *testing.T) {
	ctx := context.Background()
	p, wire := tappedProxy(t)
	s := memcachedstore.New(newClient(t, p.Addr()))
	key := prefix(t) + "k"
	t.Cleanup(func() { _ = s.Delete(context.Background(), key) })
	var loaded sessions.Record
	cas := func() string { return strconv.FormatUint(loaded.Version, 10) }
	ops := []struct {
		name     string
		do       func() error
		conflict bool
		want     func() []string
	}{
		{"Create", func() error { return s.Create(ctx, key, []byte("data"), 90*time.Minute+1) }, false,
			func() []string { return []string{"add " + key + " 0 5401 4"} }},
		{"Create (conflict)", func() error { return s.Create(ctx, key, []byte("data"), time.Hour) }, true,
			func() []string { return []string{"add " + key + " 0 3600 4"} }},
		{"Load", func() (err error) { loaded, _, err = s.Load(ctx, key); return err }, false,
			func() []string { return []string{"gets " + key} }},
		{"Replace (Version)", func() error { return s.Replace(ctx, key, loaded, []byte("data2"), time.Hour) }, false,
			func() []string { return []string{"cas " + key + " 0 3600 5 " + cas()} }},
		{"Replace (stale Version)", func() error { return s.Replace(ctx, key, loaded, []byte("data3"), time.Hour) }, true,
			func() []string { return []string{"cas " + key + " 0 3600 5 " + cas()} }},
		{"Replace (bytes)", func() error {
			return s.Replace(ctx, key, sessions.Record{Data: []byte("data2")}, []byte("data3"), time.Hour)
		}, false, func() []string { return []string{"gets " + key, "cas " + key + " 0 3600 5 *"} }},
		{"Replace (stale bytes)", func() error {
			return s.Replace(ctx, key, sessions.Record{Data: []byte("data2")}, []byte("data4"), time.Hour)
		}, true, func() []string { return []string{"gets " + key} }},
		{"LoadTouch", func() error { _, _, err := s.LoadTouch(ctx, key, time.Hour); return err }, false,
			func() []string { return []string{"gat 3600 " + key} }},
		{"LoadTouch (1ms)", func() error { _, _, err := s.LoadTouch(ctx, key, time.Millisecond); return err }, false,
			func() []string { return []string{"gat 1 " + key} }},
		{"Delete", func() error { return s.Delete(ctx, key) }, false,
			func() []string { return []string{"delete " + key} }},
		{"Replace (Version) after Delete", func() error { return s.Replace(ctx, key, loaded, []byte("data5"), time.Hour) }, true,
			func() []string { return []string{"cas " + key + " 0 3600 5 " + cas()} }},
	}
	for _, op := range ops {
		wire.Reset()
		err := op.do()
		if op.conflict != errors.Is(err, sessions.ErrConflict) || (!op.conflict && err != nil) {
			t.Fatalf("%s = %v; want conflict %v", op.name, err, op.conflict)
		}
		cmds, want := commands(t, wire.Sent()), op.want()
		ok := len(cmds) == len(want)
		for i := 0; ok && i < len(want); i++ {
			ok = matchCommand(cmds[i], want[i])
		}
		if !ok {
			t.Errorf("%s sent %q; want %q", op.name, cmds, want)
		}
	}
}

// matchCommand reports whether cmd is want, where a "*" word in want
// stands for any one word (a CAS value).
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
		f := strings.Fields(line)
		if len(f) < 5 {
			continue
		}
		switch {
		case len(f) == 5 && (f[0] == "set" || f[0] == "add"), len(f) == 6 && f[0] == "cas":
			n, err := strconv.Atoi(f[4])
			if err != nil {
				t.Fatalf("bad storage command line %q", line)
			}
			if _, err := r.Discard(n + 2); err != nil {
				t.Fatalf("short data block after %q", line)
			}
		}
	}
}

// TestItemSizeLimitBoundary measures, on a memcached of the test's own
// started with the default -I 1m, the rule the Store applies: a record fits
// when key + record + 59 bytes of item header are at most 1 MiB. For a short
// and a 250-byte key, the largest record the Store accepts is really stored
// (by Create and by Replace), memcached refuses one byte more when it is
// sent past the Store, and the Store refuses that size itself, sends
// nothing, and leaves the record stored before byte for byte as it was.
func TestItemSizeLimitBoundary(t *testing.T) {
	ctx := context.Background()
	addr := privateMemcached(t, "-I", "1m")
	if n := itemSizeMax(t, addr); n != 1<<20 {
		t.Fatalf("memcached -I 1m reports item_size_max %d; want %d", n, 1<<20)
	}
	p, wire := tappedProxyTo(t, addr)
	raw := newClient(t, addr)
	s := memcachedstore.New(newClient(t, p.Addr())) // the default limit: 1 MiB
	pre := prefix(t)
	for _, key := range []string{pre + "k", pre + strings.Repeat("k", 250-len(pre))} {
		t.Run(strconv.Itoa(len(key))+"-byte key", func(t *testing.T) {
			largest := 1<<20 - 59 - len(key)
			value := func(n int, b byte) []byte { return bytes.Repeat([]byte{b}, n) }

			// memcached's own boundary, past the Store, under a key of the
			// same length (an oversized set deletes what it would replace).
			scratch := key[:len(key)-1] + "x"
			if err := raw.Set(&memcache.Item{Key: scratch, Value: value(largest, 's'), Expiration: 60}); err != nil {
				t.Fatalf("memcached refused %d bytes under a %d-byte key: %v; the Store's rule accepts them", largest, len(key), err)
			}
			err := raw.Set(&memcache.Item{Key: scratch, Value: value(largest+1, 's'), Expiration: 60})
			if err == nil || !strings.Contains(err.Error(), "object too large") {
				t.Fatalf("memcached stored %d bytes under a %d-byte key (err %v); the Store's rule refuses them", largest+1, len(key), err)
			}
			if _, err := raw.Get(scratch); errors.Is(err, memcache.ErrCacheMiss) {
				t.Logf("the refused oversized set deleted the item stored under %d-byte key, as memcached does", len(key))
			}

			// The Store: the largest record is stored, one byte more is not sent.
			want := value(largest, 'a')
			if err := s.Create(ctx, key, want, time.Minute); err != nil {
				t.Fatalf("Create(%d bytes): %v", largest, err)
			}
			rec, ok, err := s.Load(ctx, key)
			if err != nil || !ok || !bytes.Equal(rec.Data, want) {
				t.Fatalf("Load of the %d-byte record = %d bytes, %v, %v", largest, len(rec.Data), ok, err)
			}
			wire.Reset()
			for name, err := range map[string]error{
				"Create":            s.Create(ctx, key, value(largest+1, 'b'), time.Minute),
				"Replace (Version)": s.Replace(ctx, key, rec, value(largest+1, 'b'), time.Minute),
				"Replace (bytes)":   s.Replace(ctx, key, sessions.Record{Data: want}, value(largest+1, 'b'), time.Minute),
			} {
				if !errors.Is(err, memcachedstore.ErrTooLarge) {
					t.Errorf("%s(%d bytes) = %v; want ErrTooLarge", name, largest+1, err)
				}
			}
			if sent := wire.Sent(); len(sent) != 0 {
				t.Errorf("refused records were still sent: %q", commands(t, sent))
			}
			if item, err := raw.Get(key); err != nil || !bytes.Equal(item.Value, want) || item.CasID != rec.Version {
				t.Fatalf("after the refused writes memcached holds %v (err %v); want the %d-byte record, unchanged", item != nil, err, largest)
			}
			next := value(largest, 'c')
			if err := s.Replace(ctx, key, rec, next, time.Minute); err != nil {
				t.Fatalf("Replace(%d bytes): %v", largest, err)
			}
			if item, err := raw.Get(key); err != nil || !bytes.Equal(item.Value, next) {
				t.Fatalf("after Replace(%d bytes) memcached holds %v (err %v); want the new record", largest, item != nil, err)
			}
		})
	}
}

// TestServerRefusesTooLarge gives the Store a limit above the server's:
// then memcached refuses the record itself, and the error still wraps
// ErrTooLarge. (memcached 1.6 deletes the stored item only for a refused
// set; the add and cas the Store sends leave it.)
func TestServerRefusesTooLarge(t *testing.T) {
	ctx := context.Background()
	addr := privateMemcached(t, "-I", "1m")
	c := newClient(t, addr)
	s := memcachedstore.New(c, memcachedstore.WithItemSizeLimit(2<<20))
	key := prefix(t) + "k"
	big := make([]byte, 3<<19) // 1.5 MiB
	if err := s.Create(ctx, key, big, time.Minute); !errors.Is(err, memcachedstore.ErrTooLarge) {
		t.Fatalf("Create(1.5 MiB) on -I 1m = %v; want ErrTooLarge", err)
	}
	if err := s.Create(ctx, key, []byte("small"), time.Minute); err != nil {
		t.Fatalf("Create after the refused one: %v", err)
	}
	rec, _, _ := s.Load(ctx, key)
	err := s.Replace(ctx, key, rec, big, time.Minute)
	if !errors.Is(err, memcachedstore.ErrTooLarge) || errors.Is(err, sessions.ErrConflict) {
		t.Fatalf("Replace(1.5 MiB) on -I 1m = %v; want ErrTooLarge", err)
	}
	t.Logf("Replace(1.5 MiB): %v", err)
	if item, ok := stored(t, c, key); ok {
		t.Logf("memcached kept the record after refusing the cas: %q", item.Value)
	} else {
		t.Logf("memcached deleted the record when it refused the cas")
	}
}

// TestItemSizeLimitOption checks WithItemSizeLimit against the shared
// server: the limit counts the key and the 59-byte header, and a
// non-positive limit keeps the default.
func TestItemSizeLimitOption(t *testing.T) {
	ctx := context.Background()
	c := newClient(t, mcAddr(t))
	key := prefix(t) + "k"
	t.Cleanup(func() { _ = c.Delete(key) })
	const limit = 200
	s := memcachedstore.New(c, memcachedstore.WithItemSizeLimit(limit))
	fits := limit - 59 - len(key)
	if err := s.Create(ctx, key, make([]byte, fits+1), time.Minute); !errors.Is(err, memcachedstore.ErrTooLarge) {
		t.Fatalf("Create(%d bytes) under a %d-byte limit = %v; want ErrTooLarge", fits+1, limit, err)
	}
	if err := s.Create(ctx, key, make([]byte, fits), time.Minute); err != nil {
		t.Fatalf("Create(%d bytes) under a %d-byte limit: %v", fits, limit, err)
	}
	err := s.Replace(ctx, key, sessions.Record{Data: make([]byte, fits)}, make([]byte, fits+1), time.Minute)
	if !errors.Is(err, memcachedstore.ErrTooLarge) || !strings.Contains(err.Error(), fmt.Sprintf("memcachedstore: replace %q", key)) {
		t.Fatalf("Replace(%d bytes) = %v; want ErrTooLarge naming the operation and key", fits+1, err)
	}
	for _, n := range []int{0, -1} {
		d := memcachedstore.New(c, memcachedstore.WithItemSizeLimit(n))
		big := make([]byte, 1<<20-59-len(key)+1)
		if err := d.Replace(ctx, key, sessions.Record{Data: make([]byte, fits)}, big, time.Minute); !errors.Is(err, memcachedstore.ErrTooLarge) {
			t.Errorf("WithItemSizeLimit(%d): Replace one byte over 1 MiB = %v; want ErrTooLarge (the default)", n, err)
		}
	}
}

// TestTooLarge saves a 5 MiB record with the default limit: the Store
// refuses it before sending (the shared server, at -I 4m, would refuse it
// too), and goes on working afterwards.
func TestTooLarge(t *testing.T) {
	ctx := context.Background()
	s := memcachedstore.New(newClient(t, mcAddr(t)))
	key := prefix(t) + "k"
	t.Cleanup(func() { _ = s.Delete(context.Background(), key) })
	err := s.Create(ctx, key, make([]byte, 5<<20), time.Minute)
	if !errors.Is(err, memcachedstore.ErrTooLarge) {
		t.Fatalf("Create(5 MiB) = %v; want ErrTooLarge", err)
	}
	t.Logf("Create(5 MiB): %v", err)
	if _, ok, err := s.Load(ctx, key); err != nil || ok {
		t.Fatalf("Load after the refused Create = %v, %v; want not found", ok, err)
	}
	if err := s.Create(ctx, key, []byte("small"), time.Minute); err != nil {
		t.Fatalf("Create after the refused Create: %v", err)
	}
	if rec, ok, err := s.Load(ctx, key); err != nil || !ok || string(rec.Data) != "small" {
		t.Fatalf("Load = %q, %v, %v; want small", rec.Data, ok, err)
	}
}

// TestCASDisabled runs Replace and DeleteIf against a memcached of the test's own
// started with -C (no CAS values): gets then answers CAS 0, with which cas
// would overwrite any item, so a Replace or DeleteIf from bytes is refused
// with an error (not a conflict) and changes nothing.
func TestCASDisabled(t *testing.T) {
	ctx := context.Background()
	addr := privateMemcached(t, "-C")
	c := newClient(t, addr)
	s := memcachedstore.New(c)
	key := prefix(t) + "k"
	if err := s.Create(ctx, key, []byte("v1"), time.Minute); err != nil {
		t.Fatalf("Create: %v", err)
	}
	rec, ok, err := s.Load(ctx, key)
	if err != nil || !ok || rec.Version != 0 {
		t.Fatalf("Load without CAS = %+v, %v, %v; want v1 with Version 0", rec, ok, err)
	}
	err = s.Replace(ctx, key, rec, []byte("v2"), time.Minute)
	if err == nil || errors.Is(err, sessions.ErrConflict) || !strings.Contains(err.Error(), "-C") {
		t.Fatalf("Replace without CAS = %v; want an error that names -C", err)
	}
	err = s.DeleteIf(ctx, key, rec)
	if err == nil || errors.Is(err, sessions.ErrConflict) || !strings.Contains(err.Error(), "-C") {
		t.Fatalf("DeleteIf without CAS = %v; want an error that names -C", err)
	}
	if item, ok := stored(t, c, key); !ok || string(item.Value) != "v1" {
		t.Fatalf("memcached holds %+v after the refused Replace; want v1", item)
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
	if err := s.Create(ctx, long[:250], []byte("v"), time.Minute); err != nil {
		t.Fatalf("Create with a 250-byte key (the limit): %v", err)
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
				"Create":   s.Create(ctx, key, []byte("v"), time.Minute),
				"Replace":  s.Replace(ctx, key, sessions.Record{Data: []byte("v")}, []byte("w"), time.Minute),
				"DeleteIf": s.DeleteIf(ctx, key, sessions.Record{Data: []byte("v"), Version: 1}),
				"Delete":   s.Delete(ctx, key),
			}
			var rec [2]sessions.Record
			var ok [2]bool
			rec[0], ok[0], errs["Load"] = s.Load(ctx, key)
			rec[1], ok[1], errs["LoadTouch"] = s.LoadTouch(ctx, key, time.Minute)
			for op, err := range errs {
				if !errors.Is(err, memcachedstore.ErrBadKey) {
					t.Errorf("%s(%q) = %v; want ErrBadKey", op, key, err)
				}
			}
			if ok[0] || ok[1] || rec[0].Data != nil || rec[1].Data != nil {
				t.Errorf("Load/LoadTouch of a bad key returned data")
			}
			if sent := wire.Sent(); len(sent) != 0 {
				t.Errorf("a bad key still sent %q", sent)
			}
		})
	}
}

// TestTTLMustBePositive checks that a TTL of zero (which memcached reads as
// "never expire") or less is refused.
func TestTTLMustBePositive(t *testing.T) {
	ctx := context.Background()
	s := memcachedstore.New(newClient(t, mcAddr(t)))
	key := prefix(t) + "k"
	for _, ttl := range []time.Duration{0, -time.Second} {
		if err := s.Create(ctx, key, []byte("v"), ttl); err == nil {
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
	for name, err := range map[string]error{
		"Create":   s.Create(ctx, "k", []byte("v"), time.Minute),
		"Replace":  s.Replace(ctx, "k", sessions.Record{Data: []byte("v")}, []byte("w"), time.Minute),
		"DeleteIf": s.DeleteIf(ctx, "k", sessions.Record{Data: []byte("v")}),
	} {
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("%s with an expired context = %v; want context.DeadlineExceeded", name, err)
		}
	}
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
	for name, load := range map[string]func() (sessions.Record, bool, error){
		"Load":      func() (sessions.Record, bool, error) { return s.Load(ctx, key) },
		"LoadTouch": func() (sessions.Record, bool, error) { return s.LoadTouch(ctx, key, time.Minute) },
	} {
		got, ok, err := load()
		if err != nil || !ok || !bytes.Equal(got.Data, corrupt) {
			t.Errorf("%s = %x, %v, %v; want %x", name, got.Data, ok, err, corrupt)
		}
	}
	_ = s.Delete(ctx, key)
}
