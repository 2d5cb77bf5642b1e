package sessions

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"slices"
	"testing"
	"time"
)

// handleIndexStore is an indexStore whose index keeps no key in the
// clear, as filestore's: UserRecords gives each key's handle, which Delete
// and Untie take in the key's place (see KeyHandler).
type handleIndexStore struct{ *indexStore }

// testHandle is handleIndexStore's handle of key: a hash, ending with a
// character no session ID holds.
func testHandle(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:]) + "#"
}

func (s handleIndexStore) KeyHandle(key string) string { return testHandle(key) }

// resolve returns the key whose handle k is, among the records and the
// index entries, or k itself.
func (s handleIndexStore) resolve(k string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	for key := range s.data {
		if testHandle(key) == k {
			return key
		}
	}
	for _, keys := range s.users {
		for key := range keys {
			if testHandle(key) == k {
				return key
			}
		}
	}
	return k
}

func (s handleIndexStore) Delete(ctx context.Context, key string) error {
	return s.indexStore.Delete(ctx, s.resolve(key))
}

func (s handleIndexStore) Untie(ctx context.Context, user, key string) error {
	return s.indexStore.Untie(ctx, user, s.resolve(key))
}

func (s handleIndexStore) UserRecords(ctx context.Context, user string) ([]UserRecord, error) {
	recs, err := s.indexStore.UserRecords(ctx, user)
	for i := range recs {
		recs[i].Key = testHandle(recs[i].Key)
	}
	return recs, err
}

// newHandleHarness is newIndexHarness with a store whose index gives
// handles, or keys when handles is false.
func newHandleHarness(t *testing.T, handles bool) (*harness, *indexStore) {
	t.Helper()
	var is *indexStore
	h := newHarness(t, func(s *testStore) Store {
		is = &indexStore{loadTouchStore: loadTouchStore{s}, users: map[string]map[string]bool{}}
		if handles {
			return handleIndexStore{is}
		}
		return is
	}, func(cfg *Config) { cfg.Users = &UserIndexConfig{} })
	return h, is
}

// indexKinds runs test with a store whose index gives keys, and with one
// that gives handles.
func indexKinds(t *testing.T, test func(t *testing.T, handles bool)) {
	for _, handles := range []bool{false, true} {
		name := "Keys"
		if handles {
			name = "Handles"
		}
		t.Run(name, func(t *testing.T) { test(t, handles) })
	}
}

// With an index that gives handles, listing, revoking by Ref and revoking
// the others work as with keys: the record and its entry go, the current
// session is marked and kept, also for records without a Ref of their own
// (whose Ref is made from the handle).
func TestRevokeByHandle(t *testing.T) {
	indexKinds(t, func(t *testing.T, handles bool) {
		h, is := newHandleHarness(t, handles)
		phone := loginAs(h, "ann")
		laptop := loginAs(h, "ann")
		// A third session with no Ref (tied by a version that kept none).
		data, err := encodeRecord(h.m.cfg.Codec, map[string]any{DefaultUserKey: "ann"}, meta{permanent: true, tied: "ann"})
		if err != nil {
			t.Fatal(err)
		}
		oldID := newID(32)
		old := &http.Cookie{Name: DefaultCookieName, Value: oldID}
		h.store.put(DefaultKeyPrefix+oldID, data)
		if err := is.Tie(t.Context(), "ann", DefaultKeyPrefix+oldID, time.Hour); err != nil {
			t.Fatal(err)
		}

		var list []UserSession
		h.serve(func(_ http.ResponseWriter, _ *http.Request, s *Session) {
			if list, err = s.UserSessions(); err != nil {
				t.Fatal(err)
			}
		}, old)
		if len(list) != 3 {
			t.Fatalf("ann has %d sessions listed, want 3: %+v", len(list), list)
		}
		var current []UserSession
		for _, us := range list {
			if us.Current {
				current = append(current, us)
			}
		}
		if len(current) != 1 || current[0].Ref == h.record(h.idOf(phone))[keyRef] || current[0].Ref == h.record(h.idOf(laptop))[keyRef] {
			t.Fatalf("listed from the session without a Ref, current: %+v; want it alone", current)
		}

		if err := h.m.Revoke(t.Context(), "ann", h.record(h.idOf(phone))[keyRef].(string)); err != nil {
			t.Fatalf("Revoke of the phone: %v", err)
		}
		if _, ok := h.store.get(DefaultKeyPrefix + h.idOf(phone)); ok {
			t.Error("the phone's record survived Revoke")
		}
		h.serve(func(_ http.ResponseWriter, _ *http.Request, s *Session) {
			if n, err := s.RevokeOthers(); n != 1 || err != nil {
				t.Errorf("RevokeOthers = %d, %v; want the laptop", n, err)
			}
		}, old)
		want := []string{DefaultKeyPrefix + oldID}
		if got := h.store.keys(); !slices.Equal(got, want) {
			t.Errorf("store holds %v after the revocations, want only the current session %v", got, want)
		}
		if got := is.entries("ann"); !slices.Equal(got, want) {
			t.Errorf("ann's index holds %v after the revocations, want %v", got, want)
		}
	})
}

// A revocation is final for the requests in flight on the session, with
// an index that gives handles as with one that gives keys: a write saves
// nothing, a Regenerate drops the new ID, and a read whose load refreshed
// the record (LoadTouch) sends no cookie, which only the Manager's memory
// of the sessions it ended tells (it knows them by handle).
func TestRevokeByHandleSticksAgainstRequestsInFlight(t *testing.T) {
	indexKinds(t, func(t *testing.T, handles bool) {
		for _, op := range []string{"Read", "Set", "Regenerate"} {
			t.Run(op, func(t *testing.T) {
				h, is := newHandleHarness(t, handles)
				c := loginAs(h, "ann")
				h.now = h.now.Add(2 * DefaultRefreshInterval) // the read is due a refresh
				h.store.resetCounts()
				read := h.inFlight(c, func(s *Session) {
					switch op {
					case "Set":
						s.Set("x", 1)
					case "Regenerate":
						s.Regenerate()
					}
				})
				if n, err := h.m.RevokeAll(t.Context(), "ann", ""); n != 1 || err != nil {
					t.Fatalf("RevokeAll = %d, %v", n, err)
				}
				resp := read.wait()
				if op == "Read" && h.store.count("loadtouch") != 1 {
					t.Fatalf("the read made %d LoadTouch calls; the test needs its load to refresh", h.store.count("loadtouch"))
				}
				if c := resp.sessionCookie(); c != nil && c.MaxAge >= 0 {
					t.Errorf("the request in flight set cookie %q after the revocation", c.Raw)
				}
				if keys := h.store.keys(); len(keys) != 0 {
					t.Errorf("store holds %v after the revocation, want nothing", keys)
				}
				if got := is.entries("ann"); len(got) != 0 {
					t.Errorf("ann's index holds %v", got)
				}
			})
		}
	})
}
