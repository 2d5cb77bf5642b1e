package filestore

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/serversession/serversession/sessions"
)

// indexFiles returns the paths, relative to the store's directory, of
// every file and folder under the two index folders.
func indexFiles(t *testing.T, s *Store) []string {
	t.Helper()
	var out []string
	for _, top := range []string{usersDir, tiesDir} {
		err := filepath.WalkDir(filepath.Join(s.dir, top), func(p string, d fs.DirEntry, err error) error {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			if err != nil {
				return err
			}
			if rel, _ := filepath.Rel(s.dir, p); rel != top {
				out = append(out, rel)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	slices.Sort(out)
	return out
}

// listedKeys returns the keys of the records UserRecords(user) returns,
// sorted, failing t on an error. UserRecords gives handles, not keys: the
// key is read from the record's data, "data of <key>" as mustCreateTied
// writes it, and the handle checked against it.
func listedKeys(t *testing.T, s *Store, user string) []string {
	t.Helper()
	recs, err := s.UserRecords(t.Context(), user)
	if err != nil {
		t.Fatalf("UserRecords(%q): %v", user, err)
	}
	var keys []string
	for _, r := range recs {
		key, ok := strings.CutPrefix(string(r.Record.Data), "data of ")
		if !ok {
			t.Fatalf("UserRecords(%q) returned a record holding %q; the test writes \"data of <key>\"", user, r.Record.Data)
		}
		if r.Key != s.KeyHandle(key) {
			t.Fatalf("UserRecords(%q) returned the record of %q under Key %q; want its handle %q", user, key, r.Key, s.KeyHandle(key))
		}
		keys = append(keys, key)
	}
	slices.Sort(keys)
	return keys
}

// mustCreateTied creates key with a record that expires after ttl and ties
// it to each of users.
func mustCreateTied(t *testing.T, s *Store, key string, ttl time.Duration, users ...string) {
	t.Helper()
	if err := s.Create(t.Context(), key, []byte("data of "+key), ttl); err != nil {
		t.Fatal(err)
	}
	for _, u := range users {
		if err := s.Tie(t.Context(), u, key, time.Hour); err != nil {
			t.Fatal(err)
		}
	}
}

// TestIndexLayout: a tie is an empty marker in the user's folder, named as
// the session file is, and a line in the record's ties file, both with the
// store's file mode; Untie of the last one leaves no index file.
func TestIndexLayout(t *testing.T) {
	s := newTestStore(t, WithFileMode(0o640))
	mustCreateTied(t, s, "session:k", time.Hour, "alice", "bob")
	name, _ := fileName("session:k")
	alice, bob := userHash("alice"), userHash("bob")
	want := []string{
		filepath.Join(tiesDir, name),
		filepath.Join(usersDir, alice),
		filepath.Join(usersDir, alice, name),
		filepath.Join(usersDir, bob),
		filepath.Join(usersDir, bob, name),
	}
	slices.Sort(want)
	if got := indexFiles(t, s); !slices.Equal(got, want) {
		t.Fatalf("index files after two ties = %q; want %q", got, want)
	}
	if b, err := os.ReadFile(s.markerPath(alice, name)); err != nil || len(b) != 0 {
		t.Fatalf("alice's marker holds %q (%v); want nothing", b, err)
	}
	if b, err := os.ReadFile(s.tiesPath(name)); err != nil || string(b) != alice+"\n"+bob+"\n" {
		t.Fatalf("the ties file holds %q (%v); want both users' hashes", b, err)
	}
	for _, p := range []string{s.markerPath(alice, name), s.tiesPath(name)} {
		if fi, err := os.Stat(p); err != nil || fi.Mode().Perm() != 0o640 {
			t.Fatalf("%s: mode %v (%v); want the store's file mode 0640", p, fi.Mode(), err)
		}
	}
	for _, u := range []string{"alice", "bob"} {
		if err := s.Untie(t.Context(), u, "session:k"); err != nil {
			t.Fatal(err)
		}
	}
	if got := indexFiles(t, s); len(got) != 0 {
		t.Fatalf("index files after both were untied = %q; want none", got)
	}
	if !exists(t, s, "session:k") {
		t.Fatal("Untie removed the session file")
	}
}

// TestIndexEndsWithEveryRemoval: each way a record goes (Delete, DeleteIf,
// an expired file found by Load, LoadTouch, Replace, DeleteIf,
// Create, Tie and UserRecords) takes every index file of the record with
// it.
func TestIndexEndsWithEveryRemoval(t *testing.T) {
	const short = 20 * time.Millisecond
	data := sessions.Record{Data: []byte("data of k")}
	for _, c := range []struct {
		name   string
		ttl    time.Duration
		remove func(s *Store) error
	}{
		{"Delete", time.Hour, func(s *Store) error { return s.Delete(t.Context(), "k") }},
		{"DeleteIf", time.Hour, func(s *Store) error { return s.DeleteIf(t.Context(), "k", data) }},
		{"ExpiredLoad", short, func(s *Store) error { _, _, err := s.Load(t.Context(), "k"); return err }},
		{"ExpiredLoadTouch", short, func(s *Store) error { _, _, err := s.LoadTouch(t.Context(), "k", time.Hour); return err }},
		{"ExpiredReplace", short, func(s *Store) error {
			if err := s.Replace(t.Context(), "k", data, []byte("x"), time.Hour); !errors.Is(err, sessions.ErrConflict) {
				return fmt.Errorf("Replace of an expired record returned %v; want a conflict", err)
			}
			return nil
		}},
		{"ExpiredDeleteIf", short, func(s *Store) error {
			if err := s.DeleteIf(t.Context(), "k", data); !errors.Is(err, sessions.ErrConflict) {
				return fmt.Errorf("DeleteIf of an expired record returned %v; want a conflict", err)
			}
			return nil
		}},
		{"ExpiredCreate", short, func(s *Store) error { return s.Create(t.Context(), "k", []byte("new"), time.Hour) }},
		{"ExpiredTie", short, func(s *Store) error { return s.Tie(t.Context(), "carol", "k", time.Hour) }},
		{"ExpiredUserRecords", short, func(s *Store) error {
			if keys := listedKeys(t, s, "alice"); len(keys) != 0 {
				return fmt.Errorf("UserRecords listed %q, expired", keys)
			}
			return nil
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := newTestStore(t)
			mustCreateTied(t, s, "k", c.ttl, "alice", "bob")
			time.Sleep(2 * short)
			if err := c.remove(s); err != nil {
				t.Fatal(err)
			}
			if got := indexFiles(t, s); len(got) != 0 {
				t.Fatalf("index files after %s = %q; want none", c.name, got)
			}
			for _, u := range []string{"alice", "bob", "carol"} {
				if keys := listedKeys(t, s, u); len(keys) != 0 {
					t.Fatalf("UserRecords(%q) after %s = %q; want none", u, c.name, keys)
				}
			}
		})
	}
}

// TestSweepRemovesIndexEntries: the background sweep removes the expired
// files and all their index files, leaving those of live records.
func TestSweepRemovesIndexEntries(t *testing.T) {
	s := newTestStore(t, WithCleanupInterval(10*time.Millisecond))
	for i := range 20 {
		mustCreateTied(t, s, fmt.Sprint("dead-", i), 30*time.Millisecond, fmt.Sprint("user-", i%4), "everyone")
	}
	mustCreateTied(t, s, "live", time.Hour, "owner")
	name, _ := fileName("live")
	want := []string{
		filepath.Join(tiesDir, name),
		filepath.Join(usersDir, userHash("owner")),
		filepath.Join(usersDir, userHash("owner"), name),
	}
	slices.Sort(want)
	deadline := time.Now().Add(5 * time.Second)
	for {
		got := indexFiles(t, s)
		if slices.Equal(got, want) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("index files 5s after the records expired = %q; want only the live record's %q", got, want)
		}
		time.Sleep(5 * time.Millisecond)
	}
	if keys := listedKeys(t, s, "owner"); !slices.Equal(keys, []string{"live"}) {
		t.Fatalf("UserRecords(owner) after the sweep = %q; want the live record", keys)
	}
}

// TestThresholdPruneRemovesIndexEntries: a Create past the threshold
// removes expired files and evicts the sessions that expire soonest, and
// their index files with them.
func TestThresholdPruneRemovesIndexEntries(t *testing.T) {
	s := newTestStore(t, WithThreshold(10))
	for i := range 3 {
		mustCreateTied(t, s, fmt.Sprint("dead-", i), time.Millisecond, "u")
	}
	time.Sleep(5 * time.Millisecond)
	// The 11th file goes past the threshold: the prune removes the 3
	// expired ones. The 11th live one does again: it evicts the 2 that
	// expire soonest.
	for i := range 11 {
		mustCreateTied(t, s, fmt.Sprint("live-", i), time.Duration(i+1)*time.Hour, "u")
	}
	var left []string
	for i := range 11 {
		if exists(t, s, fmt.Sprint("live-", i)) {
			left = append(left, fmt.Sprint("live-", i))
		}
	}
	if len(left) != 9 || slices.Contains(left, "live-0") || slices.Contains(left, "live-1") {
		t.Fatalf("live sessions left after the prunes: %q; want the 9 that expire last", left)
	}
	if n := IndexEntries(t, s, "u"); n != len(left) {
		t.Errorf("the user's folder holds %d files after the prune; want %d, one per session left", n, len(left))
	}
	entries, err := os.ReadDir(filepath.Join(s.dir, tiesDir))
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != len(left) {
		t.Errorf("the ties folder holds %d files after the prune; want %d, one per session left", len(entries), len(left))
	}
	slices.Sort(left)
	if keys := listedKeys(t, s, "u"); !slices.Equal(keys, left) {
		t.Errorf("UserRecords(u) = %q; want %q", keys, left)
	}
}

// TestSweepRemovesLeftovers: DeleteExpired removes the index files a
// process that died midway (or one that keeps no index) left behind:
// markers and ties files of session files that are gone, a marker whose
// ties file does not name its user, old temporary files; it keeps valid
// entries.
func TestSweepRemovesLeftovers(t *testing.T) {
	s := newTestStore(t)
	ctx := t.Context()
	mustCreateTied(t, s, "kept", time.Hour, "u")
	mustCreateTied(t, s, "removed-behind-its-back", time.Hour, "u", "v")
	if err := os.Remove(fileOf(s, "removed-behind-its-back")); err != nil {
		t.Fatal(err)
	}
	mustCreateTied(t, s, "ties-file-lost", time.Hour, "w")
	lost, _ := fileName("ties-file-lost")
	if err := os.Remove(s.tiesPath(lost)); err != nil {
		t.Fatal(err)
	}
	// A ties file whose session file and markers are gone.
	orphan, _ := fileName("orphan")
	if err := os.WriteFile(s.tiesPath(orphan), []byte(userHash("x")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tmp := filepath.Join(s.userDir(userHash("u")), tempPrefix+"left")
	if err := os.WriteFile(tmp, []byte("half"), 0o600); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-2 * staleTempAge)
	if err := os.Chtimes(tmp, old, old); err != nil {
		t.Fatal(err)
	}

	if _, err := s.DeleteExpired(ctx); err != nil {
		t.Fatal(err)
	}
	kept, _ := fileName("kept")
	want := []string{
		filepath.Join(tiesDir, kept),
		filepath.Join(usersDir, userHash("u")),
		filepath.Join(usersDir, userHash("u"), kept),
	}
	slices.Sort(want)
	if got := indexFiles(t, s); !slices.Equal(got, want) {
		t.Fatalf("index files after DeleteExpired = %q; want only the valid entry's %q", got, want)
	}
	if !exists(t, s, "ties-file-lost") {
		t.Error("DeleteExpired removed a live session whose ties file was lost")
	}
}

// TestListingDropsDeadMarkers: UserRecords, and the prune of the user's
// folder that Tie and Untie make, drop the markers of session files that
// were removed without this store (so their ties stayed); UserRecords also
// drops markers that the record's ties file does not name (none the store
// wrote). The marker just tied stays.
func TestListingDropsDeadMarkers(t *testing.T) {
	for _, op := range []string{"UserRecords", "Tie", "Untie"} {
		t.Run(op, func(t *testing.T) {
			s := newTestStore(t)
			ctx := t.Context()
			mustCreateTied(t, s, "gone", time.Hour, "u")
			if err := os.Remove(fileOf(s, "gone")); err != nil {
				t.Fatal(err)
			}
			mustCreateTied(t, s, "forged", time.Hour, "v")
			forged, _ := fileName("forged")
			if err := os.WriteFile(s.markerPath(userHash("u"), forged), nil, 0o600); err != nil {
				t.Fatal(err)
			}
			mustCreateTied(t, s, "fresh", time.Hour)
			want := 2
			switch op {
			case "UserRecords":
				if keys := listedKeys(t, s, "u"); len(keys) != 0 {
					t.Fatalf("UserRecords = %q; want none: one record is gone, the other marker forged", keys)
				}
				want = 0
			case "Tie":
				if err := s.Tie(ctx, "u", "fresh", time.Hour); err != nil {
					t.Fatal(err)
				}
				want = 2 // the forged marker's session file is live: only a listing reads ties files
			case "Untie":
				if err := s.Untie(ctx, "u", "never-tied"); err != nil {
					t.Fatal(err)
				}
				want = 1
			}
			if n := IndexEntries(t, s, "u"); n != want {
				t.Fatalf("the user's folder holds %d files after %s; want %d", n, op, want)
			}
			if keys := listedKeys(t, s, "u"); op == "Tie" && !slices.Equal(keys, []string{"fresh"}) {
				t.Fatalf("UserRecords after Tie(fresh) = %q; want [fresh]", keys)
			}
		})
	}
}

// TestCreateOverLeftoverTies: a Create where the session file is missing
// but a crash left the old record's index files starts untied.
func TestCreateOverLeftoverTies(t *testing.T) {
	s := newTestStore(t)
	mustCreateTied(t, s, "k", time.Hour, "u")
	if err := os.Remove(fileOf(s, "k")); err != nil { // as a process that died after this would
		t.Fatal(err)
	}
	if err := s.Create(t.Context(), "k", []byte("new, untied"), time.Hour); err != nil {
		t.Fatal(err)
	}
	if got := indexFiles(t, s); len(got) != 0 {
		t.Fatalf("index files after the Create = %q; want none", got)
	}
	if keys := listedKeys(t, s, "u"); len(keys) != 0 {
		t.Fatalf("UserRecords(u) = %q; want none: the record was created untied", keys)
	}
}

// TestTieMissingRecord: Tie of a key with no record writes nothing.
func TestTieMissingRecord(t *testing.T) {
	s := newTestStore(t)
	if err := s.Tie(t.Context(), "u", "never-created", time.Hour); err != nil {
		t.Fatal(err)
	}
	if got := indexFiles(t, s); len(got) != 0 {
		t.Fatalf("index files after Tie of a missing record = %q; want none", got)
	}
}

// TestHostileUserIDs: user IDs made of path elements, NUL bytes, or 10 KB
// name no path outside the index folder: every file the index writes is
// a hash-named file two levels under it, nothing appears beside the store's
// directory, and each user lists its own key only.
func TestHostileUserIDs(t *testing.T) {
	parent := t.TempDir()
	s, err := New(filepath.Join(parent, "sessions"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	users := []string{
		"../x", "../../escaped", "/etc/passwd", "a/../../b", ".", "..", "", "a\x00b", "\x00", "a\\..\\b",
		strings.Repeat("u", 10<<10), strings.Repeat("../", 3000), ".users", ".ties", ".locks",
	}
	for i, u := range users {
		mustCreateTied(t, s, fmt.Sprintf("../key-%d\x00/..", i), time.Hour, u)
	}
	if entries, err := os.ReadDir(parent); err != nil || len(entries) != 1 || entries[0].Name() != "sessions" {
		t.Fatalf("the store's parent holds %v (%v); want only the store's directory", entries, err)
	}
	for _, p := range indexFiles(t, s) {
		parts := strings.Split(p, string(filepath.Separator))
		_, okTop := map[string]bool{usersDir: true, tiesDir: true}[parts[0]]
		hashed := true
		for _, part := range parts[1:] {
			_, ok := sessionFile(part)
			hashed = hashed && ok
		}
		if !okTop || !hashed || len(parts) > 3 || parts[0] == tiesDir && len(parts) != 2 {
			t.Errorf("index file %q: want %s/<hash>/<hash> or %s/<hash>", p, usersDir, tiesDir)
		}
	}
	for i, u := range users {
		if keys := listedKeys(t, s, u); !slices.Equal(keys, []string{fmt.Sprintf("../key-%d\x00/..", i)}) {
			t.Errorf("UserRecords(%.20q) = %q; want its one key", u, keys)
		}
	}
}

// TestSharedDirectoryIndex: two Stores on one directory, as two processes,
// see each other's ties, unties and removals, and racing Ties and Unties
// of one user through both lose nothing.
func TestSharedDirectoryIndex(t *testing.T) {
	dir := t.TempDir()
	var stores [2]*Store
	for i := range stores {
		s, err := New(dir)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s.Close() })
		stores[i] = s
	}
	a, b := stores[0], stores[1]
	ctx := t.Context()
	mustCreateTied(t, a, "k1", time.Hour, "u")
	mustCreateTied(t, a, "k2", time.Hour, "u")
	if keys := listedKeys(t, b, "u"); !slices.Equal(keys, []string{"k1", "k2"}) {
		t.Fatalf("UserRecords through the second Store = %q; want the first Store's ties", keys)
	}
	if err := b.Untie(ctx, "u", "k1"); err != nil {
		t.Fatal(err)
	}
	if err := b.Delete(ctx, "k2"); err != nil {
		t.Fatal(err)
	}
	if keys := listedKeys(t, a, "u"); len(keys) != 0 {
		t.Fatalf("UserRecords through the first Store = %q; want none after the second untied one and deleted the other", keys)
	}

	const workers, perWorker = 16, 8
	key := func(w, j int) string { return fmt.Sprintf("w%d-%d", w, j) }
	for w := range workers {
		for j := range perWorker {
			if err := a.Create(ctx, key(w, j), []byte("data of "+key(w, j)), time.Hour); err != nil {
				t.Fatal(err)
			}
		}
	}
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			s := stores[w%2]
			for j := range perWorker {
				if err := s.Tie(ctx, "u", key(w, j), time.Hour); err != nil {
					t.Error(err)
				}
				if _, err := stores[(w+j)%2].UserRecords(ctx, "u"); err != nil {
					t.Error(err)
				}
			}
			for j := 1; j < perWorker; j += 2 {
				if err := stores[(w+1)%2].Untie(ctx, "u", key(w, j)); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	var want []string
	for w := range workers {
		for j := 0; j < perWorker; j += 2 {
			want = append(want, key(w, j))
		}
	}
	slices.Sort(want)
	for i, s := range stores {
		if keys := listedKeys(t, s, "u"); !slices.Equal(keys, want) {
			t.Fatalf("UserRecords through Store #%d after the race = %q; want %q", i, keys, want)
		}
	}
	if n := IndexEntries(t, a, "u"); n != len(want) {
		t.Fatalf("the user's folder holds %d files after the race; want %d", n, len(want))
	}
}

// TestUnusableDirectoryIndex: with the directory gone, Tie, Untie and
// UserRecords return an error, not "nothing tied".
func TestUnusableDirectoryIndex(t *testing.T) {
	s := newTestStore(t)
	ctx := t.Context()
	mustCreateTied(t, s, "k", time.Hour, "u")
	if err := os.RemoveAll(s.dir); err != nil {
		t.Fatal(err)
	}
	if err := s.Tie(ctx, "u", "k", time.Hour); err == nil {
		t.Error("Tie with the directory gone returned nil; want an error")
	}
	if err := s.Untie(ctx, "u", "k"); err == nil {
		t.Error("Untie with the directory gone returned nil; want an error")
	}
	if recs, err := s.UserRecords(ctx, "u"); err == nil {
		t.Errorf("UserRecords with the directory gone = (%v, nil); want an error", recs)
	}
	if _, err := os.Stat(s.dir); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the directory is back after the index calls (stat: %v); want it left gone", err)
	}
}

// TestIndexNoGoroutineLeft: a store with a background sweep, whose index
// was used, leaves no goroutine once closed.
func TestIndexNoGoroutineLeft(t *testing.T) {
	base := sweepers()
	s, err := New(t.TempDir(), WithCleanupInterval(time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	for i := range 20 {
		mustCreateTied(t, s, fmt.Sprint(i), time.Millisecond, "u")
	}
	if _, err := s.UserRecords(t.Context(), "u"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(10 * time.Millisecond) // let it sweep the index a few times
	if n := sweepers(); n != base+1 {
		t.Fatalf("%d sweep goroutines with the store open, %d before; the test cannot see it", n, base)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	// Close waits for the goroutine's last step; give it the instant to
	// leave the stack.
	deadline := time.Now().Add(5 * time.Second)
	for sweepers() != base {
		if time.Now().After(deadline) {
			t.Fatalf("%d sweep goroutines 5s after Close returned; want %d, as before New", sweepers(), base)
		}
		time.Sleep(time.Millisecond)
	}
}

// sweepers returns how many goroutines are running a sweep loop.
func sweepers() int {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			return strings.Count(string(buf[:n]), "sweep.(*Sweeper).run(")
		}
		buf = make([]byte, 2*len(buf))
	}
}

// TestHandles: UserRecords gives each record's handle, which names its
// session file and not its key, and ends with a NUL, so that no key the
// Manager writes is one; Delete and Untie take it, and the other methods
// take it as a key. A key that looks like a handle without being one
// (a KeyPrefix chosen to look like one, an unknown name) stays a key.
func TestHandles(t *testing.T) {
	s := newTestStore(t)
	ctx := t.Context()
	const key = "session:T6TbIFyfnO60szfRktwYZHXXwCSEEOJu271jRotWkIk"
	mustCreateTied(t, s, key, time.Hour, "u")
	mustCreateTied(t, s, "other", time.Hour, "u")
	name, _ := fileName(key)
	h := s.KeyHandle(key)
	if h != "\x00filestore:"+name+"\x00" || strings.Contains(h, key) || strings.Contains(h, "T6TbIFyfnO60") {
		t.Fatalf("KeyHandle(key) = %q; want the session file's name between \"\\x00filestore:\" and a NUL", h)
	}
	if _, found, err := s.Load(ctx, h); found || err != nil {
		t.Fatalf("Load(handle) = (found %v, %v); want not found: only Delete and Untie take handles", found, err)
	}

	// Keys that look like handles are keys: Delete of one leaves alone
	// the record whose file it seems to name.
	for _, k := range []string{
		handlePrefix + name,                                 // KeyPrefix "\x00filestore:" and a 64-character ID
		handlePrefix + name[:40] + handleSuffix,             // too short to name a file
		handlePrefix + strings.ToUpper(name) + handleSuffix, // not a file's name
	} {
		if kn, _ := target(k); kn == name {
			t.Errorf("target(%q) names the file of %q; want a key's own", k, key)
		}
		if err := s.Create(ctx, k, []byte("data of "+k), time.Hour); err != nil {
			t.Fatal(err)
		}
		if err := s.Delete(ctx, k); err != nil {
			t.Fatal(err)
		}
		if _, found, _ := s.Load(ctx, k); found {
			t.Errorf("Delete(%q) left its record", k)
		}
		if !exists(t, s, key) {
			t.Fatalf("Delete(%q), a key, removed the record of %q", k, key)
		}
	}

	if err := s.Untie(ctx, "u", h); err != nil {
		t.Fatal(err)
	}
	if keys := listedKeys(t, s, "u"); !slices.Equal(keys, []string{"other"}) {
		t.Fatalf("UserRecords(u) after Untie(handle) = %q; want [other]", keys)
	}
	if !exists(t, s, key) {
		t.Fatal("Untie(handle) removed the record")
	}
	mustCreateTied(t, s, "deleted", time.Hour, "u")
	if err := s.Delete(ctx, s.KeyHandle("deleted")); err != nil {
		t.Fatal(err)
	}
	if exists(t, s, "deleted") {
		t.Fatal("Delete(handle) left the record")
	}
	if keys := listedKeys(t, s, "u"); !slices.Equal(keys, []string{"other"}) {
		t.Fatalf("UserRecords(u) after Delete(handle) = %q; want [other]", keys)
	}
	deleted, _ := fileName("deleted")
	if got := indexFiles(t, s); slices.ContainsFunc(got, func(p string) bool { return strings.Contains(p, deleted) }) {
		t.Fatalf("index files after Delete(handle) = %q; want none of the deleted record's", got)
	}
}
