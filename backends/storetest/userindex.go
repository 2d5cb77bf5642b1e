package storetest

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/serversession/serversession/sessions"
)

// The UserIndex subtests check sessions.UserIndex as the lifecycle uses it:
// it ties a key only while its record exists (right after Create, or before
// a Replace that writes a record naming the user) and unties it after the
// record was deleted or rewritten without the user. Replace and LoadTouch
// keep a key's tie. UserRecords never returns an expired or deleted record.
// The entry of an expired record may linger in the store only until that
// user's index is next written (Tie, Untie) or listed (UserRecords); that
// of a record deleted without Untie (another program deleted it, or the
// Untie failed) until it is next listed: the index never grows past the
// user's live sessions once it has been listed. The subtests that count
// entries use Harness.IndexEntries.

// lingerRule is the rule that the entry counts check, for their failure
// messages.
const lingerRule = "an entry whose record expired may linger in the store only until the user's index is next " +
	"written (Tie, Untie) or listed (UserRecords), and one whose record was deleted without Untie until it is next " +
	"listed, so that the index never grows past the user's live sessions"

// needIndex returns the store as a sessions.UserIndex, or skips the subtest
// if it is not one.
func (e *env) needIndex(t *testing.T) sessions.UserIndex {
	t.Helper()
	if e.index == nil {
		t.Skip("the store does not implement sessions.UserIndex")
	}
	return e.index
}

// needEntries skips the subtest unless the harness can count index
// entries.
func (e *env) needEntries(t *testing.T) {
	t.Helper()
	if e.indexEntries == nil {
		t.Skip("Harness.IndexEntries is nil: this subtest counts the entries the store holds in a user's index, " +
			"and cannot run without it")
	}
}

// entries returns the number of entries the store holds in user's index,
// or false if the harness cannot count them (which it logs once).
func (e *env) entries(t *testing.T, user string) (int, bool) {
	t.Helper()
	if e.indexEntries == nil {
		if !e.entriesNoted {
			e.entriesNoted = true
			t.Log("Harness.IndexEntries is nil: the entries left in the index are not counted")
		}
		return 0, false
	}
	return e.indexEntries(t, e.store, user), true
}

// checkEntries reports an error if user's index holds more than most
// entries. when says what happened last, e.g. "after UserRecords listed its
// one live record".
func (e *env) checkEntries(t *testing.T, user string, most int, when string) {
	t.Helper()
	n, ok := e.entries(t, user)
	if ok && n > most {
		t.Errorf("IndexEntries(%q) = %d %s; want at most %d: %s", user, n, when, most, lingerRule)
	}
}

// mustTie ties key to user or fails the subtest.
func (e *env) mustTie(t *testing.T, user, key string, ttl time.Duration) {
	t.Helper()
	e.note(key)
	if err := e.index.Tie(e.ctx, user, key, ttl); err != nil {
		t.Fatalf("Tie(%q, %q, ttl %v) of a live record returned error: %v", user, key, ttl, err)
	}
}

// mustUntie unties key from user or fails the subtest.
func (e *env) mustUntie(t *testing.T, user, key string) {
	t.Helper()
	if err := e.index.Untie(e.ctx, user, key); err != nil {
		t.Fatalf("Untie(%q, %q) returned error: %v", user, key, err)
	}
}

// listed is what UserRecords returned, by key.
type listed map[string]sessions.UserRecord

// list returns what UserRecords(user) returns, failing the subtest on an
// error and reporting a key returned twice. A handle (see
// sessions.KeyHandler) is turned back into its key, in the map and in the
// UserRecord, when it is the handle of a key the subtest created or tied;
// UserIndexHandles checks the handles themselves.
func (e *env) list(t *testing.T, user string) listed {
	t.Helper()
	recs, err := e.index.UserRecords(e.ctx, user)
	if err != nil {
		t.Fatalf("UserRecords(%q) returned error: %v", user, err)
	}
	got := listed{}
	for _, r := range recs {
		r.Key = e.keyOf(r.Key)
		if _, dup := got[r.Key]; dup {
			t.Errorf("UserRecords(%q) returned %q twice; want each key once, however often it was tied", user, r.Key)
		}
		got[r.Key] = r
	}
	return got
}

// expect checks that UserRecords(user) returns exactly the keys of want,
// each with the data want holds for it, and returns what it returned. when
// says what happened last, e.g. "after Untie(k2)". For a key that must not
// be listed, not says why, e.g. "which was deleted; …"; keys missing from
// not get a generic reason. hint ends the message about a key that is
// missing, e.g. "LoadTouch keeps a key's tie"; empty, a generic one.
func (e *env) expect(t *testing.T, user string, want map[string][]byte, not map[string]string, when, hint string) listed {
	t.Helper()
	got := e.list(t, user)
	if hint == "" {
		hint = "want every live record tied to the user listed"
	}
	for _, k := range slices.Sorted(maps.Keys(want)) {
		r, ok := got[k]
		if !ok {
			t.Errorf("UserRecords(%q) %s did not return %q, a live record tied to the user; %s", user, when, k, hint)
			continue
		}
		checkData(t, fmt.Sprintf("UserRecords(%q) %s, for %q,", user, when, k), r.Record.Data, want[k])
	}
	for _, k := range slices.Sorted(maps.Keys(got)) {
		if _, ok := want[k]; ok {
			continue
		}
		why, ok := not[k]
		if !ok {
			why = "which is not a live record tied to the user"
		}
		t.Errorf("UserRecords(%q) %s returned %q (%s), %s", user, when, k, describe(got[k].Record.Data), why)
	}
	return got
}

// checkExpires reports an error unless r.Expires is ttl after the record
// was last written or touched, some time between from and to, give or take
// granularitySlack. when says what happened last, e.g. "after LoadTouch(3h)".
func checkExpires(t *testing.T, user string, r sessions.UserRecord, from, to time.Time, ttl time.Duration, when string) {
	t.Helper()
	lo, hi := from.Add(ttl-granularitySlack), to.Add(ttl+granularitySlack)
	switch {
	case r.Expires.IsZero():
		t.Errorf("UserRecords(%q) %s returned a zero Expires for %q; want the record's expiry, as the store last set it",
			user, when, r.Key)
	case r.Expires.Before(lo) || r.Expires.After(hi):
		t.Errorf("UserRecords(%q) %s returned Expires %v for %q, %v from now; want the record's expiry, as the store "+
			"last set it: about %v from when it was written (between %v and %v)",
			user, when, r.Expires.Format(time.RFC3339Nano), r.Key, time.Until(r.Expires).Round(time.Second), ttl,
			lo.Format(time.RFC3339Nano), hi.Format(time.RFC3339Nano))
	}
}

// pick returns the entries of m under keys.
func pick(m map[string][]byte, keys ...string) map[string][]byte {
	out := make(map[string][]byte, len(keys))
	for _, k := range keys {
		out[k] = m[k]
	}
	return out
}

// testUserIndex: Tie adds a key to one user's index, UserRecords lists a
// user's keys with the records as Load returns them and their expiry, each
// once however often it was tied, and Untie removes one key from one
// user's index and leaves the record alone. A key changes user as the
// lifecycle moves it: tied to the new user, then untied from the old one
// (a store may keep one user per record, so the old user's listing in
// between is not checked). A user never tied has an empty list, and the
// returned bytes are the caller's.
func testUserIndex(t *testing.T, e *env) {
	e.needIndex(t)
	alice, bob := e.keys.user("alice"), e.keys.user("bob")
	a1, a2, ab, b1 := e.keys.key("alice-1"), e.keys.key("alice-2"), e.keys.key("alice-then-bob"), e.keys.key("bob-1")
	data := map[string][]byte{
		a1: []byte("session 1 of alice"),
		a2: []byte("session 2 of alice"),
		ab: []byte("session of alice, about to become bob's"),
		b1: []byte("session 1 of bob"),
	}
	e.expect(t, alice, nil, nil, "of a user never tied", "")

	from := time.Now()
	for _, k := range []string{a1, a2, ab, b1} {
		e.mustCreate(t, k, data[k], time.Hour)
	}
	for _, k := range []string{a1, a2, ab} {
		e.mustTie(t, alice, k, time.Hour)
	}
	e.mustTie(t, bob, b1, time.Hour)
	got := e.expect(t, alice, pick(data, a1, a2, ab), nil, "after Tie of three keys", "")
	to := time.Now()
	for _, k := range slices.Sorted(maps.Keys(got)) {
		r := got[k]
		if rec := e.mustLoadRecord(t, k); r.Record.Version != rec.Version {
			t.Errorf("UserRecords(%q) returned %q with Version %d, and Load returned Version %d; want the Record as "+
				"Load would return it", alice, k, r.Record.Version, rec.Version)
		}
		checkExpires(t, alice, r, from, to, time.Hour, "after Create and Tie with a ttl of 1h")
	}
	e.expect(t, bob, pick(data, b1), nil, "after Tie of its own key", "")
	e.checkEntries(t, alice, 3, "after three keys were tied and listed")

	// One of alice's sessions becomes bob's.
	e.mustTie(t, bob, ab, time.Hour)
	e.mustUntie(t, alice, ab)
	e.expect(t, bob, pick(data, b1, ab), nil, "after Tie of one of alice's keys, then its Untie from alice",
		"a key tied to a new user and untied from the old one is the new user's")
	e.expect(t, alice, pick(data, a1, a2), map[string]string{
		ab: "which was tied to bob and untied from alice",
	}, "after one of its keys was tied to bob and untied from alice", "")

	// The caller owns what UserRecords returns.
	for _, r := range got {
		for i := range r.Record.Data {
			r.Record.Data[i] ^= 0xff
		}
	}
	e.expect(t, alice, pick(data, a1, a2), nil, "after the caller changed the bytes an earlier UserRecords returned", "")
	checkData(t, "Load after the caller changed the bytes UserRecords returned", e.mustLoad(t, a1), data[a1])

	// Tying again is not an error, and the key is still listed once.
	e.mustTie(t, alice, a1, time.Hour)
	e.expect(t, alice, pick(data, a1, a2), nil, "after tying one of its keys a second time", "")
	if n, ok := e.entries(t, alice); ok && n > 2 {
		t.Errorf("IndexEntries(%q) = %d with two keys tied, one of them twice; want at most 2: a key tied "+
			"again is still one entry", alice, n)
	}

	e.mustUntie(t, alice, a2)
	e.expect(t, alice, pick(data, a1), map[string]string{
		a2: "which was untied; Untie must remove the key from the user's index",
	}, "after Untie of one of its keys", "Untie must remove that key only")
	checkData(t, "Load after Untie", e.mustLoad(t, a2), data[a2])

	e.mustUntie(t, bob, ab)
	e.expect(t, bob, pick(data, b1), map[string]string{
		ab: "which was untied from bob; Untie must remove the key from the user's index",
	}, "after Untie of the key that was alice's", "")
	e.expect(t, alice, pick(data, a1), nil, "after bob's Untie of a key that was alice's",
		"Untie must remove the key from that user's index only")

	// Untie of a key that is not in the index is not an error.
	e.mustUntie(t, alice, a2)
	e.mustUntie(t, alice, e.keys.key("never-tied"))
	e.mustUntie(t, e.keys.user("never-tied"), a1)
	e.expect(t, alice, pick(data, a1), nil, "after Untie of keys not in its index", "")
	e.checkEntries(t, alice, 1, "after two of its three keys were untied")
}

// userIDLength is the length of the longest user IDs the suite ties keys to.
const userIDLength = 200

// testUserIndexUserIDs: user IDs that differ by a suffix or a prefix, by
// letter case, an accent or a trailing space, that hold separators, SQL
// wildcards or path elements, unicode, or 200 bytes that differ only in the
// last one, are different users: each lists its own key only, and Untie of
// another user's key leaves it alone. That catches stores that match users
// by prefix or pattern, trim, fold or truncate them, or build a key or a
// path from them without escaping.
func testUserIndexUserIDs(t *testing.T, e *env) {
	e.needIndex(t)
	names := []string{
		"a", "ab", "b", "ba", "a ", " a", "A", "a b", "a:b", "a:", ":a", "a/b", "a/", "../a", `a\b`,
		"{a}", "{a", "a}", "a*", "a%", "a_", "a?", "a.b", "a@example.com", "a+b", "u", "ü", "ünïcødé 用户 🙂",
	}
	var users []string
	for _, n := range names {
		users = append(users, e.keys.user(n))
	}
	long := e.keys.user("")
	long += strings.Repeat("x", max(0, userIDLength-1-len(long)))
	users = append(users, long+"1", long+"2")
	for _, u := range users[len(users)-2:] {
		if len(u) != userIDLength {
			t.Fatalf("storetest bug: user ID %q has length %d, want %d", u, len(u), userIDLength)
		}
	}
	key := func(i int) string { return e.keys.key(fmt.Sprintf("user-%d", i)) }
	owner := map[string]int{}
	for i, u := range users {
		e.mustCreate(t, key(i), fmt.Appendf(nil, "session of user %q", u), time.Hour)
		e.mustTie(t, u, key(i), time.Hour)
		owner[key(i)] = i
	}
	check := func(when string) {
		t.Helper()
		for i, u := range users {
			not := map[string]string{}
			for k, j := range owner {
				not[k] = fmt.Sprintf("which was tied to user %q only; user IDs must be kept apart byte for byte (no "+
					"prefix or pattern matching, no trimming, case or accent folding, no truncation)", users[j])
			}
			e.expect(t, u, map[string][]byte{key(i): fmt.Appendf(nil, "session of user %q", u)}, not, when, "")
		}
	}
	check("after each user got a key of its own")
	// Each user unties the next user's key, which is not in its index.
	for i, u := range users {
		e.mustUntie(t, u, key((i+1)%len(users)))
	}
	check("after each user untied the next user's key")
}

// testUserIndexKeepsTie: Replace and LoadTouch keep a key's tie:
// the key is still listed with its new data and its new expiry, and still
// after the ttl it was tied with has passed, as long as its record lives.
func testUserIndexKeepsTie(t *testing.T, e *env) {
	e.needIndex(t)
	lt, canLoadTouch := e.store.(sessions.LoadToucher)
	user := e.keys.user("u")
	type kept struct {
		key, op string
		ttl     time.Duration
	}
	replaced := kept{e.keys.key("replaced"), "Replace(ttl 1h)", time.Hour}
	loadTouched := kept{e.keys.key("load-touched"), "LoadTouch(3h)", 3 * time.Hour}
	ks := []kept{replaced}
	if canLoadTouch {
		ks = append(ks, loadTouched)
	}
	want := map[string][]byte{}
	var ops []string
	start := time.Now()
	for _, k := range ks {
		want[k.key] = []byte("tied for " + touchedTTL.String() + ", then " + k.op)
		e.mustCreate(t, k.key, want[k.key], touchedTTL)
		e.mustTie(t, user, k.key, touchedTTL)
		ops = append(ops, k.op)
	}
	from := time.Now()
	want[replaced.key] = []byte("written by Replace")
	e.mustReplace(t, replaced.key, sessions.Record{Data: []byte("tied for " + touchedTTL.String() + ", then " + replaced.op)},
		want[replaced.key], replaced.ttl)
	if canLoadTouch {
		if _, found, err := lt.LoadTouch(e.ctx, loadTouched.key, loadTouched.ttl); err != nil || !found {
			t.Fatalf("LoadTouch(%q, %v) = (found %v, err %v); want the record", loadTouched.key, loadTouched.ttl, found, err)
		}
	}
	when := fmt.Sprintf("after Create and Tie with a ttl of %v, then %s", touchedTTL, strings.Join(ops, ", "))
	hint := "Replace and LoadTouch keep a key's tie"
	got := e.expect(t, user, want, nil, when, hint)
	to := time.Now()
	for _, k := range ks {
		if r, ok := got[k.key]; ok {
			checkExpires(t, user, r, from, to, k.ttl, "after "+k.op)
		}
	}

	e.sleepPast(t, start, touchedTTL)
	e.expect(t, user, want, nil, fmt.Sprintf("%v later, %s", time.Since(start).Round(time.Millisecond), when),
		"the tie must last as long as its record, however the record was extended, not only the ttl it was tied with")
}

// testUserIndexDelete: after Delete, or DeleteIf over the Record that
// UserRecords returned, UserRecords no longer returns the record, whether
// or not the key was untied yet, and the entries of the deleted records are
// gone once it has listed them.
func testUserIndexDelete(t *testing.T, e *env) {
	e.needIndex(t)
	user := e.keys.user("u")
	deleted, deletedIf, kept := e.keys.key("deleted"), e.keys.key("deleted-if"), e.keys.key("kept")
	data := map[string][]byte{
		deleted:   []byte("ended by Delete"),
		deletedIf: []byte("ended by DeleteIf"),
		kept:      []byte("still live"),
	}
	for _, k := range []string{deleted, deletedIf, kept} {
		e.mustCreate(t, k, data[k], time.Hour)
		e.mustTie(t, user, k, time.Hour)
	}
	got := e.expect(t, user, data, nil, "after Tie of three keys", "")
	e.mustDelete(t, deleted)
	if r, ok := got[deletedIf]; ok {
		// A revoke deletes over the Record it listed.
		if err := e.store.DeleteIf(e.ctx, deletedIf, r.Record); err != nil {
			t.Fatalf("DeleteIf(%q, %s) over the Record UserRecords returned failed: %v; the Record UserRecords "+
				"returns must work as old, as Load's does", deletedIf, describeRecord(r.Record), err)
		}
	} else {
		e.mustDeleteIf(t, deletedIf, sessions.Record{Data: data[deletedIf]})
	}
	e.mustMiss(t, deletedIf, "DeleteIf over the Record UserRecords returned must remove it")
	not := map[string]string{
		deleted:   "which was deleted by Delete; UserRecords must never return a deleted record",
		deletedIf: "which was deleted by DeleteIf; UserRecords must never return a deleted record",
	}
	e.expect(t, user, pick(data, kept), not, "after Delete and DeleteIf of two of its three keys", "")
	e.checkEntries(t, user, 1, "after UserRecords listed its one live record")

	// The lifecycle unties the keys after it deleted their records.
	e.mustUntie(t, user, deleted)
	e.mustUntie(t, user, deletedIf)
	e.expect(t, user, pick(data, kept), not, "after Untie of the deleted keys", "")
	e.checkEntries(t, user, 1, "after Untie of the keys of its two deleted records")
}

// testUserIndexExpiry: UserRecords never returns an expired record, the
// entries of expired records are gone once the user's index has been
// listed or written.
func testUserIndexExpiry(t *testing.T, e *env) {
	e.needIndex(t)
	var (
		expired = e.keys.user("all-expired")
		mixed   = e.keys.user("one-expired")
		written = e.keys.user("tied-again")

		e1, e2 = e.keys.key("expired-1"), e.keys.key("expired-2")
		m1, m2 = e.keys.key("mixed-1s"), e.keys.key("mixed-1h")
		w1, w2 = e.keys.key("written-1s"), e.keys.key("written-1h")
	)
	start := time.Now()
	for _, c := range []struct {
		user, key string
		ttl       time.Duration
	}{
		{expired, e1, time.Second}, {expired, e2, time.Second},
		{mixed, m1, time.Second}, {mixed, m2, time.Hour},
		{written, w1, time.Second},
	} {
		e.mustCreate(t, c.key, []byte("tied for "+c.ttl.String()), c.ttl)
		e.mustTie(t, c.user, c.key, c.ttl)
	}
	e.waitGone(t, start, time.Second, "records written with a TTL of 1s must expire", e1, e2, m1, w1)

	expiredWhy := "which expired; UserRecords must never return an expired record"
	e.expect(t, expired, nil, map[string]string{e1: expiredWhy, e2: expiredWhy}, "after all its records expired", "")
	e.checkEntries(t, expired, 0, "after UserRecords found all its records expired")

	e.expect(t, mixed, map[string][]byte{m2: []byte("tied for 1h0m0s")}, map[string]string{m1: expiredWhy},
		"after one of its two records expired", "")
	e.checkEntries(t, mixed, 1, "after UserRecords listed its one live record")

	e.mustCreate(t, w2, []byte("tied after the other expired"), time.Hour)
	e.mustTie(t, written, w2, time.Hour)
	e.checkEntries(t, written, 1, "right after Tie, with one record expired and one live")
	e.expect(t, written, map[string][]byte{w2: []byte("tied after the other expired")}, map[string]string{w1: expiredWhy},
		"after one record expired and another was tied", "")
}

// testUserIndexHandles: the Key of each UserRecord is what the lifecycle
// passes to Untie, to untie the record, and to Delete, to delete it, when
// it revokes a session. A Key that is not the record's key is a handle (see
// sessions.KeyHandler): the store must then implement sessions.KeyHandler,
// and its KeyHandle(key) return that Key; the handles of two keys differ,
// none holds its key, and each ends with a character that no session ID
// holds, so that no key the Manager writes is one.
func testUserIndexHandles(t *testing.T, e *env) {
	ix := e.needIndex(t)
	user := e.keys.user("u")
	untied, deleted := e.keys.key("untied-by-its-listed-key"), e.keys.key("deleted-by-its-listed-key")
	data := map[string][]byte{
		untied:  []byte("to be untied by the Key UserRecords gives"),
		deleted: []byte("to be deleted by the Key UserRecords gives"),
	}
	keys := slices.Sorted(maps.Keys(data))
	for _, k := range keys {
		e.mustCreate(t, k, data[k], time.Hour)
		e.mustTie(t, user, k, time.Hour)
	}
	recs, err := ix.UserRecords(e.ctx, user)
	if err != nil {
		t.Fatalf("UserRecords(%q) returned error: %v", user, err)
	}
	given := map[string]string{} // key -> the Key UserRecords gave
	for _, r := range recs {
		for _, k := range keys {
			if string(r.Record.Data) == string(data[k]) {
				given[k] = r.Key
			}
		}
	}
	for _, k := range keys {
		h, ok := given[k]
		switch {
		case !ok:
			t.Fatalf("UserRecords(%q) after Tie of two keys did not return the record of %q (%s); want every live "+
				"record tied to the user listed", user, k, describe(data[k]))
		case h == k:
			continue
		case e.handles == nil:
			t.Fatalf("UserRecords(%q) returned the record of %q under Key %q, which is not its key; a store whose "+
				"UserRecords gives a handle in place of the key must implement sessions.KeyHandler, so that the "+
				"Manager can tell its own sessions among those listed", user, k, h)
		}
		if kh := e.handles.KeyHandle(k); kh != h {
			t.Errorf("KeyHandle(%q) = %q, and UserRecords(%q) returned the record under Key %q; want KeyHandle to "+
				"return the handle UserRecords gives", k, kh, user, h)
		}
		if strings.Contains(h, k) {
			t.Errorf("UserRecords(%q) returned the record of %q under the handle %q, which holds the key; a handle "+
				"must not give the key away", user, k, h)
		}
		if h == "" || strings.IndexByte(idAlphabet, h[len(h)-1]) >= 0 {
			t.Errorf("UserRecords(%q) returned the record of %q under the handle %q, which does not end with a "+
				"character that session IDs lack (they hold A-Z, a-z, 0-9, '-' and '_'); a handle must, so that no "+
				"key the Manager writes (its KeyPrefix and a session ID) is a handle, whatever its KeyPrefix", user, k, h)
		}
	}
	if given[untied] == given[deleted] {
		t.Fatalf("UserRecords(%q) returned two records under the same Key %q; want each under its own", user, given[untied])
	}

	if err := ix.Untie(e.ctx, user, given[untied]); err != nil {
		t.Fatalf("Untie(%q, %q), with the Key UserRecords returned for %q, returned error: %v", user, given[untied], untied, err)
	}
	if err := e.store.Delete(e.ctx, given[deleted]); err != nil {
		t.Fatalf("Delete(%q), with the Key UserRecords returned for %q, returned error: %v", given[deleted], deleted, err)
	}
	e.mustMiss(t, deleted, fmt.Sprintf("Delete(%q), with the Key UserRecords returned for it, must delete the record "+
		"(the lifecycle revokes a session so)", given[deleted]))
	checkData(t, fmt.Sprintf("Load(%q) after Untie with the Key UserRecords returned for it", untied),
		e.mustLoad(t, untied), data[untied])
	e.expect(t, user, nil, map[string]string{
		untied:  "which was untied with the Key UserRecords returned for it; Untie must take that Key",
		deleted: "which was deleted with the Key UserRecords returned for it; Delete must take that Key",
	}, "after Untie of one record and Delete of the other, each with the Key UserRecords returned for it", "")
}
