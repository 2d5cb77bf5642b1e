package filestore_test

import (
	"bytes"
	"encoding/base64"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/serversession/serversession/adapters/httpsession"
	"github.com/serversession/serversession/backends/filestore"
	"github.com/serversession/serversession/sessions"
)

// TestNoSessionIDOnDisk: with the user index on, after logins, a listing,
// a Regenerate and a revocation, no file under the store's directory (the
// session files, the index's markers and ties files, the lock files) holds
// a live session's ID, its storage key or the ID's decoded bytes, and no
// path names them: whoever reads the directory or a backup of it cannot
// take a session over.
func TestNoSessionIDOnDisk(t *testing.T) {
	dir := t.TempDir()
	st, err := filestore.New(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })

	mux := http.NewServeMux()
	mux.HandleFunc("/login", func(_ http.ResponseWriter, r *http.Request) {
		s := sessions.Get(r)
		s.SetUser("alice") // a new ID, tied to alice
		s.Set("cart", "apples")
	})
	mux.HandleFunc("/regenerate", func(_ http.ResponseWriter, r *http.Request) { sessions.Get(r).Regenerate() })
	mux.HandleFunc("/list", func(w http.ResponseWriter, r *http.Request) {
		list, err := sessions.Get(r).UserSessions()
		if err != nil {
			t.Errorf("UserSessions: %v", err)
		}
		for _, us := range list {
			_, _ = w.Write([]byte(us.Ref + "\n"))
		}
	})
	mux.HandleFunc("/revoke-others", func(_ http.ResponseWriter, r *http.Request) {
		if n, err := sessions.Get(r).RevokeOthers(); n != 1 || err != nil {
			t.Errorf("RevokeOthers = %d, %v; want the one other session", n, err)
		}
	})
	mux.HandleFunc("/user", func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte(sessions.Get(r).User())) })
	h := httpsession.New(sessions.Config{Store: st, Users: &sessions.UserIndexConfig{Devices: true}})(mux)

	serve := func(path string, c *http.Cookie) (*http.Cookie, string) {
		t.Helper()
		req := httptest.NewRequest(http.MethodGet, path, nil)
		if c != nil {
			req.AddCookie(c)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			t.Fatalf("%s: status %d: %s", path, rec.Code, rec.Body)
		}
		for _, sc := range rec.Result().Cookies() {
			if sc.Name == sessions.DefaultCookieName {
				return &http.Cookie{Name: sc.Name, Value: sc.Value}, rec.Body.String()
			}
		}
		return c, rec.Body.String()
	}

	phone, _ := serve("/login", nil)
	laptop, _ := serve("/login", nil)
	laptop, _ = serve("/regenerate", laptop)
	if _, list := serve("/list", laptop); strings.Count(list, "\n") != 2 {
		t.Fatalf("alice's sessions listed: %q; want two", list)
	}
	checkNoSecrets(t, dir, phone.Value, laptop.Value)

	serve("/revoke-others", laptop)
	if _, user := serve("/user", phone); user != "" {
		t.Errorf("the revoked phone still reads user %q", user)
	}
	if _, user := serve("/user", laptop); user != "alice" {
		t.Errorf("the laptop reads user %q after revoking the others; want alice", user)
	}
	checkNoSecrets(t, dir, laptop.Value)
}

// checkNoSecrets fails t if a file under dir holds, or a path names, one
// of ids (unsigned session IDs), its storage key or its decoded bytes.
func checkNoSecrets(t *testing.T, dir string, ids ...string) {
	t.Helper()
	var secrets [][]byte
	for _, id := range ids {
		raw, err := base64.RawURLEncoding.DecodeString(id)
		if err != nil {
			t.Fatalf("cookie value %q is not a bare session ID: %v", id, err)
		}
		secrets = append(secrets, []byte(id), []byte(sessions.DefaultKeyPrefix+id), raw)
	}
	files := 0
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		for i, s := range secrets {
			if i%3 == 2 {
				continue // the ID's raw bytes: a path is text
			}
			if strings.Contains(p, string(s)) {
				t.Errorf("path %s names a session ID", p)
			}
		}
		if !d.Type().IsRegular() {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		files++
		for i, s := range secrets {
			if bytes.Contains(b, s) {
				rel, _ := filepath.Rel(dir, p)
				t.Errorf("%s holds %s of a live session (%d bytes: %q)", rel, []string{"the ID", "the storage key", "the ID's bytes"}[i%3], len(b), b)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files == 0 {
		t.Fatal("no file under the store's directory: the test checks nothing")
	}
}

// TestRevokeIsFinalForRequestsInFlight: a request that loaded its session
// before a revocation (which knows the session by its handle only) saves
// nothing and sends no cookie: a write finds the record gone, a Regenerate
// drops its new ID, and a read whose load refreshed the record (LoadTouch)
// is stopped by the Manager's memory of the sessions it ended.
func TestRevokeIsFinalForRequestsInFlight(t *testing.T) {
	for _, op := range []string{"Read", "Set", "Regenerate"} {
		t.Run(op, func(t *testing.T) {
			dir := t.TempDir()
			st, err := filestore.New(dir)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = st.Close() })
			m, err := sessions.New(sessions.Config{
				Store:           st,
				Users:           &sessions.UserIndexConfig{},
				RefreshInterval: time.Nanosecond, // every read refreshes, in its load
				Logger:          slog.New(slog.DiscardHandler),
			})
			if err != nil {
				t.Fatal(err)
			}
			loaded, proceed := make(chan struct{}), make(chan struct{})
			mux := http.NewServeMux()
			mux.HandleFunc("/login", func(_ http.ResponseWriter, r *http.Request) { sessions.Get(r).SetUser("alice") })
			mux.HandleFunc("/in-flight", func(_ http.ResponseWriter, r *http.Request) {
				s := sessions.Get(r)
				if s.User() != "alice" {
					t.Errorf("the request in flight reads user %q before the revocation; want alice", s.User())
				}
				close(loaded)
				<-proceed
				switch op {
				case "Set":
					s.Set("x", 1)
				case "Regenerate":
					s.Regenerate()
				}
			})
			h := httpsession.Middleware(m)(mux)

			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/login", nil))
			cookies := rec.Result().Cookies()
			if len(cookies) != 1 {
				t.Fatalf("login set cookies %v", cookies)
			}
			done := make(chan *httptest.ResponseRecorder)
			go func() {
				req := httptest.NewRequest(http.MethodGet, "/in-flight", nil)
				req.AddCookie(cookies[0])
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				done <- rec
			}()
			<-loaded
			if n, err := m.RevokeAll(t.Context(), "alice", ""); n != 1 || err != nil {
				t.Fatalf("RevokeAll = %d, %v; want the one session", n, err)
			}
			close(proceed)
			rec = <-done
			if rec.Code != http.StatusOK {
				t.Errorf("the request in flight answered %d, want 200: a session ended meanwhile is no error", rec.Code)
			}
			for _, c := range rec.Result().Cookies() {
				if c.Name == sessions.DefaultCookieName && c.MaxAge >= 0 {
					t.Errorf("the request in flight set cookie %q after the revocation", c.Raw)
				}
			}
			if files, _ := filepath.Glob(filepath.Join(dir, strings.Repeat("[0-9a-f]", 64))); len(files) != 0 {
				t.Errorf("%d session files after the revocation; want none", len(files))
			}
			if list, err := m.UserSessions(t.Context(), "alice"); len(list) != 0 || err != nil {
				t.Errorf("UserSessions(alice) after the revocation = %+v, %v; want none", list, err)
			}
		})
	}
}
