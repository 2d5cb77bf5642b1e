package sessions

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// indexStore is a testStore with LoadTouch and a UserIndex: a map of user
// to keys, counted and failable like the rest. With single, a key belongs
// to one user at most, as in gormstore's column: a Tie takes it from the
// user it had.
type indexStore struct {
	loadTouchStore
	users   map[string]map[string]bool
	single  bool
	failTie error
	onList  func(ctx context.Context) // runs at the end of each UserRecords, before it returns
}

func (s *indexStore) Tie(_ context.Context, user, key string, _ time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.note("tie", key)
	if s.failTie != nil {
		return s.failTie
	}
	if s.single {
		for u := range s.users {
			delete(s.users[u], key)
		}
	}
	if s.users[user] == nil {
		s.users[user] = map[string]bool{}
	}
	s.users[user][key] = true
	return nil
}

func (s *indexStore) Untie(_ context.Context, user, key string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.note("untie", key)
	delete(s.users[user], key)
	if len(s.users[user]) == 0 {
		delete(s.users, user)
	}
	return nil
}

func (s *indexStore) UserRecords(ctx context.Context, user string) ([]UserRecord, error) {
	s.mu.Lock()
	s.note("list", user)
	var out []UserRecord
	for _, key := range sortedKeys(s.users[user]) {
		if d, ok := s.data[key]; ok {
			out = append(out, UserRecord{Key: key, Record: Record{Data: d}, Expires: s.expires[key]})
		}
	}
	s.mu.Unlock()
	if s.onList != nil {
		s.onList(ctx)
	}
	return out, nil
}

// entries returns the keys tied to user.
func (s *indexStore) entries(user string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return sortedKeys(s.users[user])
}

// newIndexHarness is a harness whose store keeps a user index, with
// Users set.
func newIndexHarness(t *testing.T, edit func(*Config)) (*harness, *indexStore) {
	t.Helper()
	var is *indexStore
	h := newHarness(t, func(s *testStore) Store {
		is = &indexStore{loadTouchStore: loadTouchStore{s}, users: map[string]map[string]bool{}}
		return is
	}, func(cfg *Config) {
		cfg.Users = &UserIndexConfig{}
		if edit != nil {
			edit(cfg)
		}
	})
	return h, is
}

// loginAs logs user in on a fresh session, as an app does: Regenerate and
// SetUser. It returns the session cookie.
func loginAs(h *harness, user string, cookies ...*http.Cookie) *http.Cookie {
	h.t.Helper()
	resp := h.serve(func(_ http.ResponseWriter, _ *http.Request, s *Session) {
		s.Regenerate()
		s.SetUser(user)
	}, cookies...)
	c := resp.sessionCookie()
	if c == nil {
		h.t.Fatalf("login of %s: no session cookie; headers %v", user, resp.Header())
	}
	return &http.Cookie{Name: c.Name, Value: c.Value}
}

// The index follows the user key: a login ties the new ID (one extra
// round trip), Regenerate moves the tie, a logout unties it.
func TestIndexFollowsUser(t *testing.T) {
	h, is := newIndexHarness(t, nil)
	anon := h.login(map[string]any{"cart": "apples"})
	c := loginAs(h, "ann", anon)
	key := DefaultKeyPrefix + h.idOf(c)
	if got := is.entries("ann"); !slices.Equal(got, []string{key}) {
		t.Fatalf("after login, ann's index holds %v, want [%s]", got, key)
	}
	want := []string{"load " + DefaultKeyPrefix + anon.Value, "save " + key, "tie " + key, "deleteif " + DefaultKeyPrefix + anon.Value}
	if !slices.Equal(h.store.order, want) {
		t.Errorf("login store calls %q, want %q", h.store.order, want)
	}
	rec := h.record(h.idOf(c))
	if rec[DefaultUserKey] != "ann" || rec["cart"] != "apples" || createdOf(rec) == 0 {
		t.Errorf("record after login %v, want _user_id ann, the cart and _created", rec)
	}

	// Ordinary reads and writes touch only the record.
	h.store.resetCounts()
	h.store.order = nil
	h.serve(func(_ http.ResponseWriter, _ *http.Request, s *Session) { s.Set("n", 1) }, c)
	h.serve(read("n"), c)
	if want := []string{"load " + key, "save " + key, "load " + key}; !slices.Equal(h.store.order, want) {
		t.Errorf("a write and a read of an indexed session made store calls %q, want %q", h.store.order, want)
	}

	// Regenerate moves the tie.
	r := h.serve(func(_ http.ResponseWriter, _ *http.Request, s *Session) { s.Regenerate() }, c)
	c = r.sessionCookie()
	moved := DefaultKeyPrefix + h.idOf(c)
	if got := is.entries("ann"); !slices.Equal(got, []string{moved}) {
		t.Errorf("after Regenerate, ann's index holds %v, want [%s]", got, moved)
	}

	// SetUser("") unties without ending the session; Destroy ends it.
	h.serve(func(_ http.ResponseWriter, _ *http.Request, s *Session) { s.SetUser("") }, c)
	if got := is.entries("ann"); len(got) != 0 {
		t.Errorf("after SetUser(\"\"), ann's index holds %v", got)
	}
	c = loginAs(h, "ann", c)
	h.serve(func(_ http.ResponseWriter, _ *http.Request, s *Session) { s.Destroy() }, c)
	if got := is.entries("ann"); len(got) != 0 {
		t.Errorf("after Destroy, ann's index holds %v", got)
	}
}

// A login whose tie fails is a failed save: the new record goes again and
// no cookie names it, so no session exists that the index cannot list.
func TestTieFailureDropsNewRecord(t *testing.T) {
	h, is := newIndexHarness(t, nil)
	anon := h.login(map[string]any{"a": 1})
	is.failTie = errors.New("index down")
	resp := h.serve(func(_ http.ResponseWriter, _ *http.Request, s *Session) {
		s.Regenerate()
		s.SetUser("ann")
	}, anon)
	if resp.Code != http.StatusInternalServerError {
		t.Errorf("status %d, want 500", resp.Code)
	}
	if c := resp.sessionCookie(); c != nil {
		t.Errorf("a cookie went out for an unindexed session: %q", c.Raw)
	}
	if keys := h.store.keys(); !slices.Equal(keys, []string{DefaultKeyPrefix + anon.Value}) {
		t.Errorf("store holds %v, want only the anonymous session", keys)
	}
}

// Listing shows each live session once, with the current one marked, its
// device with Users.Devices, and opaque references; revoking the others
// keeps the current one.
func TestUserSessionsAndRevokeOthers(t *testing.T) {
	h, is := newIndexHarness(t, func(cfg *Config) { cfg.Users.Devices = true })
	phone := loginAs(h, "ann")
	h.now = h.now.Add(time.Hour)
	laptop := loginAs(h, "ann")
	loginAs(h, "bob")

	var list []UserSession
	h.serve(func(_ http.ResponseWriter, _ *http.Request, s *Session) {
		var err error
		if list, err = s.UserSessions(); err != nil {
			t.Fatal(err)
		}
	}, laptop)
	if len(list) != 2 {
		t.Fatalf("ann has %d sessions listed, want 2: %+v", len(list), list)
	}
	// Most recently seen first: the laptop, seen now (this request
	// refreshed it), then the phone, last seen at its login an hour ago.
	if !list[0].Current || list[1].Current || list[0].Ref != h.record(h.idOf(laptop))[keyRef] {
		t.Errorf("want the laptop's session first and alone marked current: %+v", list)
	}
	if !list[0].LastSeen.Equal(h.now) || !list[1].LastSeen.Equal(h.now.Add(-time.Hour)) {
		t.Errorf("last seen %v and %v; want %v (the laptop) and %v (the phone)",
			list[0].LastSeen, list[1].LastSeen, h.now, h.now.Add(-time.Hour))
	}
	for _, us := range list {
		for _, id := range []string{h.idOf(phone), h.idOf(laptop)} {
			if strings.Contains(us.Ref, id) || strings.Contains(id, us.Ref) {
				t.Errorf("Ref %q reveals a session ID", us.Ref)
			}
		}
		if us.IP != "192.0.2.1" {
			t.Errorf("IP %q, want httptest's client address", us.IP)
		}
		if us.Created.IsZero() || us.LastSeen.Before(us.Created) || us.LastSeen.After(h.now) {
			t.Errorf("created %v, last seen %v, now %v", us.Created, us.LastSeen, h.now)
		}
	}

	var n int
	h.serve(func(_ http.ResponseWriter, _ *http.Request, s *Session) {
		var err error
		if n, err = s.RevokeOthers(); err != nil {
			t.Fatal(err)
		}
	}, laptop)
	if n != 1 {
		t.Errorf("RevokeOthers ended %d sessions, want 1", n)
	}
	if _, ok := h.store.get(DefaultKeyPrefix + h.idOf(phone)); ok {
		t.Error("the phone's record survived RevokeOthers")
	}
	if got := is.entries("ann"); !slices.Equal(got, []string{DefaultKeyPrefix + h.idOf(laptop)}) {
		t.Errorf("ann's index holds %v, want only the laptop", got)
	}
	if got := is.entries("bob"); len(got) != 1 {
		t.Errorf("bob's index holds %v: another user's sessions were touched", got)
	}
	resp := h.serve(read(DefaultUserKey), phone)
	if s := resp.session; s.User() != "" || !s.IsNew() {
		t.Errorf("the revoked phone still reads user %q", s.User())
	}

	// Admin code: revoke by reference, then everything.
	h.now = h.now.Add(time.Minute)
	loginAs(h, "ann")
	list, _ = h.m.UserSessions(t.Context(), "ann")
	if err := h.m.Revoke(t.Context(), "ann", list[0].Ref); err != nil {
		t.Fatal(err)
	}
	if err := h.m.Revoke(t.Context(), "ann", list[0].Ref); !errors.Is(err, ErrUnknownSession) {
		t.Errorf("a second Revoke returned %v, want ErrUnknownSession", err)
	}
	if err := h.m.Revoke(t.Context(), "bob", list[1].Ref); !errors.Is(err, ErrUnknownSession) {
		t.Errorf("revoking ann's session as bob returned %v, want ErrUnknownSession", err)
	}
	if n, err := h.m.RevokeAll(t.Context(), "ann", ""); n != 1 || err != nil {
		t.Errorf("RevokeAll = %d, %v; want 1, nil", n, err)
	}
	if got := is.entries("ann"); len(got) != 0 {
		t.Errorf("ann's index holds %v after RevokeAll", got)
	}
}

// A request in flight when its session is revoked saves nothing: a write
// finds the record gone, and a Regenerate drops the new ID it created.
func TestRevokeSticksAgainstRequestsInFlight(t *testing.T) {
	for _, op := range []string{"Set", "Regenerate"} {
		t.Run(op, func(t *testing.T) {
			h, is := newIndexHarness(t, nil)
			c := loginAs(h, "ann")
			resp := h.serve(func(_ http.ResponseWriter, _ *http.Request, s *Session) {
				s.Get("x") // loaded before the revocation
				if n, err := h.m.RevokeAll(t.Context(), "ann", ""); n != 1 || err != nil {
					t.Fatalf("RevokeAll = %d, %v", n, err)
				}
				if op == "Set" {
					s.Set("x", 1)
				} else {
					s.Regenerate()
				}
			}, c)
			if c := resp.sessionCookie(); c != nil && c.MaxAge >= 0 {
				t.Errorf("the request in flight set cookie %q", c.Raw)
			}
			if keys := h.store.keys(); len(keys) != 0 {
				t.Errorf("store holds %v after the revocation, want nothing", keys)
			}
			if got := is.entries("ann"); len(got) != 0 {
				t.Errorf("ann's index holds %v", got)
			}
		})
	}
}

// An entry whose record no longer names the user (an untie that failed,
// or a login on its way) is neither listed nor revoked, and the listing
// leaves it: it may be a login's tie, made before its record is written.
func TestListingSkipsEntriesOfOtherUsers(t *testing.T) {
	h, is := newIndexHarness(t, nil)
	c := loginAs(h, "ann")
	key := DefaultKeyPrefix + h.idOf(c)
	if err := is.Tie(t.Context(), "bob", key, time.Hour); err != nil {
		t.Fatal(err)
	}
	if list, err := h.m.UserSessions(t.Context(), "bob"); err != nil || len(list) != 0 {
		t.Errorf("bob lists %v, %v; want none", list, err)
	}
	if n, err := h.m.RevokeAll(t.Context(), "bob", ""); n != 0 || err != nil {
		t.Errorf("RevokeAll(bob) = %d, %v; want 0", n, err)
	}
	if _, ok := h.store.get(key); !ok {
		t.Error("revoking bob ended ann's session")
	}
}

// A Go app storing a numeric user ID names the same user as the string.
func TestNumericUserID(t *testing.T) {
	h, is := newIndexHarness(t, func(cfg *Config) { cfg.UserKey = "uid" })
	h.serve(func(_ http.ResponseWriter, _ *http.Request, s *Session) { s.Set("uid", 42) })
	if got := is.entries("42"); len(got) != 1 {
		t.Errorf("user 42's index holds %v", got)
	}
}

// Users with a store that cannot list fails at New, naming the store.
func TestUsersNeedsUserIndex(t *testing.T) {
	_, err := New(Config{Store: newTestStore(), Users: &UserIndexConfig{}})
	if err == nil || !strings.Contains(err.Error(), "Users needs") || !strings.Contains(err.Error(), fmt.Sprintf("%T", newTestStore())) {
		t.Errorf("New = %v; want an error naming Users and the store type", err)
	}
	if _, err := New(Config{Store: newTestStore(), UserKey: "_flashes"}); err == nil {
		t.Error("UserKey _flashes was accepted")
	}
	m, err := New(Config{Store: newTestStore()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.UserSessions(t.Context(), "ann"); !errors.Is(err, ErrNoUserIndex) {
		t.Errorf("UserSessions without Users = %v, want ErrNoUserIndex", err)
	}
}

// A listing while a login is on its way (tied, its record not yet
// written) does not take the login's tie away. The login keeps its ID, so
// that its write is a Replace the test can hook.
func TestListingDuringLoginKeepsTie(t *testing.T) {
	h, is := newIndexHarness(t, nil)
	anon := h.login(map[string]any{"a": 1})
	key := DefaultKeyPrefix + anon.Value
	listed := false
	h.store.onReplace = func(ctx context.Context) {
		h.store.onReplace = nil
		listed = true
		if list, err := h.m.UserSessions(ctx, "ann"); err != nil || len(list) != 0 {
			t.Errorf("listing during the login = %v, %v; want none yet", list, err)
		}
	}
	h.serve(func(_ http.ResponseWriter, _ *http.Request, s *Session) { s.SetUserKeepingID("ann") }, anon)
	if !listed {
		t.Fatal("the listing did not run between the login's tie and its write")
	}
	if got := is.entries("ann"); !slices.Equal(got, []string{key}) {
		t.Fatalf("after the login, ann's index holds %v, want [%s]", got, key)
	}
	if n, err := h.m.RevokeAll(t.Context(), "ann", ""); n != 1 || err != nil {
		t.Errorf("RevokeAll = %d, %v; want the session that logged in", n, err)
	}
}

// A revocation that meets a Regenerate of the session between its listing
// and its delete ends the new ID too: it lists again, and the new record
// keeps the Ref.
func TestRevokeMeetsRegenerate(t *testing.T) {
	h, is := newIndexHarness(t, nil)
	c := loginAs(h, "ann")
	is.onList = func(context.Context) {
		is.onList = nil
		h.serve(func(_ http.ResponseWriter, _ *http.Request, s *Session) { s.Regenerate() }, c)
	}
	n, err := h.m.RevokeAll(t.Context(), "ann", "")
	if err != nil || n != 1 {
		t.Errorf("RevokeAll = %d, %v; want 1 (the session, under its new ID)", n, err)
	}
	if keys := h.store.keys(); len(keys) != 0 {
		t.Errorf("store holds %v after RevokeAll, want nothing", keys)
	}
}

// A record that names a user without being tied (Flask logged it in, or
// it was saved before Users was set) is tied at its next request, once.
func TestUntiedRecordGetsTied(t *testing.T) {
	h, is := newIndexHarness(t, nil)
	data, err := encodeRecord(h.m.cfg.Codec, map[string]any{DefaultUserKey: "ann"}, meta{permanent: true})
	if err != nil {
		t.Fatal(err)
	}
	id := newID(32)
	h.store.put(DefaultKeyPrefix+id, data)
	cookie := &http.Cookie{Name: DefaultCookieName, Value: id}
	h.serve(read("x"), cookie)
	if got := is.entries("ann"); !slices.Equal(got, []string{DefaultKeyPrefix + id}) {
		t.Fatalf("after a read, ann's index holds %v", got)
	}
	if rec := h.record(id); rec[keyTied] != "ann" || rec[keyRef] == nil {
		t.Errorf("record after the tie %v, want _tied ann and a _ref", rec)
	}
	h.store.resetCounts()
	h.serve(read("x"), cookie)
	if n := h.store.count("save") + h.store.count("tie"); n != 0 {
		t.Errorf("a second read of the tied session made %d writes", n)
	}
}

// A save that fails after tying the session to a new user gives it back
// to the old one: the record still names the old user.
func TestFailedMoveKeepsOldTie(t *testing.T) {
	h, is := newIndexHarness(t, nil)
	is.single = true // the tie of bob takes the key from ann, as gormstore's column does
	c := loginAs(h, "ann")
	key := DefaultKeyPrefix + h.idOf(c)
	h.store.failSave = errors.New("store down")
	h.serve(func(_ http.ResponseWriter, _ *http.Request, s *Session) { s.SetUser("bob") }, c)
	h.store.failSave = nil
	if got := is.entries("ann"); !slices.Equal(got, []string{key}) {
		t.Errorf("after a failed move, ann's index holds %v, want [%s]", got, key)
	}
	if got := is.entries("bob"); len(got) != 0 {
		t.Errorf("after a failed move, bob's index holds %v", got)
	}
}

// The device kept is valid UTF-8, cut at a character boundary.
func TestDeviceIsValidUTF8(t *testing.T) {
	h, _ := newIndexHarness(t, func(cfg *Config) { cfg.Users.Devices = true })
	req := httptest.NewRequest(http.MethodGet, "/login", nil)
	req.Header.Set("User-Agent", "a\xffb"+strings.Repeat("a", maxUserAgent-4)+"é")
	resp := h.serveRequest(req, func(_ http.ResponseWriter, _ *http.Request, s *Session) {
		s.Regenerate()
		s.SetUser("ann")
	})
	ua, _ := h.record(h.idOf(resp.sessionCookie()))[keyUserAgent].(string)
	if !utf8.ValidString(ua) || len(ua) > maxUserAgent || !strings.HasPrefix(ua, "a\uFFFDb") || strings.HasSuffix(ua, "é") {
		t.Errorf("kept user agent %q (%d bytes), want valid UTF-8 of at most %d bytes", ua, len(ua), maxUserAgent)
	}
}

// A revocation's error names no session key.
func TestRevokeErrorsNameNoKey(t *testing.T) {
	h, _ := newIndexHarness(t, nil)
	c := loginAs(h, "ann")
	id := h.idOf(c)
	h.store.failDelete = fmt.Errorf("teststore: delete %q: down", DefaultKeyPrefix+id)
	_, err := h.m.RevokeAll(t.Context(), "ann", "")
	if err == nil || strings.Contains(err.Error(), id) || !errors.Is(err, ErrStoreSave) {
		t.Errorf("RevokeAll error %v; want ErrStoreSave without the session ID", err)
	}
}

// With an AbsoluteTimeout shorter than the Lifetime, a write cuts the
// record's expiry to the timeout, which tells nothing of when it was
// seen: LastSeen is then Created, until a read refreshes it in its load
// again for a whole Lifetime.
func TestLastSeenUnderAbsoluteTimeout(t *testing.T) {
	h, _ := newIndexHarness(t, func(cfg *Config) { cfg.AbsoluteTimeout = time.Hour })
	created := h.now
	c := loginAs(h, "ann")
	lastSeen := func(when string, want time.Time) {
		t.Helper()
		list, err := h.m.UserSessions(t.Context(), "ann")
		if err != nil || len(list) != 1 {
			t.Fatalf("UserSessions = %v, %v", list, err)
		}
		if !list[0].Created.Equal(created) || !list[0].LastSeen.Equal(want) {
			t.Errorf("%s: created %v, last seen %v; want %v and %v", when, list[0].Created, list[0].LastSeen, created, want)
		}
	}
	h.now = h.now.Add(10 * time.Minute)
	h.serve(func(_ http.ResponseWriter, _ *http.Request, s *Session) { s.Set("n", 1) }, c)
	lastSeen("after a write", created)
	h.now = h.now.Add(10 * time.Minute)
	h.serve(read("n"), c)
	lastSeen("after a read", h.now)
}

// Records tied without a Ref of their own (written by a version that kept
// none) are listed under Refs made from their keys, one each, and
// revocable by them.
func TestRefOfRecordWithoutOne(t *testing.T) {
	h, is := newIndexHarness(t, nil)
	data, err := encodeRecord(h.m.cfg.Codec, map[string]any{DefaultUserKey: "ann"}, meta{permanent: true, tied: "ann"})
	if err != nil {
		t.Fatal(err)
	}
	keys := []string{DefaultKeyPrefix + newID(32), DefaultKeyPrefix + newID(32)}
	for _, key := range keys {
		h.store.put(key, data)
		if err := is.Tie(t.Context(), "ann", key, time.Hour); err != nil {
			t.Fatal(err)
		}
	}
	list, err := h.m.UserSessions(t.Context(), "ann")
	if err != nil || len(list) != 2 || list[0].Ref == "" || list[0].Ref == list[1].Ref {
		t.Fatalf("UserSessions = %+v, %v; want two sessions with Refs of their own", list, err)
	}
	if err := h.m.Revoke(t.Context(), "ann", list[0].Ref); err != nil {
		t.Fatal(err)
	}
	if got := h.store.keys(); len(got) != 1 {
		t.Errorf("store holds %v after revoking one of two sessions", got)
	}
}
