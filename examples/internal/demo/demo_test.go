package demo

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/serversession/serversession/adapters/httpsession"
	"github.com/serversession/serversession/backends/memstore"
	"github.com/serversession/serversession/sessions"
)

// The demo's flow, through real HTTP with a cookie jar: count visits, log
// in (the session ID changes, the count stays), see the flash once, log
// out.
func TestDemoFlow(t *testing.T) {
	store := memstore.New()
	t.Cleanup(func() { store.Close() })
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		if err := Render(w, "test", "memory", sessions.Get(r)); err != nil {
			t.Error(err)
		}
	})
	mux.HandleFunc("GET /visit", func(w http.ResponseWriter, r *http.Request) {
		Visit(sessions.Get(r))
		http.Redirect(w, r, "/", http.StatusSeeOther)
	})
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		Login(sessions.Get(r), r.PostFormValue("user"))
		http.Redirect(w, r, "/", http.StatusSeeOther)
	})
	mux.HandleFunc("POST /logout", func(w http.ResponseWriter, r *http.Request) {
		Logout(sessions.Get(r))
		http.Redirect(w, r, "/", http.StatusSeeOther)
	})
	srv := httptest.NewServer(httpsession.New(sessions.Config{Store: store, SecretKey: []byte("demo-test-key-0123456789")})(mux))
	t.Cleanup(srv.Close)
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar}
	body := func(res *http.Response, err error) string {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return string(b)
	}
	sessionID := func() string {
		u, _ := url.Parse(srv.URL)
		for _, c := range jar.Cookies(u) {
			if c.Name == sessions.DefaultCookieName {
				return c.Value
			}
		}
		return ""
	}

	body(client.Get(srv.URL + "/visit"))
	page := body(client.Get(srv.URL + "/visit"))
	if !strings.Contains(page, "<strong>2</strong> times") {
		t.Fatalf("after two visits:\n%s", page)
	}
	before := sessionID()
	page = body(client.PostForm(srv.URL+"/login", url.Values{"user": {"ann"}}))
	if !strings.Contains(page, "Welcome, ann!") || !strings.Contains(page, "Logged in as <strong>ann</strong>") {
		t.Fatalf("after login:\n%s", page)
	}
	if after := sessionID(); after == before || after == "" {
		t.Errorf("the session ID did not change at login")
	}
	page = body(client.Get(srv.URL + "/"))
	if strings.Contains(page, "Welcome") || !strings.Contains(page, "<strong>2</strong> times") {
		t.Errorf("the flash shows twice, or the count was lost:\n%s", page)
	}
	page = body(client.PostForm(srv.URL+"/logout", nil))
	if !strings.Contains(page, "You are logged out.") || strings.Contains(page, "Logged in as") {
		t.Errorf("after logout:\n%s", page)
	}
}

func TestOpenStore(t *testing.T) {
	for _, name := range []string{"memory", "filesystem"} {
		s, closeStore, err := OpenStore(name, t.TempDir())
		if err != nil || s == nil {
			t.Fatalf("OpenStore(%q): %v", name, err)
		}
		closeStore()
	}
	if _, _, err := OpenStore("nosuch", t.TempDir()); err == nil || !strings.Contains(err.Error(), "memory") {
		t.Errorf("an unknown store gives %v; want an error listing the choices", err)
	}
}

// The sqlite choice opens under -tags sqlite; without the tag it is left
// out of the build, and choosing it names the tag.
func TestOpenStoreSQLite(t *testing.T) {
	s, closeStore, err := OpenStore("sqlite", t.TempDir())
	if _, built := Stores["sqlite"]; built {
		if err != nil || s == nil {
			t.Fatalf("OpenStore(\"sqlite\") with -tags sqlite: %v", err)
		}
		closeStore()
		return
	}
	if err == nil || !strings.Contains(err.Error(), "-tags sqlite") {
		t.Errorf("OpenStore(\"sqlite\") without the tag gives %v; want an error naming -tags sqlite", err)
	}
	if !strings.Contains(storeNames(), "-tags sqlite") {
		t.Errorf("the -store help %q does not say how to get sqlite", storeNames())
	}
}
