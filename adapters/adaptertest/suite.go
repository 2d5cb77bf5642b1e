package adaptertest

import "testing"

// Run checks h's adapter against every behaviour of the request lifecycle
// and the error rules that shows through HTTP. Each check is a subtest
// named after the behaviour; they run in parallel, each on its own server
// and store.
func Run(t *testing.T, h Harness) {
	if h.New == nil {
		t.Fatal("adaptertest: Harness.New is nil")
	}
	for _, g := range suite {
		t.Run(g.name, func(t *testing.T) {
			t.Parallel()
			for _, c := range g.checks {
				t.Run(c.name, func(t *testing.T) {
					t.Parallel()
					c.run(t, h)
				})
			}
		})
	}
}

// check is one behaviour of the suite.
type check struct {
	name string
	run  func(t *testing.T, h Harness)
}

// suite lists the behaviours, grouped by area.
var suite = []struct {
	name   string
	checks []check
}{
	{"Dict", []check{
		{"SetGet", testSetGet},
		{"Modify", testModify},
		{"Delete", testDelete},
		{"Pop", testPop},
		{"Clear", testClear},
		{"KeysLenHas", testKeysLenHas},
		{"IDAndIsNew", testIDAndIsNew},
		{"Flashes", testFlashes},
		{"TypedValues", testTypedValues},
		{"NestedInPlace", testNestedInPlace},
		{"ConcurrentWithinRequest", testConcurrentWithinRequest},
		{"ConcurrentClients", testConcurrentClients},
	}},
	{"Concurrency", []check{
		{"ManyRequestsOneCookie", testManyRequestsOneCookie},
		{"SlowWriterVsLogout", testSlowWriterVsLogout},
		{"SlowWriterVsLogin", testSlowWriterVsLogin},
		{"SlowReaderVsLogin", testSlowReaderVsLogin},
		{"StalledSave", testStalledSave},
		{"Flashes", testConcurrentFlashes},
	}},
	{"Users", []check{
		{"UserSessions", testUserSessions},
		{"RevokeOthers", testRevokeOthers},
		{"RevokeByRef", testRevokeByRef},
		{"RevokeInFlight", testRevokeInFlight},
		{"IndexRoundTrips", testIndexRoundTrips},
	}},
	{"Commit", []check{
		{"SetAfterStatus", testSetAfterStatus},
		{"SetAfterWriteExisting", testSetAfterWriteExisting},
		{"SetAfterWriteNew", testSetAfterWriteNew},
		{"Stream", testStream},
		{"RedirectAfterLogin", testRedirectAfterLogin},
		{"HandlerError", testHandlerError},
		{"Panic", testPanic},
		{"CommitOnce", testCommitOnce},
		{"GetFromEveryContextType", testGetFromEveryContextType},
		{"ClientGone", testClientGone},
		{"LateIDChange", testLateIDChange},
	}},
	{"IDs", []check{
		{"Regenerate", testRegenerate},
		{"Destroy", testDestroy},
		{"ClientChosenID", testClientChosenID},
		{"MissingRecord", testMissingRecord},
		{"CorruptRecord", testCorruptRecord},
		{"AbsoluteTimeout", testAbsoluteTimeout},
		{"StorageKeyAndIDLength", testStorageKeyAndIDLength},
	}},
	{"Cookie", []check{
		{"Attributes", testCookieAttributes},
		{"SetPermanent", testSetPermanent},
		{"Vary", testVary},
		{"Untouched", testUntouched},
		{"EmptyNeverStored", testEmptyNeverStored},
	}},
	{"Refresh", []check{
		{"ReadOnly", testReadOnlyRefresh},
		{"RoundTrips", testRoundTrips},
	}},
	{"BadInput", []check{
		{"Cookies", testBadCookies},
		{"SigningFallbacks", testSigningFallbacks},
		{"DuplicateCookies", testDuplicateCookies},
	}},
	{"Errors", []check{
		{"LoadFailure", testLoadFailure},
		{"SaveFailure", testSaveFailure},
		{"NoMiddleware", testNoMiddleware},
		{"NilStore", testNilStore},
		{"NullFlashes", testNullFlashes},
		{"InvalidConfig", testInvalidConfig},
	}},
}
