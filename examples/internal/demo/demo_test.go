package demo

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/serversession/serversession/adapters/httpsession"
	"github.com/serversession/serversession/backends/memstore"
	"github.com/serversession/serversession/internal/testserver"
	"github.com/serversession/serversession/sessions"
)

// serve serves the demo's routes, wired as examples/nethttp wires them,
// on a memory store with cfg's other fields, behind Protect.
func serve(t *testing.T, cfg sessions.Config) *httptest.Server {
	t.Helper()
	store := memstore.New()
	t.Cleanup(func() { store.Close() })
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		if err := Render(w, "test", "memory", sessions.Get(r)); err != nil {
			t.Error(err)
		}
	})
	mux.HandleFunc("GET /visit", func(w http.ResponseWriter, r *http.Request) {
		visit(sessions.Get(r))
		http.Redirect(w, r, "/", http.StatusSeeOther)
	})
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		login(sessions.Get(r), r.PostFormValue("user"))
		http.Redirect(w, r, "/", http.StatusSeeOther)
	})
	mux.HandleFunc("POST /logout", func(w http.ResponseWriter, r *http.Request) {
		logout(sessions.Get(r))
		http.Redirect(w, r, "/", http.StatusSeeOther)
	})
	mux.HandleFunc("GET /sessions", func(w http.ResponseWriter, r *http.Request) {
		if err := RenderSessions(w, "test", "memory", sessions.Get(r)); err != nil {
			t.Error(err)
		}
	})
	mux.HandleFunc("POST /sessions/revoke", func(w http.ResponseWriter, r *http.Request) {
		Revoke(sessions.Get(r), r.PostFormValue("ref"))
		http.Redirect(w, r, "/sessions", http.StatusSeeOther)
	})
	mux.HandleFunc("POST /sessions/revoke-others", func(w http.ResponseWriter, r *http.Request) {
		RevokeOthers(sessions.Get(r))
		http.Redirect(w, r, "/sessions", http.StatusSeeOther)
	})
	cfg.Store = store
	cfg.SecretKey = []byte("demo-test-key-0123456789")
	m, err := sessions.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(Protect(httpsession.Middleware(m)(mux)))
	t.Cleanup(srv.Close)
	return srv
}

// browser is an HTTP client with its own cookie jar and user agent.
type browser struct {
	t   *testing.T
	srv *httptest.Server
	c   *http.Client
	ua  string
}

func newBrowser(t *testing.T, srv *httptest.Server, ua string) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, srv: srv, c: &http.Client{Jar: jar}, ua: ua}
}

// do sends a request and returns the final page's status and body.
func (b *browser) do(method, path string, form url.Values, header ...string) (int, string) {
	b.t.Helper()
	req, err := http.NewRequest(method, b.srv.URL+path, strings.NewReader(form.Encode()))
	if err != nil {
		b.t.Fatal(err)
	}
	if method == http.MethodPost {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.Header.Set("User-Agent", b.ua)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(body)
}

func (b *browser) get(path string) string {
	b.t.Helper()
	_, body := b.do(http.MethodGet, path, nil)
	return body
}

func (b *browser) post(path string, form url.Values) string {
	b.t.Helper()
	_, body := b.do(http.MethodPost, path, form)
	return body
}

func (b *browser) sessionID() string {
	u, _ := url.Parse(b.srv.URL)
	for _, c := range b.c.Jar.Cookies(u) {
		if c.Name == sessions.DefaultCookieName {
			return c.Value
		}
	}
	return ""
}

const (
	firefox = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"
	iphone  = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)

// The demo's flow, through real HTTP with a cookie jar: count visits, log
// in (the session ID changes, the count stays), see the flash once, log
// out.
func TestDemoFlow(t *testing.T) {
	b := newBrowser(t, serve(t, sessions.Config{}), firefox)
	page := b.get("/visit")
	if !strings.Contains(page, "<strong>1</strong> time.") || !strings.Contains(page, `name="viewport"`) {
		t.Fatalf("after one visit, want \"1 time.\" and a viewport meta tag:\n%s", page)
	}
	page = b.get("/visit")
	if !strings.Contains(page, "<strong>2</strong> times") {
		t.Fatalf("after two visits:\n%s", page)
	}
	before := b.sessionID()
	page = b.post("/login", url.Values{"user": {"ann"}})
	if !strings.Contains(page, "Welcome, ann!") || !strings.Contains(page, "Logged in as <strong>ann</strong>") {
		t.Fatalf("after login:\n%s", page)
	}
	if after := b.sessionID(); after == before || after == "" {
		t.Errorf("the session ID did not change at login")
	} else if strings.Contains(page, after[:8]) {
		t.Errorf("the page shows part of the session ID:\n%s", page)
	}
	page = b.get("/")
	if strings.Contains(page, "Welcome") || !strings.Contains(page, "<strong>2</strong> times") {
		t.Errorf("the flash shows twice, or the count was lost:\n%s", page)
	}
	if !strings.Contains(page, `<a href="/sessions">Your sessions</a>`) {
		t.Errorf("the logged-in page has no link to Your sessions:\n%s", page)
	}
	page = b.post("/logout", nil)
	if !strings.Contains(page, "You are logged out.") || strings.Contains(page, "Logged in as") {
		t.Errorf("after logout:\n%s", page)
	}
	page = b.post("/login", url.Values{"user": {""}})
	if !strings.Contains(page, "Type a name to log in.") || strings.Contains(page, "Logged in as") {
		t.Errorf("a login without a name:\n%s", page)
	}
}

// rowRE matches a session's row in the "Your sessions" page.
var rowRE = regexp.MustCompile(`(?s)<tr class="session( current)?">(.*?)</tr>`)

// row is what the "Your sessions" page shows of a session.
type row struct {
	current bool
	text    string // the row's HTML
	ref     string // the Ref its Log out button posts, "" for the current one
}

func rows(page string) []row {
	var out []row
	for _, m := range rowRE.FindAllStringSubmatch(page, -1) {
		r := row{current: m[1] != "", text: m[2]}
		if ref := regexp.MustCompile(`name="ref" value="([^"]+)"`).FindStringSubmatch(m[2]); ref != nil {
			r.ref = ref[1]
		}
		out = append(out, r)
	}
	return out
}

// The "Your sessions" page, with two browsers logged in as the same user:
// each sees both, its own marked, with its device; one logs the other out,
// by its button or by "Log out other sessions".
func TestYourSessions(t *testing.T) {
	srv := serve(t, sessions.Config{Users: &sessions.UserIndexConfig{Devices: true}})
	a, b := newBrowser(t, srv, firefox), newBrowser(t, srv, iphone)

	if page := a.get("/sessions"); !strings.Contains(page, "You are not logged in.") || len(rows(page)) != 0 {
		t.Fatalf("Your sessions before login:\n%s", page)
	}
	a.post("/login", url.Values{"user": {"ann"}})
	b.post("/login", url.Values{"user": {"ann"}})
	page := a.get("/sessions")
	list := rows(page)
	if len(list) != 2 {
		t.Fatalf("ann's sessions list %d sessions; want 2:\n%s", len(list), page)
	}
	var mine, theirs row
	for _, r := range list {
		if r.current {
			mine = r
		} else {
			theirs = r
		}
	}
	if !mine.current || theirs.current {
		t.Fatalf("not exactly one session is marked current:\n%s", page)
	}
	for _, want := range []string{"Firefox 133 on Windows", "127.0.0.1", "this session", "just now"} {
		if !strings.Contains(mine.text, want) {
			t.Errorf("the current session's row lacks %q:\n%s", want, mine.text)
		}
	}
	if !strings.Contains(theirs.text, "Safari 17 on iPhone") || strings.Contains(theirs.text, "this session") {
		t.Errorf("the other session's row:\n%s", theirs.text)
	}
	if theirs.ref == "" || strings.Contains(page, a.sessionID()) || strings.Contains(page, b.sessionID()) {
		t.Errorf("the page has no Ref for the other session, or shows a session ID:\n%s", page)
	}
	if !strings.Contains(page, "Log out other sessions") {
		t.Errorf("no Log out other sessions button:\n%s", page)
	}
	var aRef string // a's Ref, as b's page shows it
	for _, r := range rows(b.get("/sessions")) {
		if !r.current {
			aRef = r.ref
		}
	}
	if aRef == "" || aRef == theirs.ref {
		t.Fatalf("b's page does not list a's session under its own Ref (got %q)", aRef)
	}

	// A cross-site form posting to the demo is refused, and changes nothing.
	if status, _ := a.do(http.MethodPost, "/sessions/revoke-others", nil, "Sec-Fetch-Site", "cross-site"); status != http.StatusForbidden {
		t.Errorf("a cross-site POST gets %d; want 403", status)
	}
	if status, _ := a.do(http.MethodPost, "/sessions/revoke", url.Values{"ref": {theirs.ref}}, "Origin", "http://evil.example"); status != http.StatusForbidden {
		t.Errorf("a POST from another origin gets %d; want 403", status)
	}
	if page := b.get("/"); !strings.Contains(page, "Logged in as <strong>ann</strong>") {
		t.Fatalf("a refused POST logged the other session out:\n%s", page)
	}

	// The other session's own Log out button.
	page = a.post("/sessions/revoke", url.Values{"ref": {theirs.ref}})
	if !strings.Contains(page, "That session is logged out.") || len(rows(page)) != 1 {
		t.Errorf("after logging the other session out:\n%s", page)
	}
	if page := b.get("/"); strings.Contains(page, "Logged in as") {
		t.Errorf("the logged-out browser still shows a user:\n%s", page)
	}
	page = a.post("/sessions/revoke", url.Values{"ref": {theirs.ref}})
	if !strings.Contains(page, "That session had already ended.") {
		t.Errorf("logging out an ended session again:\n%s", page)
	}

	// Log out other sessions, with two others.
	b.post("/login", url.Values{"user": {"ann"}})
	c := newBrowser(t, srv, "curl/8.5.0")
	c.post("/login", url.Values{"user": {"ann"}})
	if n := len(rows(a.get("/sessions"))); n != 3 {
		t.Fatalf("ann has %d sessions listed; want 3", n)
	}
	page = a.post("/sessions/revoke-others", nil)
	if !strings.Contains(page, "Logged out 2 other sessions.") {
		t.Errorf("after Log out other sessions:\n%s", page)
	}
	if list := rows(page); len(list) != 1 || !list[0].current || strings.Contains(page, "Log out other sessions</button>") {
		t.Errorf("after Log out other sessions, the list is not only this session, or still offers the button:\n%s", page)
	}
	for _, other := range []*browser{b, c} {
		if page := other.get("/"); strings.Contains(page, "Logged in as") {
			t.Errorf("a logged-out browser still shows a user:\n%s", page)
		}
	}
	if page := a.get("/"); !strings.Contains(page, "Logged in as <strong>ann</strong>") {
		t.Errorf("the browser that logged the others out is logged out too:\n%s", page)
	}

	// Another user's sessions are not ann's.
	bob := newBrowser(t, srv, firefox)
	bob.post("/login", url.Values{"user": {"bob"}})
	if n := len(rows(a.get("/sessions"))); n != 1 {
		t.Errorf("ann sees %d sessions after bob logged in; want 1", n)
	}
	if page := bob.post("/sessions/revoke", url.Values{"ref": {aRef}}); !strings.Contains(page, "That session had already ended.") {
		t.Errorf("bob revoking a Ref that is not his:\n%s", page)
	}
	if page := a.get("/"); !strings.Contains(page, "Logged in as <strong>ann</strong>") {
		t.Errorf("bob logged ann out with her session's Ref:\n%s", page)
	}
}

// With a store that cannot list (memcached), the page says so rather than
// showing an empty list.
func TestYourSessionsUnavailable(t *testing.T) {
	a := newBrowser(t, serve(t, sessions.Config{}), firefox)
	a.post("/login", url.Values{"user": {"ann"}})
	page := a.get("/sessions")
	if !strings.Contains(page, "The memory store cannot list a user&#39;s sessions") || len(rows(page)) != 0 {
		t.Errorf("Your sessions without the user index:\n%s", page)
	}
}

func TestDevice(t *testing.T) {
	for ua, want := range map[string]string{
		"": "Unknown device",
		"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36":                             "Chrome 131 on Linux",
		"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/156.0.0.0 Safari/537.36":                     "Headless Chrome 156 on Linux",
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0":     "Edge 131 on Windows",
		"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15":             "Safari 18 on macOS",
		"Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36":             "Chrome 131 on Android",
		"Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/131.0.6778.73 Mobile/15E148": "Chrome 131 on iPhone",
		firefox:              "Firefox 133 on Windows",
		iphone:               "Safari 17 on iPhone",
		"curl/8.5.0":         "curl 8",
		"Go-http-client/1.1": "Go-http-client",
		"  SomeBot  ":        "SomeBot",
	} {
		if got := Device(ua); got != want {
			t.Errorf("Device(%q) = %q; want %q", ua, got, want)
		}
	}
}

func TestAgo(t *testing.T) {
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	for d, want := range map[time.Duration]string{
		-time.Minute:                    "just now", // a clock a little ahead
		0:                               "just now",
		44 * time.Second:                "just now",
		50 * time.Second:                "a minute ago",
		2 * time.Minute:                 "2 minutes ago",
		59*time.Minute + 59*time.Second: "59 minutes ago",
		time.Hour:                       "an hour ago",
		5*time.Hour + 30*time.Minute:    "5 hours ago",
		30 * time.Hour:                  "yesterday",
		72 * time.Hour:                  "3 days ago",
	} {
		if got := Ago(now, now.Add(-d)); got != want {
			t.Errorf("Ago(%v before) = %q; want %q", d, got, want)
		}
	}
	if got := Ago(now, time.Time{}); got != "unknown" {
		t.Errorf("Ago(zero) = %q; want unknown", got)
	}
}

// Config indexes the users' sessions, with devices, on a store that can
// list them.
func TestConfigIndexesUsers(t *testing.T) {
	for _, name := range []string{"memory", "filesystem"} {
		o := Options{Store: name, Dir: t.TempDir(), ClientIP: func(*http.Request) string { return "192.0.2.1" }}
		cfg, closeStore, err := o.Config()
		if err != nil {
			t.Fatalf("Config with the %s store: %v", name, err)
		}
		if u := cfg.Users; u == nil || !u.Devices || u.ClientIP == nil {
			t.Errorf("Config with the %s store: Users %+v; want Devices and ClientIP set", name, u)
		}
		if _, err := sessions.New(cfg); err != nil {
			t.Errorf("sessions.New refuses the demo's %s Config: %v", name, err)
		}
		closeStore()
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

// serverOf is, for each optional store that needs a server, the variable
// that gives its address and the address's default, as the demo reads them.
var serverOf = map[string]struct{ env, def string }{
	"redis":     {"SERVERSESSION_REDIS_ADDR", "127.0.0.1:6379"},
	"memcached": {"SERVERSESSION_MEMCACHED_ADDR", "127.0.0.1:11211"},
	"mongodb":   {"SERVERSESSION_MONGO_URI", "mongodb://127.0.0.1:27017"},
	"dynamodb":  {"SERVERSESSION_DYNAMODB_ADDR", "127.0.0.1:8000"},
}

// Each optional store opens, answers and keeps a record when the demo is
// built with the tag of its name, on the test servers; without its tag,
// choosing it gives an error that names the tag, and the -store help says
// how to get it. make test runs this both ways.
func TestOptionalStores(t *testing.T) {
	for _, name := range Optional {
		t.Run(name, func(t *testing.T) {
			if _, built := Stores[name]; !built {
				_, _, err := OpenStore(name, t.TempDir())
				if err == nil || !strings.Contains(err.Error(), "-tags "+name) {
					t.Errorf("OpenStore(%q) without its tag gives %v; want an error naming -tags %s", name, err, name)
				}
				if !strings.Contains(storeNames(), name) {
					t.Errorf("the -store help %q does not name %s", storeNames(), name)
				}
				return
			}
			if srv, ok := serverOf[name]; ok {
				addr := testserver.Env(srv.env, srv.def)
				testserver.Reachable(t, strings.TrimPrefix(addr, "mongodb://"), srv.env)
				t.Setenv(srv.env, addr)
			}
			store, closeStore, err := OpenStore(name, t.TempDir())
			if err != nil {
				t.Fatalf("OpenStore(%q) with -tags %s: %v", name, name, err)
			}
			defer closeStore()
			if err := CheckStore(sessions.Config{Store: store, SecretKey: []byte("demo-test-key-0123456789")}); err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			key := testserver.KeyPrefix(t, "demo") + "k"
			if err := store.Create(ctx, key, []byte("v"), time.Minute); err != nil {
				t.Fatalf("Create: %v", err)
			}
			if rec, found, err := store.Load(ctx, key); err != nil || !found || string(rec.Data) != "v" {
				t.Errorf("Load after Create = %q, %v, %v", rec.Data, found, err)
			}
			if err := store.Delete(ctx, key); err != nil {
				t.Errorf("Delete: %v", err)
			}
		})
	}
}

// visit, login and logout are what the demo apps' handlers do, for the
// test's own app.
func visit(s *sessions.Session) {
	n, _ := sessions.Value[int](s, "visits")
	s.Set("visits", n+1)
}

func login(s *sessions.Session, user string) {
	if user == "" {
		s.AddFlash("Type a name to log in.", "error")
		return
	}
	s.Regenerate()
	s.SetUser(user)
	s.AddFlash("Welcome, " + user + "! Your session ID changed.")
}

func logout(s *sessions.Session) {
	s.Destroy()
	s.AddFlash("You are logged out.")
}
