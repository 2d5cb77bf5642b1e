package benchmarks

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/serversession/serversession/backends/redisstore"
)

// Every library under test serves the same routes, with the same meaning:
//
//	/untouched  never reads the session; answers "ok"
//	/read       answers the int stored under "user_id"
//	/rmw        increments the int under "n" and answers the new value
//	/create     a new visitor: sets "user_id" = 42; answers "ok"
//	/large      /rmw on a session of 50 more keys (about 4 KB encoded);
//	            answers 500 if the large keys are not there
//	/seed       starts a session holding user_id = 42 and n = 0
//	/seedlarge  /seed plus the 50 keys large0..large49
//
// The cookie is named "session" everywhere.
const cookieName = "session"

// largeKeys is the number of extra keys in the large session, and
// largeValue the value each holds: 50 × ~80 bytes ≈ 4 KB.
const largeKeys = 50

var largeValue = strings.Repeat("0123456789abcdef", 4) + "-session-payload" // 80 bytes

// largeKey names the i-th extra key; lastLargeKey is the one /large checks.
func largeKey(i int) string { return "large" + strconv.Itoa(i) }

var lastLargeKey = largeKey(largeKeys - 1)

// secretKey signs cookies for every library that signs them (all but scs,
// whose cookie is a bare random token).
var secretKey = []byte("serversession-benchmarks-secret-key-32b")

const textPlain = "text/plain; charset=utf-8"

// appendInt formats n for a response body. Every library's handlers use it,
// so formatting costs the same everywhere.
func appendInt(buf []byte, n int) []byte { return strconv.AppendInt(buf, int64(n), 10) }

var okBody = []byte("ok")

// scenario is one request shape, run against every library.
type scenario struct {
	name string
	path string // the route timed
	seed string // the route that makes the session the request carries; "" = no cookie
}

var scenarios = []scenario{
	{name: "untouched", path: "/untouched", seed: "/seed"},
	{name: "read", path: "/read", seed: "/seed"},
	{name: "rmw", path: "/rmw", seed: "/seed"},
	{name: "create", path: "/create"},
	{name: "large", path: "/large", seed: "/seedlarge"},
}

// instance is one library, on one framework and store, ready to serve.
type instance struct {
	h http.Handler
	// cmds counts the Redis commands the library sent, when it can be
	// counted (go-redis clients, through a hook); nil otherwise.
	cmds *atomic.Int64
	// trips counts the round trips those commands took (a pipeline is one).
	trips *atomic.Int64
}

// target is a row of the comparison: a library on a framework and a store.
type target struct {
	lib   string // "ours-gin", "gincontrib", "bare-echo", ...
	fw    string // gin, echo, http
	store string // mem, redis, redis-cas (the Redis floor), fs, cookie, none
	bare  bool   // no sessions: the floor; nothing to verify but the status
	// floor marks a bare handler that makes a store's round trips by hand
	// (the Redis floor): its rmw is verified to count, n then n+1.
	floor bool
	// only, when set, lists the scenarios this target has; the others are
	// not run at all (nor listed as skipped).
	only []string
	// open builds the handler. It skips tb when a server it needs is absent.
	open func(tb testing.TB, prefix string) instance
	// cannot names the scenarios this target cannot run, and why.
	cannot map[string]string
	// cached marks a store with a client-side cache of reads: its read is
	// timed warm (see warmUp).
	cached bool
}

func (t target) name() string { return "lib=" + t.lib + "/store=" + t.store }

// has reports whether the target has scenario sc (see only).
func (t target) has(sc string) bool { return t.only == nil || slices.Contains(t.only, sc) }

// targets lists every row, floors first, in the order of the results.
func targets() []target {
	return []target{
		bareGin, floorGinRedis, floorGinRedisCAS, oursGinMem, oursGinRedis, oursGinRedisCached, oursGinIndexedMem, oursGinIndexedRedis, ginContribMem, ginContribRedis,
		bareEcho, oursEchoMem, oursEchoRedis, oursEchoRedisCached, echoContribFS, echoContribCookie,
		bareEcho5, oursEcho5Mem, oursEcho5Redis, oursEcho5RedisCached,
		bareHTTP, oursHTTPMem, oursHTTPRedis, oursHTTPRedisCached, scsMem, scsRedis,
	}
}

func TestMain(m *testing.M) {
	gin.SetMode(gin.ReleaseMode)
	os.Exit(m.Run())
}

// BenchmarkSession runs every scenario against every target. Names are
// lib=…/store=…/scenario=…, so benchstat can group them by any key.
func BenchmarkSession(b *testing.B) {
	for _, t := range targets() {
		b.Run(t.name(), func(b *testing.B) {
			for _, sc := range scenarios {
				if !t.has(sc.name) {
					continue
				}
				b.Run("scenario="+sc.name, func(b *testing.B) { runScenario(b, t, sc) })
			}
		})
	}
}

// runScenario checks once that the scenario really works on t, then times
// it. A failing request in the timed loop fails the benchmark: an error
// page must never pass for a fast session.
func runScenario(b *testing.B, t target, sc scenario) {
	if why, ok := t.cannot[sc.name]; ok {
		b.Skip(why)
	}
	prefix := keyPrefix(t.lib, sc.name)
	inst := t.open(b, prefix)
	cookie := verify(b, t, inst.h, sc)
	warmUp(b, t, inst.h, sc, cookie)

	tmpl := httptest.NewRequest(http.MethodGet, sc.path, nil)
	if cookie != nil {
		tmpl.AddCookie(cookie)
	}
	var before int64
	if inst.cmds != nil {
		before = inst.cmds.Load()
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		// A shallow copy per request: gorilla/sessions caches sessions in
		// the request it is given, so no request may serve twice.
		r := new(http.Request)
		*r = *tmpl
		w := httptest.NewRecorder()
		inst.h.ServeHTTP(w, r)
		if w.Code != http.StatusOK {
			b.Fatalf("request %d: %s %s answered %d: %s", i, r.Method, sc.path, w.Code, w.Body)
		}
	}
	b.StopTimer()
	if inst.cmds != nil {
		b.ReportMetric(float64(inst.cmds.Load()-before)/float64(b.N), "redis-cmds/op")
	}
}

// keyPrefix is the storage key prefix of one benchmark: its own, so that
// cleanup deletes its keys only, and so that concurrent runs never meet.
func keyPrefix(lib, scenario string) string {
	return fmt.Sprintf("ssbench:%d:%s:%s:", os.Getpid(), lib, scenario)
}

// verify proves, before timing, that sc works on h: that the read sees the
// stored value, that a read-modify-write increments across two requests,
// that a new visitor gets a cookie whose session holds its value. It returns
// the cookie the timed requests carry, or nil.
func verify(tb testing.TB, t target, h http.Handler, sc scenario) *http.Cookie {
	tb.Helper()
	if t.bare {
		// The floor has no session; its requests carry a cookie of the same
		// size as a signed session ID so that header work is alike.
		c := &http.Cookie{Name: cookieName, Value: strings.Repeat("A", 43) + "." + strings.Repeat("B", 43)}
		if body := get(tb, h, sc.path, c).Body.String(); body == "" {
			tb.Fatalf("%s: %s answered an empty body", t.name(), sc.path)
		}
		if t.floor && sc.name == "rmw" {
			first := expectInt(tb, t, get(tb, h, sc.path, c))
			if second := expectInt(tb, t, get(tb, h, sc.path, c)); first < 1 || second != first+1 {
				tb.Fatalf("%s: %s answered %d then %d; want n then n+1", t.name(), sc.path, first, second)
			}
		}
		return c
	}
	var cookie *http.Cookie
	if sc.seed != "" {
		cookie = updateCookie(tb, nil, get(tb, h, sc.seed, nil))
		if cookie == nil {
			tb.Fatalf("%s: %s set no %q cookie", t.name(), sc.seed, cookieName)
		}
	}
	switch sc.name {
	case "untouched":
		expectBody(tb, t, get(tb, h, sc.path, cookie), "ok")
	case "read":
		expectBody(tb, t, get(tb, h, sc.path, cookie), "42")
	case "rmw", "large":
		w := get(tb, h, sc.path, cookie)
		first := expectInt(tb, t, w)
		next := updateCookie(tb, cookie, w)
		w = get(tb, h, sc.path, next)
		if second := expectInt(tb, t, w); first < 1 || second != first+1 {
			tb.Fatalf("%s: %s answered %d then %d; want n then n+1", t.name(), sc.path, first, second)
		}
	case "create":
		w := get(tb, h, sc.path, nil)
		expectBody(tb, t, w, "ok")
		made := updateCookie(tb, nil, w)
		if made == nil {
			tb.Fatalf("%s: %s set no %q cookie", t.name(), sc.path, cookieName)
		}
		expectBody(tb, t, get(tb, h, "/read", made), "42")
	default:
		tb.Fatalf("unknown scenario %q", sc.name)
	}
	return cookie
}

// warmUp readies a cached target's read for timing: a process loads a
// session it wrote in the last CacheMaxStaleness past the cache (so that it
// reads its own writes), so it waits that long after the seed's write,
// then reads once, which fills the cache. The timed reads are then warm:
// served from memory, except for one reload per CacheMaxStaleness, the
// cache's cap on the age of what it serves. Other scenarios write on every
// request, so there is nothing to warm.
func warmUp(tb testing.TB, t target, h http.Handler, sc scenario, cookie *http.Cookie) {
	tb.Helper()
	if !t.cached || sc.name != "read" {
		return
	}
	time.Sleep(redisstore.CacheMaxStaleness)
	expectBody(tb, t, get(tb, h, sc.path, cookie), "42")
}

// get serves one GET request for path, with cookie if not nil.
func get(tb testing.TB, h http.Handler, path string, cookie *http.Cookie) *httptest.ResponseRecorder {
	tb.Helper()
	r := httptest.NewRequest(http.MethodGet, path, nil)
	if cookie != nil {
		r.AddCookie(cookie)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != http.StatusOK {
		tb.Fatalf("GET %s answered %d: %s", path, w.Code, w.Body)
	}
	return w
}

// updateCookie returns the session cookie w set, or old if it set none.
func updateCookie(tb testing.TB, old *http.Cookie, w *httptest.ResponseRecorder) *http.Cookie {
	tb.Helper()
	for _, c := range w.Result().Cookies() {
		if c.Name != cookieName {
			continue
		}
		if c.MaxAge < 0 || c.Value == "" {
			tb.Fatalf("the response expired the session cookie: %s", c)
		}
		return &http.Cookie{Name: c.Name, Value: c.Value}
	}
	return old
}

func expectBody(tb testing.TB, t target, w *httptest.ResponseRecorder, want string) {
	tb.Helper()
	if got := w.Body.String(); got != want {
		tb.Fatalf("%s: got body %q, want %q", t.name(), got, want)
	}
}

func expectInt(tb testing.TB, t target, w *httptest.ResponseRecorder) int {
	tb.Helper()
	n, err := strconv.Atoi(w.Body.String())
	if err != nil {
		tb.Fatalf("%s: body %q is not a number", t.name(), w.Body)
	}
	return n
}
