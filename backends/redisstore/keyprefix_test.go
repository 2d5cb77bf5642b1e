package redisstore_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/serversession/serversession/adapters/httpsession"
	"github.com/serversession/serversession/backends/redisstore"
	"github.com/serversession/serversession/sessions"
)

// TestKeyPrefixOfConfig: Config.KeyPrefix governs every key written to
// Redis. A Store made without WithKeyPrefix is refused by sessions.New when
// the Config names another prefix, with or without the user index, and the
// message names the option to pass; with it, a login writes its record and
// its user's index under the Config's prefix, nothing under the default
// one, and a logout removes both.
func TestKeyPrefixOfConfig(t *testing.T) {
	rdb := newClient(t, redisAddr(t))
	ctx := context.Background()

	for _, s := range []*redisstore.Store{redisstore.New(rdb), redisstore.New(rdb, redisstore.WithKeyPrefix(""))} {
		if got := s.KeyPrefix(); got != sessions.DefaultKeyPrefix {
			t.Errorf("KeyPrefix() of a Store without a prefix = %q, want %q", got, sessions.DefaultKeyPrefix)
		}
	}
	if _, err := sessions.New(sessions.Config{Store: redisstore.New(rdb), Users: &sessions.UserIndexConfig{}}); err != nil {
		t.Errorf("the default prefixes disagree: %v", err)
	}
	for _, users := range []*sessions.UserIndexConfig{nil, {}} {
		_, err := sessions.New(sessions.Config{Store: redisstore.New(rdb), KeyPrefix: "newcomer:", Users: users})
		if err == nil {
			t.Fatalf("New (Users %v) accepted KeyPrefix newcomer: on a Store keeping its keys under session:", users)
		}
		for _, want := range []string{`KeyPrefix is "newcomer:"`, `under "session:"`, `redisstore.WithKeyPrefix("newcomer:")`} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("New (Users %v): %q does not say %q", users, err, want)
			}
		}
	}

	s, p := indexStore(t, rdb)
	m, err := sessions.New(sessions.Config{
		Store:     s,
		KeyPrefix: p,
		Users:     &sessions.UserIndexConfig{},
		Logger:    slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	user := "alice@" + p
	mux := http.NewServeMux()
	mux.HandleFunc("/login", func(w http.ResponseWriter, r *http.Request) {
		s := sessions.Get(r)
		s.Regenerate()
		s.SetUser(user)
		fmt.Fprint(w, s.ID())
	})
	mux.HandleFunc("/logout", func(w http.ResponseWriter, r *http.Request) { sessions.Get(r).Destroy() })
	h := httpsession.Middleware(m)(mux)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/login", nil))
	id, cookies := w.Body.String(), w.Result().Cookies()
	if w.Code != http.StatusOK || len(cookies) != 1 {
		t.Fatalf("/login: %d, %d cookies", w.Code, len(cookies))
	}
	exists := func(key string) bool {
		n, err := rdb.Exists(ctx, key).Result()
		if err != nil {
			t.Fatal(err)
		}
		return n == 1
	}
	ukey := redisstore.UserKeyOf(s, user)
	for key, want := range map[string]bool{p + id: true, ukey: true, sessions.DefaultKeyPrefix + strings.TrimPrefix(ukey, p): false} {
		if got := exists(key); got != want {
			t.Errorf("after the login, key %q exists: %v, want %v", key, got, want)
		}
	}

	r := httptest.NewRequest(http.MethodGet, "/logout", nil)
	r.AddCookie(cookies[0])
	h.ServeHTTP(httptest.NewRecorder(), r)
	for _, key := range []string{p + id, ukey} {
		if exists(key) {
			t.Errorf("after the logout, key %q is still there", key)
		}
	}
}
