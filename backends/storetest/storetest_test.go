package storetest

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/serversession/serversession/sessions"
)

// refIndexEntries is the reference store's Harness.IndexEntries.
func refIndexEntries(t *testing.T, s sessions.Store, user string) int {
	r, ok := unwrapRef(s)
	if !ok {
		t.Fatalf("storetest bug: IndexEntries was given a %T, not the store New returned", s)
	}
	return r.indexEntries(user)
}

// TestRunReference runs the suite against the reference store, LoadTouch
// and UserIndex included, and an unreachable one.
func TestRunReference(t *testing.T) {
	t.Parallel()
	Run(t, Harness{
		New:          func(*testing.T) sessions.Store { return newRefStore("") },
		Unreachable:  func(*testing.T) sessions.Store { return newRefStore("down") },
		IndexEntries: refIndexEntries,
	})
}

// TestRunVersioned runs the suite against the reference store handing out
// version tokens, as memcached's CAS values are: the suite must not assume
// that stores compare bytes.
func TestRunVersioned(t *testing.T) {
	if testing.Short() {
		t.Skip("slow: waits for expiry")
	}
	t.Parallel()
	Run(t, Harness{
		New:          func(*testing.T) sessions.Store { return newRefStore("versioned") },
		Unreachable:  func(*testing.T) sessions.Store { return newRefStore("down") },
		IndexEntries: refIndexEntries,
	})
}

// TestRunHandles runs the suite against the reference store with an index
// that gives handles in place of keys, as filestore's does.
func TestRunHandles(t *testing.T) {
	if testing.Short() {
		t.Skip("slow: waits for expiry")
	}
	t.Parallel()
	Run(t, Harness{
		New:          func(*testing.T) sessions.Store { return newRef("handles") },
		IndexEntries: refIndexEntries,
	})
}

// TestRunWithoutIndexEntries runs the suite against the reference store
// with no Harness.IndexEntries: the subtests that count index entries skip,
// the other UserIndex checks still run and pass.
func TestRunWithoutIndexEntries(t *testing.T) {
	if testing.Short() {
		t.Skip("slow: waits for expiry")
	}
	t.Parallel()
	Run(t, Harness{
		New: func(*testing.T) sessions.Store { return newRefStore("") },
	})
}

// TestRunPlainStore runs the suite against a store with only the five Store
// methods: the LoadTouch and UserIndex subtests skip, everything else
// passes.
func TestRunPlainStore(t *testing.T) {
	if testing.Short() {
		t.Skip("slow: waits for expiry")
	}
	t.Parallel()
	Run(t, Harness{
		New: func(*testing.T) sessions.Store {
			return struct{ sessions.Store }{newRefStore("")}
		},
	})
}

// faultEnv names the fault that TestFaultyStore injects, when the suite's
// own tests run the test binary again to watch it fail.
const faultEnv = "STORETEST_FAULT"

// TestFaultyStore runs the suite against a store broken as $STORETEST_FAULT
// says. It only runs as a child of TestSuiteCatchesFaults, which expects it
// to fail.
func TestFaultyStore(t *testing.T) {
	fault := os.Getenv(faultEnv)
	if fault == "" {
		t.Skip("runs only as a child of TestSuiteCatchesFaults")
	}
	Run(t, Harness{
		New:          func(*testing.T) sessions.Store { return newRef(fault) },
		Unreachable:  func(*testing.T) sessions.Store { return newRef(fault) },
		IndexEntries: refIndexEntries,
	})
}

// TestSuiteCatchesFaults checks that each subtest fails on a store broken
// in the way it is meant to catch, with a message that says so.
func TestSuiteCatchesFaults(t *testing.T) {
	for _, c := range []struct {
		fault, subtest, message string
		slow                    bool // waits for expiry
	}{
		{"alias-load", "NoAliasing", "changed the slice an earlier Load returned", false},
		{"alias-write", "NoAliasing", "changed the slice it passed to Create", false},
		{"write-in-place", "Overwrite", "Replace #1", false},
		{"no-expiry", "Expiry", "are still found", true},
		{"loadtouch-noop", "LoadTouch", "LoadTouch must extend", true},
		{"loadtouch-resurrects", "LoadTouch", "LoadTouch must not create records", true},
		{"ignore-ctx", "CanceledContext", "want an error wrapping context canceled", false},
		{"down-not-found", "Unreachable", "reported not found with a nil error", false},
		{"case-insensitive-keys", "KeyCharacters", "differs only in letter case", false},
		{"nul-truncate", "BinaryData", "returned the wrong data", false},
		{"small-values", "LargeValue", "value too large", false},
		{"relative-ttl-only", "LongTTL", "reported not found", false},

		// Conditional writes.
		{"create-overwrites", "CreateConflict", "over a live record returned nil; want an error wrapping sessions.ErrConflict", false},
		{"conflict-unwrapped", "CreateConflict", "does not wrap sessions.ErrConflict", false},
		{"conflict-unwrapped", "ReplaceStale", "does not wrap sessions.ErrConflict", false},
		{"replace-ignores-old", "ReplaceStale", "over the record Load returned before another Replace returned nil", false},
		{"replace-compares-length", "ReplaceStale", "with one changed returned nil", false},
		{"replace-compares-64k", "LargeValue", "last byte differs returned nil", false},
		{"replace-recreates", "ReplaceStale", "Replace must not create records", false},
		{"replace-recreates", "DeletedStaysDeleted", "Replace must not recreate a deleted record", false},
		{"soft-delete-replace", "DeletedStaysDeleted", "Replace must not recreate a deleted record", false},
		{"soft-delete-loadtouch", "DeletedStaysDeleted", "LoadTouch must not recreate a deleted record", false},
		{"soft-delete-loadtouch", "LoadTouch", "LoadTouch must not resurrect a deleted record", true},
		{"replace-over-expired", "ExpiredRecords", "Replace must not bring back an expired record", true},
		{"create-over-expired-conflicts", "ExpiredRecords", "an expired record counts as absent", true},
		{"replace-keeps-ttl", "ExpiredRecords", "Replace must set the record's TTL to its ttl argument", true},
		{"versioned-zero-version-conflicts", "Replace", "over the record it names returned error", false},
		{"versioned-loadtouch-bad-version", "Replace", "the Record LoadTouch returns must work as old", false},
		{"versioned-loadtouch-new-version", "Replace", "LoadTouch changes no data, so the record loaded before it", false},
		{"alias-write", "NoAliasing", "changed the slice it passed to Replace", false},
		{"racy-replace", "ReplaceRace", "racing Replace", false},
		{"racy-create", "CreateRace", "racing Create", false},
		{"down-conflict", "Unreachable", "which wraps sessions.ErrConflict", false},

		// DeleteIf.
		{"deleteif-ignores-old", "DeleteIfStale", "DeleteIf must compare the record with old before it deletes", false},
		{"deleteif-ignores-old", "LargeValue", "DeleteIf must compare the record with old before it deletes", false},
		{"deleteif-ok-on-mismatch", "DeleteIfStale", "over the record Load returned before another Replace returned nil", false},
		{"deleteif-ok-when-gone", "DeleteIfStale", "of a key never written returned nil", false},
		{"deleteif-ok-when-gone", "DeletedStaysDeleted", "over the record loaded before it was deleted returned nil", false},
		{"soft-delete-deleteif", "DeletedStaysDeleted", "over the record loaded before it was deleted returned nil", false},
		{"deleteif-over-expired", "ExpiredRecords", "over an expired record, swept or not, returned nil", true},
		{"deleteif-conflict-unwrapped", "DeleteIfStale", "does not wrap sessions.ErrConflict", false},
		{"deleteif-conflict-unwrapped", "DeletedStaysDeleted", "does not wrap sessions.ErrConflict", false},
		{"versioned-zero-version-conflicts", "DeleteIf", "must be compared by its Data", false},
		{"versioned-loadtouch-bad-version", "DeleteIf", "the Record LoadTouch returns must work as old", false},
		{"versioned-loadtouch-new-version", "DeleteIf", "LoadTouch changes no data, so the record loaded before it", false},
		{"racy-deleteif", "DeleteIfRace", "racing DeleteIf and Replace", false},
		{"racy-replace", "DeleteIfRace", "racing DeleteIf and Replace", false},
		{"down-conflict", "Unreachable", "DeleteIf(", false},

		// UserIndex.
		{"index-untie-noop", "UserIndex", "which was untied; Untie must remove the key from the user's index", false},
		{"index-untie-noop", "UserIndexLogoutCycles", "right after a logout (Delete, then Untie)", false},
		{"index-alias", "UserIndex", "after the caller changed the bytes an earlier UserRecords returned", false},
		{"index-shared-prefix", "UserIndexUserIDs", "user IDs must be kept apart byte for byte", false},
		{"index-prune-by-tie-ttl", "UserIndexKeepsTie", "the tie must last as long as its record", true},
		{"index-expires-from-tie", "UserIndexKeepsTie", "want the record's expiry, as the store last set it", true},
		{"index-lists-deleted", "UserIndexDelete", "UserRecords must never return a deleted record", false},
		{"index-never-prunes", "UserIndexDelete", "after UserRecords listed its one live record", false},
		{"index-lists-expired", "UserIndexExpiry", "UserRecords must never return an expired record", true},
		{"index-never-prunes", "UserIndexRevokeCycles", "the index never grows past the user's live sessions", false},
		{"index-racy", "UserIndexRace", "racing Tie, Untie and UserRecords calls must not lose each other's writes", false},
		{"ignore-ctx", "UserIndexCanceledContext", "want an error wrapping context canceled", false},
		{"index-down-empty", "Unreachable", "returned no records with a nil error", false},
		{"handles-no-keyhandler", "UserIndexHandles", "must implement sessions.KeyHandler", false},
		{"handles-delete-key-only", "UserIndexHandles", "with the Key UserRecords returned for it, must delete the record", false},
		{"handles-untie-key-only", "UserIndexHandles", "Untie must take that Key", false},
		{"handles-end-like-ids", "UserIndexHandles", "no key the Manager writes", false},
		{"handles-hold-the-key", "UserIndexHandles", "must not give the key away", false},
	} {
		t.Run(c.fault+"/"+c.subtest, func(t *testing.T) {
			if testing.Short() && c.slow {
				t.Skip("slow: waits for expiry")
			}
			t.Parallel()
			cmd := exec.CommandContext(t.Context(), os.Args[0],
				"-test.run=^TestFaultyStore$/^"+c.subtest+"$", "-test.v")
			cmd.Env = append(os.Environ(), faultEnv+"="+c.fault)
			out, err := cmd.CombinedOutput()
			if err == nil {
				t.Fatalf("the suite passed a store with fault %q; want subtest %s to fail\n%s", c.fault, c.subtest, out)
			}
			if !strings.Contains(string(out), "--- FAIL: TestFaultyStore/"+c.subtest) {
				t.Fatalf("fault %q: subtest %s did not fail (err %v)\n%s", c.fault, c.subtest, err, out)
			}
			if !strings.Contains(string(out), c.message) {
				t.Errorf("fault %q: the failure does not say %q\n%s", c.fault, c.message, out)
			}
		})
	}
}

// refServer takes a reference store's server away and brings it back.
type refServer struct{ s *refStore }

func (r refServer) Stop()  { r.s.fault = "down" }
func (r refServer) Start() { r.s.fault = "" }

// TestServerComesBackReference runs ServerComesBack against the reference
// store, whose server comes back at once.
func TestServerComesBackReference(t *testing.T) {
	s := newRefStore("")
	ServerComesBack(t, s, refServer{s}, 0)
}

// BenchmarkReference runs Benchmark against the reference store.
func BenchmarkReference(b *testing.B) {
	Benchmark(b, newRefStore(""))
}
