package storetest

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/serversession/serversession/sessions"
)

// Harness describes the store under test.
type Harness struct {
	// New returns a store ready for use; it registers its own cleanup with
	// t.Cleanup. Called once per subtest.
	New func(t *testing.T) sessions.Store
	// Unreachable, if set, returns a store whose server is gone (e.g. a
	// client pointed at a loopback port where nothing listens). Every
	// operation must then return an error; Load must never report
	// found=false instead.
	Unreachable func(t *testing.T) sessions.Store
	// IndexEntries, if set, returns the number of entries the store s (a
	// store that New returned) holds in user's index, counted as raw as the
	// store can: Redis ZCARD, SQL rows whose user column is user, files in
	// the user's index folder. It must count the entries of records that
	// are gone but not yet pruned, and may fail t if it cannot count. The
	// UserIndex subtests use it to check that entries end with their
	// records; without it, those checks are skipped.
	IndexEntries func(t *testing.T, s sessions.Store, user string) int
}

// subtestTimeout bounds each subtest, so that a store that hangs fails the
// subtest with a deadline error instead of hanging the whole test binary.
const subtestTimeout = time.Minute

// suiteCase is one subtest of the suite, run against a fresh store.
type suiteCase struct {
	name string
	run  func(t *testing.T, env *env)
}

// env is what every subtest gets: the store, a context that ends with the
// subtest, and the subtest's own key space.
type env struct {
	store sessions.Store
	ctx   context.Context
	keys  keyspace
	// index is the store as a sessions.UserIndex, nil if it is not one.
	index sessions.UserIndex
	// handles is the store as a sessions.KeyHandler, nil if it is not one.
	handles sessions.KeyHandler
	// named maps the handle of each key the subtest created or tied to the
	// key, for a store that gives handles (see keyOf).
	namedMu sync.Mutex
	named   map[string]string
	// indexEntries is Harness.IndexEntries, nil if the harness has none.
	indexEntries func(t *testing.T, s sessions.Store, user string) int
	// entriesNoted is set once the subtest logged that indexEntries is nil.
	entriesNoted bool
}

// cases is the suite, in the order it runs. Unreachable runs last, apart,
// because it uses Harness.Unreachable instead of Harness.New.
var cases = []suiteCase{
	{"RoundTrip", testRoundTrip},
	{"Ping", testPing},
	{"MissingKey", testMissingKey},
	{"Overwrite", testOverwrite},
	{"Delete", testDelete},
	{"CreateConflict", testCreateConflict},
	{"Replace", testReplace},
	{"ReplaceStale", testReplaceStale},
	{"DeleteIf", testDeleteIf},
	{"DeleteIfStale", testDeleteIfStale},
	{"DeletedStaysDeleted", testDeletedStaysDeleted},
	{"Expiry", testExpiry},
	{"ExpiredRecords", testExpiredRecords},
	{"LoadTouch", testLoadTouch},
	{"LongTTL", testLongTTL},
	{"LargeValue", testLargeValue},
	{"BinaryData", testBinaryData},
	{"KeyCharacters", testKeyCharacters},
	{"NoAliasing", testNoAliasing},
	{"Concurrency", testConcurrency},
	{"ReplaceRace", testReplaceRace},
	{"CreateRace", testCreateRace},
	{"DeleteIfRace", testDeleteIfRace},
	{"CanceledContext", testCanceledContext},
	{"UserIndex", testUserIndex},
	{"UserIndexUserIDs", testUserIndexUserIDs},
	{"UserIndexKeepsTie", testUserIndexKeepsTie},
	{"UserIndexDelete", testUserIndexDelete},
	{"UserIndexExpiry", testUserIndexExpiry},
	{"UserIndexLogoutCycles", testUserIndexLogoutCycles},
	{"UserIndexRevokeCycles", testUserIndexRevokeCycles},
	{"UserIndexRace", testUserIndexRace},
	{"UserIndexCanceledContext", testUserIndexCanceledContext},
	{"UserIndexHandles", testUserIndexHandles},
}

// Run runs the conformance suite as subtests of t.
func Run(t *testing.T, h Harness) {
	t.Helper()
	if h.New == nil {
		t.Fatal("storetest: Harness.New is nil; it must return the store under test")
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := h.New(t)
			if s == nil {
				t.Fatal("storetest: Harness.New returned a nil store")
			}
			e := newEnv(t, s, c.name)
			e.indexEntries = h.IndexEntries
			c.run(t, e)
		})
	}
	t.Run("Unreachable", func(t *testing.T) {
		if h.Unreachable == nil {
			t.Skip("Harness.Unreachable is nil: no server to lose for this store")
		}
		s := h.Unreachable(t)
		if s == nil {
			t.Fatal("storetest: Harness.Unreachable returned a nil store")
		}
		testUnreachable(t, newEnv(t, s, "Unreachable"))
	})
}

// newEnv builds the environment of one subtest.
func newEnv(t *testing.T, s sessions.Store, name string) *env {
	ctx, cancel := context.WithTimeout(t.Context(), subtestTimeout)
	t.Cleanup(cancel)
	ix, _ := s.(sessions.UserIndex)
	kh, _ := s.(sessions.KeyHandler)
	return &env{store: s, ctx: ctx, keys: newKeyspace(name), index: ix, handles: kh}
}

// note remembers key's handle, if the store gives handles, so that keyOf
// can turn it back into key.
func (e *env) note(key string) {
	if e.handles == nil {
		return
	}
	h := e.handles.KeyHandle(key)
	e.namedMu.Lock()
	defer e.namedMu.Unlock()
	if e.named == nil {
		e.named = map[string]string{}
	}
	e.named[h] = key
}

// keyOf returns the key of a UserRecord's Key k: the key whose handle k
// is, among those the subtest created or tied, or k itself.
func (e *env) keyOf(k string) string {
	e.namedMu.Lock()
	defer e.namedMu.Unlock()
	if key, ok := e.named[k]; ok {
		return key
	}
	return k
}
