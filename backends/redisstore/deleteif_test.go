package redisstore_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/serversession/serversession/backends/redisstore"
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

// TestDeleteIf checks that DeleteIf removes the record only while it holds
// the loaded bytes, and that a refused DeleteIf leaves the record byte for
// byte and TTL as it was.
func TestDeleteIf(t *testing.T) {
	ctx := context.Background()
	rdb := newClient(t, redisAddr(t))
	s := redisstore.New(rdb)
	p := prefix(t)

	t.Run("FromLoaded", func(t *testing.T) {
		key := p + "loaded"
		if err := s.Create(ctx, key, []byte("v1"), time.Hour); err != nil {
			t.Fatalf("Create: %v", err)
		}
		old, _, _ := s.LoadTouch(ctx, key, time.Hour)
		if err := s.DeleteIf(ctx, key, old); err != nil {
			t.Fatalf("DeleteIf(loaded v1): %v", err)
		}
		if v, ok := stored(t, rdb, key); ok {
			t.Fatalf("after DeleteIf Redis still holds %q", v)
		}
		wantReason(t, "DeleteIf of the record it deleted", s.DeleteIf(ctx, key, old), "delete-if", key, true)
	})
	t.Run("Stale", func(t *testing.T) {
		key := p + "stale"
		bin := []byte{0, '\r', '\n', 0xff, 0x80, '\'', '"', ']', ']', 0}
		if err := s.Create(ctx, key, []byte("v1"), time.Hour); err != nil {
			t.Fatalf("Create: %v", err)
		}
		old, _, _ := s.Load(ctx, key)
		if err := s.Replace(ctx, key, old, bin, time.Hour); err != nil {
			t.Fatalf("Replace(v1 -> binary): %v", err)
		}
		ttl := rdb.PTTL(ctx, key).Val()
		changed := append([]byte(nil), bin...)
		changed[len(changed)-1] = 1 // differs in the last byte only
		for _, o := range [][]byte{old.Data, changed, bin[:len(bin)-1], append(bin, 0), nil} {
			wantReason(t, fmt.Sprintf("DeleteIf from %q", o), s.DeleteIf(ctx, key, sessions.Record{Data: o}), "delete-if", key, false)
		}
		if v, ok := stored(t, rdb, key); !ok || v != string(bin) {
			t.Fatalf("after the refused DeleteIfs Redis holds %q, %v; want %q", v, ok, bin)
		}
		if now := rdb.PTTL(ctx, key).Val(); now > ttl || now < ttl-time.Minute {
			t.Fatalf("the refused DeleteIfs changed the TTL from %v to %v", ttl, now)
		}
		if err := s.DeleteIf(ctx, key, sessions.Record{Data: bin}); err != nil {
			t.Fatalf("DeleteIf(binary): %v", err)
		}
	})
	t.Run("AfterDelete", func(t *testing.T) {
		key := p + "deleted"
		if err := s.Create(ctx, key, []byte("v1"), time.Hour); err != nil {
			t.Fatalf("Create: %v", err)
		}
		old, _, _ := s.Load(ctx, key)
		if err := s.Delete(ctx, key); err != nil {
			t.Fatalf("Delete: %v", err)
		}
		wantReason(t, "DeleteIf after Delete", s.DeleteIf(ctx, key, old), "delete-if", key, true)
		if v, ok := stored(t, rdb, key); ok {
			t.Fatalf("DeleteIf after Delete left %q", v)
		}
	})
	t.Run("AfterExpiry", func(t *testing.T) {
		key := p + "expired"
		if err := s.Create(ctx, key, []byte("v1"), 20*time.Millisecond); err != nil {
			t.Fatalf("Create: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
		wantReason(t, "DeleteIf after expiry", s.DeleteIf(ctx, key, sessions.Record{Data: []byte("v1")}), "delete-if", key, true)
	})
	t.Run("MissingWithEmptyOld", func(t *testing.T) {
		// An empty old record must not match a missing one.
		key := p + "never"
		wantReason(t, "DeleteIf of a missing record", s.DeleteIf(ctx, key, sessions.Record{}), "delete-if", key, true)
	})
	t.Run("EmptyRecord", func(t *testing.T) {
		key := p + "empty"
		if err := s.Create(ctx, key, nil, time.Hour); err != nil {
			t.Fatalf("Create(empty): %v", err)
		}
		wantReason(t, "DeleteIf from other bytes over an empty record", s.DeleteIf(ctx, key, sessions.Record{Data: []byte("x")}), "delete-if", key, false)
		if err := s.DeleteIf(ctx, key, sessions.Record{}); err != nil {
			t.Fatalf("DeleteIf(empty) over an empty record: %v", err)
		}
		if v, ok := stored(t, rdb, key); ok {
			t.Fatalf("after DeleteIf Redis still holds %q", v)
		}
	})
	t.Run("NonzeroVersionComparesData", func(t *testing.T) {
		key := p + "version"
		if err := s.Create(ctx, key, []byte("v1"), time.Hour); err != nil {
			t.Fatalf("Create: %v", err)
		}
		wantReason(t, "DeleteIf with stale bytes and a Version", s.DeleteIf(ctx, key, sessions.Record{Data: []byte("v0"), Version: 7}), "delete-if", key, false)
		if err := s.DeleteIf(ctx, key, sessions.Record{Data: []byte("v1"), Version: 7}); err != nil {
			t.Fatalf("DeleteIf with matching bytes and a Version: %v", err)
		}
	})
}
