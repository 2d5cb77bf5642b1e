package filestore

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/serversession/serversession/adapters/httpsession"
	"github.com/serversession/serversession/sessions"
)

// A logged-in user outlives anonymous traffic past the threshold: alice
// logs in, then 520 requests without a cookie each write a session.
func TestThresholdKeepsLoggedInUsers(t *testing.T) {
	for _, users := range []bool{false, true} {
		t.Run(fmt.Sprintf("Users=%v", users), func(t *testing.T) {
			st := newTestStore(t)
			cfg := sessions.Config{Store: st}
			if users {
				cfg.Users = &sessions.UserIndexConfig{}
			}
			mux := http.NewServeMux()
			mux.HandleFunc("/login", func(_ http.ResponseWriter, r *http.Request) { sessions.Get(r).SetUser("alice") })
			mux.HandleFunc("/visit", func(_ http.ResponseWriter, r *http.Request) { sessions.Get(r).Set("visits", 1) })
			mux.HandleFunc("/user", func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte(sessions.Get(r).User())) })
			h := httpsession.New(cfg)(mux)

			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/login", nil))
			cookies := rec.Result().Cookies()
			if len(cookies) != 1 {
				t.Fatalf("login set cookies %v", cookies)
			}
			time.Sleep(2 * time.Millisecond) // alice's session is the least recently used
			for range 520 {
				h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/visit", nil))
			}
			req := httptest.NewRequest(http.MethodGet, "/user", nil)
			req.AddCookie(cookies[0])
			rec = httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if got := rec.Body.String(); got != "alice" {
				t.Errorf("after 520 anonymous sessions, the logged-in cookie reads user %q; want alice", got)
			}
			if n := len(names(t, st)); n > DefaultThreshold {
				t.Errorf("directory holds %d session files, over the threshold", n)
			}
		})
	}
}

// Past the threshold, expired files go first, then the sessions that name
// no user, least recently used first, and only then those that do.
func TestThresholdEvictionOrder(t *testing.T) {
	s := newTestStore(t, WithThreshold(10))
	ctx := t.Context()
	named := sessions.WithUserHint(ctx)
	// 4 logged-in sessions, used long ago; 7 anonymous ones, used since.
	for i := range 4 {
		if err := s.Create(named, fmt.Sprint("user-", i), []byte("x"), time.Duration(i+1)*time.Hour); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 7 { // the 11th file goes past the threshold: evict 2
		if err := s.Create(ctx, fmt.Sprint("anon-", i), []byte("x"), time.Duration(i+10)*time.Hour); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 4 {
		if !exists(t, s, fmt.Sprint("user-", i)) {
			t.Errorf("logged-in user-%d was evicted before anonymous sessions", i)
		}
	}
	for i := range 6 {
		if want := i >= 2; exists(t, s, fmt.Sprint("anon-", i)) != want {
			t.Errorf("anon-%d present = %v; want %v (least recently used first)", i, !want, want)
		}
	}
}
