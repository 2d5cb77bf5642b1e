package ginsession_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/serversession/serversession/backends/memstore"
	"github.com/serversession/serversession/backends/storetest"
	"github.com/serversession/serversession/ginsession"
	"github.com/serversession/serversession/sessions"
)

// countingStore is a memstore that counts its round trips, for the tests
// and benchmarks of this package.
type countingStore struct {
	Store sessions.Store // the counted store: pass this to the middleware
	*storetest.Counter
}

func newCountingStore(tb testing.TB) *countingStore {
	ms := memstore.New()
	tb.Cleanup(func() {
		if err := ms.Close(); err != nil {
			tb.Errorf("memstore Close: %v", err)
		}
	})
	c, s := storetest.Count(ms)
	return &countingStore{Store: s, Counter: c}
}

// testKey signs this package's test cookies.
var testKey = []byte("ginsession-test-key-of-32-bytes!")

// newEngine returns a gin engine with the session middleware over store.
func newEngine(store sessions.Store, opts ...func(*sessions.Config)) *gin.Engine {
	cfg := sessions.Config{Store: store, Signing: sessions.Signing{Key: testKey}, Logger: slog.New(slog.DiscardHandler)}
	for _, o := range opts {
		o(&cfg)
	}
	r := gin.New()
	r.Use(ginsession.New(cfg))
	return r
}

// serve sends one request to h over a real connection (gin's Stream needs
// CloseNotify, which a ResponseRecorder lacks) and returns the response,
// read whole, and its session cookie, parsed by net/http (nil if none).
func serve(t testing.TB, h http.Handler, method, path string, cookie *http.Cookie) (*http.Response, *http.Cookie) {
	t.Helper()
	srv := httptest.NewServer(h)
	defer srv.Close()
	req, err := http.NewRequest(method, srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if cookie != nil {
		req.AddCookie(&http.Cookie{Name: cookie.Name, Value: cookie.Value})
	}
	hc := srv.Client()
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	res, err := hc.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	if _, err := io.Copy(io.Discard, res.Body); err != nil {
		t.Fatalf("%s %s: reading the body: %v", method, path, err)
	}
	res.Body.Close()
	var found *http.Cookie
	for _, c := range res.Cookies() {
		if c.Name == sessions.DefaultCookieName {
			if found != nil {
				t.Errorf("%s %s set the session cookie twice", method, path)
			}
			found = c
		}
	}
	return res, found
}

// TestUntouchedSessionCostsNoStoreCall checks the first round-trip budget: a
// request that never touches its session makes no store round trip, with or
// without a session cookie, and sends no Set-Cookie and no Vary.
func TestUntouchedSessionCostsNoStoreCall(t *testing.T) {
	store := newCountingStore(t)
	r := newEngine(store.Store)
	r.GET("/set", func(c *gin.Context) { sessions.Get(c).Set("a", 1) })
	r.GET("/untouched", func(c *gin.Context) { c.String(http.StatusOK, "hello") })

	_, cookie := serve(t, r, http.MethodGet, "/set", nil)
	if cookie == nil {
		t.Fatal("GET /set set no cookie")
	}
	for _, c := range []*http.Cookie{nil, cookie} {
		store.Reset()
		res, set := serve(t, r, http.MethodGet, "/untouched", c)
		if n := store.Calls(); n != 0 {
			t.Errorf("cookie %t: %d store calls, want 0", c != nil, n)
		}
		if set != nil || res.Header.Get("Vary") != "" {
			t.Errorf("cookie %t: Set-Cookie %v, Vary %q; want neither", c != nil, set, res.Header.Get("Vary"))
		}
	}
}
