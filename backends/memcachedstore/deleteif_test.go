package memcachedstore_test

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bradfitz/gomemcache/memcache"

	"github.com/serversession/serversession/backends/memcachedstore"
	"github.com/serversession/serversession/sessions"
)

// wantReason fails t unless err is a conflict of op on key whose message
// says why: the record was gone, or it changed.
func wantReason(t *testing.T, what string, err error, op, key string, gone bool) {
	t.Helper()
	wantConflict(t, what, err, op, key)
	reason := map[bool]string{true: "no record is stored", false: "the record changed"}[gone]
	if !strings.Contains(err.Error(), reason) {
		t.Errorf("%s: error %q does not say %q", what, err, reason)
	}
}

// TestDeleteIf checks, from a Record's CAS value and from its bytes, that
// DeleteIf removes the record only while it is still the loaded one, that
// the key then reads as missing everywhere (and can be created again), and
// that a refused DeleteIf leaves the item as it was, CAS value included.
func TestDeleteIf(t *testing.T) {
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
	for _, withVersion := range []bool{true, false} {
		name := map[bool]string{true: "Version", false: "Bytes"}[withVersion]
		newKey := func(n string) string { keys = append(keys, p+n+"-"+name); return p + n + "-" + name }
		load := func(t *testing.T, key, v string, ttl time.Duration) sessions.Record {
			t.Helper()
			if err := s.Create(ctx, key, []byte(v), ttl); err != nil {
				t.Fatalf("Create(%s): %v", key, err)
			}
			rec, ok, err := s.Load(ctx, key)
			if err != nil || !ok || rec.Version == 0 {
				t.Fatalf("Load(%s) = %+v, %v, %v", key, rec, ok, err)
			}
			if !withVersion {
				rec.Version = 0
			}
			return rec
		}
		gone := func(t *testing.T, key string) {
			t.Helper()
			if item, ok := stored(t, c, key); ok {
				t.Fatalf("memcached holds %q under %s; want nothing", item.Value, key)
			}
			if _, ok := serverTTL(t, addr, key); ok {
				t.Fatalf("mg finds an item under %s; want nothing", key)
			}
		}

		t.Run("FromLoaded"+name, func(t *testing.T) {
			key := newKey("loaded")
			old := load(t, key, "v1", time.Hour)
			if err := s.DeleteIf(ctx, key, old); err != nil {
				t.Fatalf("DeleteIf(loaded v1): %v", err)
			}
			gone(t, key)
			if _, ok, err := s.LoadTouch(ctx, key, time.Hour); err != nil || ok {
				t.Fatalf("LoadTouch after DeleteIf = %v, %v; want not found", ok, err)
			}
			gone(t, key)
			wantReason(t, "DeleteIf of the record it deleted", s.DeleteIf(ctx, key, old), "delete-if", key, true)
			wantReason(t, "Replace of the record DeleteIf deleted", s.Replace(ctx, key, old, []byte("v2"), time.Hour), "replace", key, true)
			gone(t, key)
			if err := s.Create(ctx, key, []byte("v3"), time.Hour); err != nil {
				t.Fatalf("Create after DeleteIf: %v", err)
			}
			if item, ok := stored(t, c, key); !ok || string(item.Value) != "v3" {
				t.Fatalf("memcached holds %+v after Create; want v3", item)
			}
		})
		t.Run("Stale"+name, func(t *testing.T) {
			key := newKey("stale")
			old := load(t, key, "v1", time.Hour)
			bin := []byte{0, '\r', '\n', 0xff, 0x80, 'E', 'N', 'D', '\r', '\n', 0}
			if err := s.Replace(ctx, key, old, bin, 2*time.Hour); err != nil {
				t.Fatalf("Replace(v1 -> binary): %v", err)
			}
			now, _ := stored(t, c, key)
			ttl, _ := serverTTL(t, addr, key)
			stale := []sessions.Record{old}
			if !withVersion {
				changed := append([]byte(nil), bin...)
				changed[len(changed)-1] = 1
				stale = append(stale, sessions.Record{Data: changed}, sessions.Record{Data: bin[:len(bin)-1]}, sessions.Record{})
			}
			for _, o := range stale {
				wantReason(t, fmt.Sprintf("DeleteIf from %+v", o), s.DeleteIf(ctx, key, o), "delete-if", key, false)
			}
			item, ok := stored(t, c, key)
			if !ok || string(item.Value) != string(bin) || item.CasID != now.CasID {
				t.Fatalf("after the refused DeleteIf memcached holds %+v, %v; want %q with CAS %d", item, ok, bin, now.CasID)
			}
			if left, _ := serverTTL(t, addr, key); left > ttl || left < ttl-time.Minute {
				t.Fatalf("the refused DeleteIf changed the TTL from %v to %v", ttl, left)
			}
			cur := sessions.Record{Data: bin}
			if withVersion {
				cur.Version = now.CasID
			}
			if err := s.DeleteIf(ctx, key, cur); err != nil {
				t.Fatalf("DeleteIf(current): %v", err)
			}
			gone(t, key)
		})
		t.Run("LoadTouchKeepsVersion"+name, func(t *testing.T) {
			key := newKey("touched")
			old := load(t, key, "v1", time.Hour)
			if _, _, err := s.LoadTouch(ctx, key, 3*time.Hour); err != nil {
				t.Fatalf("LoadTouch: %v", err)
			}
			if err := s.DeleteIf(ctx, key, old); err != nil {
				t.Fatalf("DeleteIf from a record loaded before LoadTouch: %v", err)
			}
			gone(t, key)
		})
		t.Run("AfterDelete"+name, func(t *testing.T) {
			key := newKey("deleted")
			old := load(t, key, "v1", time.Hour)
			if err := s.Delete(ctx, key); err != nil {
				t.Fatalf("Delete: %v", err)
			}
			wantReason(t, "DeleteIf after Delete", s.DeleteIf(ctx, key, old), "delete-if", key, true)
			gone(t, key)
		})
		t.Run("AfterExpiry"+name, func(t *testing.T) {
			key := newKey("expired")
			old := load(t, key, "v1", time.Second)
			time.Sleep(2100 * time.Millisecond) // memcached's clock ticks in seconds
			wantReason(t, "DeleteIf after expiry", s.DeleteIf(ctx, key, old), "delete-if", key, true)
			gone(t, key)
		})
	}
	t.Run("AfterDeleteAndCreate", func(t *testing.T) {
		// A record created again under the key is another record, even
		// with the same bytes: its CAS value differs.
		key := p + "recreated"
		keys = append(keys, key)
		if err := s.Create(ctx, key, []byte("v1"), time.Hour); err != nil {
			t.Fatalf("Create: %v", err)
		}
		old, _, _ := s.Load(ctx, key)
		if err := s.Delete(ctx, key); err != nil {
			t.Fatalf("Delete: %v", err)
		}
		if err := s.Create(ctx, key, []byte("v1"), time.Hour); err != nil {
			t.Fatalf("Create again: %v", err)
		}
		again, _, _ := s.Load(ctx, key)
		wantReason(t, "DeleteIf from the deleted record's CAS value", s.DeleteIf(ctx, key, old), "delete-if", key, false)
		if item, ok := stored(t, c, key); !ok || string(item.Value) != "v1" || item.CasID != again.Version {
			t.Fatalf("memcached holds %+v, %v; want the new v1 unchanged", item, ok)
		}
	})
	t.Run("MissingWithEmptyOld", func(t *testing.T) {
		key := p + "never"
		wantReason(t, "DeleteIf of a missing record", s.DeleteIf(ctx, key, sessions.Record{}), "delete-if", key, true)
	})
	t.Run("EmptyRecord", func(t *testing.T) {
		key := p + "empty"
		keys = append(keys, key)
		if err := s.Create(ctx, key, nil, time.Hour); err != nil {
			t.Fatalf("Create(empty): %v", err)
		}
		wantReason(t, "DeleteIf from other bytes over an empty record", s.DeleteIf(ctx, key, sessions.Record{Data: []byte("x")}), "delete-if", key, false)
		if err := s.DeleteIf(ctx, key, sessions.Record{}); err != nil {
			t.Fatalf("DeleteIf(empty) over an empty record: %v", err)
		}
		if item, ok := stored(t, c, key); ok {
			t.Fatalf("after DeleteIf memcached holds %+v", item)
		}
	})
}

// TestDeleteIfCommands counts, through a proxy that records what the client
// sends, the commands of DeleteIf: one cas of an empty value with exptime
// -1 (gomemcache sends the negative Expiration as it is) from a Record with
// a CAS value, refused or not; gets and then that cas from a Record with
// Version 0, and only the gets when the bytes already differ.
func TestDeleteIfCommands(t *testing.T) {
	ctx := context.Background()
	p, wire := tappedProxy(t)
	c := newClient(t, p.Addr())
	s := memcachedstore.New(c)
	key := prefix(t) + "k"
	t.Cleanup(func() { _ = s.Delete(context.Background(), key) })
	var loaded sessions.Record
	cas := func() string { return strconv.FormatUint(loaded.Version, 10) }
	create := func() error {
		if err := s.Create(ctx, key, []byte("data"), time.Hour); err != nil {
			return err
		}
		var err error
		loaded, _, err = s.Load(ctx, key)
		return err
	}
	ops := []struct {
		name     string
		setup    func() error
		do       func() error
		conflict bool
		want     func() []string
	}{
		// The stale ones find the record just created, and keep it.
		{"DeleteIf (stale Version)", create, func() error {
			return s.DeleteIf(ctx, key, sessions.Record{Data: loaded.Data, Version: loaded.Version + 1})
		}, true, func() []string { return []string{"cas " + key + " 0 -1 0 " + strconv.FormatUint(loaded.Version+1, 10)} }},
		{"DeleteIf (Version)", nil, func() error { return s.DeleteIf(ctx, key, loaded) }, false,
			func() []string { return []string{"cas " + key + " 0 -1 0 " + cas()} }},
		{"DeleteIf (Version) after DeleteIf", nil, func() error { return s.DeleteIf(ctx, key, loaded) }, true,
			func() []string { return []string{"cas " + key + " 0 -1 0 " + cas()} }},
		{"DeleteIf (stale bytes)", create, func() error { return s.DeleteIf(ctx, key, sessions.Record{Data: []byte("dat")}) }, true,
			func() []string { return []string{"gets " + key} }},
		{"DeleteIf (bytes)", nil, func() error { return s.DeleteIf(ctx, key, sessions.Record{Data: []byte("data")}) }, false,
			func() []string { return []string{"gets " + key, "cas " + key + " 0 -1 0 " + cas()} }},
		{"DeleteIf (bytes) after DeleteIf", nil, func() error { return s.DeleteIf(ctx, key, sessions.Record{Data: []byte("data")}) }, true,
			func() []string { return []string{"gets " + key} }},
	}
	for _, op := range ops {
		if op.setup != nil {
			if err := op.setup(); err != nil {
				t.Fatalf("%s: setup: %v", op.name, err)
			}
		}
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
		_, err = c.Get(key)
		if kept := op.setup != nil; kept == errors.Is(err, memcache.ErrCacheMiss) {
			t.Errorf("after %s gets = %v; want the record kept %v", op.name, err, kept)
		}
	}
}
