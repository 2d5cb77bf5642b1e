// Package browsertest drives the Gin demo (examples/gin) in headless
// Chromium, as a person would: two browsers with their own cookies log in
// as the same user, and one logs the other out from "Your sessions".
//
// It is a module of its own so that chromedp stays out of the library's
// go.mod. It needs Debian's chromium package (/usr/bin/chromium), which
// `make test` installs through scripts/test-servers.sh; without it the
// test is skipped, unless SERVERSESSION_REQUIRE_SERVERS=1.
package browsertest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/serversession/serversession/sessions"
)

// chromiumPath is where Debian's chromium package puts the browser.
const chromiumPath = "/usr/bin/chromium"

// The whole scenario: two browsers, one user, "Log out other sessions".
func TestLogOutOtherSessions(t *testing.T) {
	chromium := findChromium(t)
	start := time.Now()
	base := startDemo(t)
	t.Logf("demo built and serving at %s in %v", base, time.Since(start).Round(time.Millisecond))

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	browser := startChromium(t, ctx, chromium)
	a := newBrowserContext(t, browser) // two browser contexts: two cookie jars
	b := newBrowserContext(t, browser)

	login(t, a, base, "ann")
	login(t, b, base, "ann")

	// A's "Your sessions": both sessions, A's marked.
	run(t, a, chromedp.Navigate(base+"/sessions"))
	list := sessionRows(t, a)
	if len(list) != 2 {
		t.Fatalf("Your sessions lists %d sessions; want 2 (ann in two browsers):\n%s", len(list), strings.Join(list, "\n"))
	}
	current := 0
	for _, row := range list {
		if strings.Contains(row, "this session") {
			current++
		}
		// Both are this headless Chromium, on this machine, just now.
		for _, want := range []string{"Headless Chrome", " on Linux", "127.0.0.1", "just now"} {
			if !strings.Contains(row, want) {
				t.Errorf("a session's row lacks %q:\n%s", want, row)
			}
		}
	}
	if current != 1 || !strings.Contains(list[0], "Log out") || !strings.Contains(list[1], "Log out") {
		t.Errorf("want exactly one session marked \"this session\", each with a Log out button:\n%s", strings.Join(list, "\n"))
	}
	screenshot(t, a, "your-sessions.png")

	// The session cookie, as the browser keeps it.
	checkCookie(t, a, base)
	if aCookie, bCookie := sessionCookie(t, a, base), sessionCookie(t, b, base); aCookie.Value == bCookie.Value {
		t.Errorf("both browsers hold the same session cookie: their cookie jars are not separate")
	}
	html := evaluate[string](t, a, `document.documentElement.outerHTML`)
	for _, c := range []*network.Cookie{sessionCookie(t, a, base), sessionCookie(t, b, base)} {
		if id, _, _ := strings.Cut(c.Value, "."); strings.Contains(html, id) {
			t.Errorf("the Your sessions page shows a session ID (%.8s…); it must show only references", id)
		}
	}

	// Log out other sessions.
	waitLoad(t, a, chromedp.Click(`//button[normalize-space()="Log out other sessions"]`))
	if text := bodyText(t, a); !strings.Contains(text, "Logged out 1 other session.") {
		t.Errorf("after Log out other sessions, the page says:\n%s", text)
	}
	if list := sessionRows(t, a); len(list) != 1 || !strings.Contains(list[0], "this session") {
		t.Errorf("after Log out other sessions, the list is not only this session:\n%s", strings.Join(list, "\n"))
	}

	// B is logged out; A is not.
	run(t, b, chromedp.Navigate(base+"/"))
	if text := bodyText(t, b); strings.Contains(text, "Logged in as") || strings.Contains(text, "ann") {
		t.Errorf("the other browser still shows a user after Log out other sessions:\n%s", text)
	}
	run(t, b, chromedp.Navigate(base+"/sessions"))
	if text := bodyText(t, b); !strings.Contains(text, "You are not logged in.") {
		t.Errorf("the other browser's Your sessions page:\n%s", text)
	}
	run(t, a, chromedp.Navigate(base+"/"))
	if text := bodyText(t, a); !strings.Contains(text, "Logged in as ann") {
		t.Errorf("the browser that logged the others out is no longer logged in:\n%s", text)
	}
	run(t, a, chromedp.Navigate(base+"/sessions"))
	if list := sessionRows(t, a); len(list) != 1 {
		t.Errorf("Your sessions lists %d sessions after the others were logged out; want 1:\n%s", len(list), strings.Join(list, "\n"))
	}
	t.Logf("the whole test took %v", time.Since(start).Round(time.Millisecond))
}

// findChromium returns the Chromium to drive, or skips the test (fails it
// with SERVERSESSION_REQUIRE_SERVERS=1) if there is none.
func findChromium(t *testing.T) string {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err == nil {
		return chromiumPath
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	msg := chromiumPath + " not found: `make test` installs it (scripts/test-servers.sh chromium), or run `apt-get install chromium`"
	if os.Getenv("SERVERSESSION_REQUIRE_SERVERS") == "1" {
		t.Fatal(msg + " (SERVERSESSION_REQUIRE_SERVERS=1 makes this a failure)")
	}
	t.Skip(msg)
	return ""
}

// startDemo builds the Gin demo and runs it on a free loopback port with
// its filesystem store in a temporary folder. It returns the demo's URL;
// the demo is stopped at the end of the test, and its log shown if the
// test failed.
func startDemo(t *testing.T) string {
	t.Helper()
	examples, err := filepath.Abs("..") // the examples module
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), "gin-demo")
	build := exec.Command("go", "build", "-tags", "nomsgpack", "-o", bin, "./gin")
	build.Dir = examples
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build ./examples/gin: %v\n%s", err, out)
	}

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	dir := t.TempDir()
	var out syncBuffer
	cmd := exec.Command(bin, "-addr", addr, "-store", "filesystem", "-dir", dir)
	cmd.Env = append(withoutEnv(os.Environ(), "SESSION_SECRET_KEY", "PORT", "GIN_MODE"), "GIN_MODE=release")
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
		if t.Failed() {
			t.Logf("the demo's log:\n%s", out.String())
		}
	})

	base := "http://" + addr
	deadline := time.Now().Add(30 * time.Second)
	for {
		res, err := http.Get(base + "/")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return base
			}
			err = fmt.Errorf("status %s", res.Status)
		}
		select {
		case werr := <-exited:
			t.Fatalf("the demo exited (%v) before serving:\n%s", werr, out.String())
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("the demo did not serve %s within 30s (%v):\n%s", base, err, out.String())
		}
	}
}

// withoutEnv returns env without the variables named.
func withoutEnv(env []string, names ...string) []string {
	out := make([]string, 0, len(env))
outer:
	for _, kv := range env {
		for _, n := range names {
			if strings.HasPrefix(kv, n+"=") {
				continue outer
			}
		}
		out = append(out, kv)
	}
	return out
}

// syncBuffer is a bytes.Buffer that the demo's stdout and stderr can
// write at once.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startChromium starts headless Chromium for the test and returns its
// browser context. chromedp gives it a fresh user data folder.
func startChromium(t *testing.T, ctx context.Context, chromium string) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium),
		chromedp.NoSandbox, // the tests may run as root
		chromedp.DisableGPU,
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-quic", true),
		chromedp.WindowSize(1000, 720),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	t.Cleanup(cancelAlloc)
	browser, cancel := chromedp.NewContext(allocCtx)
	t.Cleanup(cancel)
	if err := chromedp.Do(browser); err != nil { // starts the browser
		t.Fatalf("start %s: %v", chromium, err)
	}
	return browser
}

// newBrowserContext opens a tab in a new browser context: its own cookies,
// as another browser would have.
func newBrowserContext(t *testing.T, browser context.Context) context.Context {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	return ctx
}

// login logs user in from the demo's home page, as a person would.
func login(t *testing.T, ctx context.Context, base, user string) {
	t.Helper()
	run(t, ctx, chromedp.Navigate(base+"/"))
	run(t, ctx, chromedp.SendKeys(chromedp.CSS(`input[name="user"]`), user))
	waitLoad(t, ctx, chromedp.Click(`//button[normalize-space()="Log in"]`))
	if text := bodyText(t, ctx); !strings.Contains(text, "Welcome, "+user+"!") || !strings.Contains(text, "Logged in as "+user) {
		t.Fatalf("after logging in as %s, the page says:\n%s", user, text)
	}
}

func run(t *testing.T, ctx context.Context, a chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, a); err != nil {
		t.Fatal(err)
	}
}

// waitLoad runs a (a click that submits a form) and waits for the page it
// leads to.
func waitLoad(t *testing.T, ctx context.Context, a chromedp.Action[chromedp.Void]) {
	t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.WaitEvent(page.LoadEventFired, nil, a)); err != nil {
		t.Fatal(err)
	}
}

func evaluate[T any](t *testing.T, ctx context.Context, js string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	if err != nil {
		t.Fatalf("evaluate %s: %v", js, err)
	}
	return v
}

// bodyText returns the page's text as the browser renders it.
func bodyText(t *testing.T, ctx context.Context) string {
	t.Helper()
	return evaluate[string](t, ctx, `document.body.innerText`)
}

// sessionRows returns the text of each session the Your sessions page
// lists.
func sessionRows(t *testing.T, ctx context.Context) []string {
	t.Helper()
	return evaluate[[]string](t, ctx, `Array.from(document.querySelectorAll("tbody tr"), tr => tr.innerText)`)
}

// screenshot saves a PNG of the whole page under the test's artifact
// folder: kept under -outputdir with go test -artifacts, else temporary.
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	path := filepath.Join(t.ArtifactDir(), name)
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot of Your sessions: %s", path)
}

// sessionCookie returns the demo's session cookie as the browser of ctx
// keeps it.
func sessionCookie(t *testing.T, ctx context.Context, base string) *network.Cookie {
	t.Helper()
	res, err := chromedp.Call(ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{base + "/"}})
	if err != nil {
		t.Fatalf("get the cookies: %v", err)
	}
	for _, c := range res.Cookies {
		if c.Name == sessions.DefaultCookieName {
			return c
		}
	}
	t.Fatalf("the browser keeps no %q cookie for %s", sessions.DefaultCookieName, base)
	return nil
}

// checkCookie checks the attributes of the session cookie as the browser
// stored them: those the demo gets from the library's defaults (HttpOnly,
// SameSite=Lax, Path=/, 31 days, not Secure on plain http), and a value
// that is the session ID signed with the demo's key.
func checkCookie(t *testing.T, ctx context.Context, base string) {
	t.Helper()
	c := sessionCookie(t, ctx, base)
	if !c.HTTPOnly {
		t.Error("the session cookie is not HttpOnly: scripts can read it")
	}
	if c.SameSite != network.CookieSameSiteLax {
		t.Errorf("the session cookie's SameSite is %q; want Lax", c.SameSite)
	}
	if c.Path != "/" {
		t.Errorf("the session cookie's Path is %q; want /", c.Path)
	}
	if c.Secure {
		t.Error("the session cookie is Secure on plain http: the browser would never send it back")
	}
	if c.Domain != "127.0.0.1" {
		t.Errorf("the session cookie's Domain is %q; want the host only, 127.0.0.1", c.Domain)
	}
	expires := time.Unix(int64(c.Expires), 0)
	want := time.Now().Add(sessions.DefaultLifetime)
	if c.Session || expires.Before(want.Add(-5*time.Minute)) || expires.After(want.Add(time.Minute)) {
		t.Errorf("the session cookie expires %s (session cookie: %v); want about %s, 31 days ahead",
			expires.Format(time.RFC3339), c.Session, want.Format(time.RFC3339))
	}
	// The value is "<ID>.<signature>": the ID, whose fingerprint (the
	// start of its SHA-256, never a part of the ID) the page shows, and an
	// HMAC-SHA256 of it (43 characters of base64url).
	id, sig, ok := strings.Cut(c.Value, ".")
	if !ok || len(sig) != 43 || strings.Trim(sig, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") != "" {
		t.Errorf("the session cookie %q carries no signature", c.Value)
	}
	run(t, ctx, chromedp.Navigate(base+"/"))
	tag := strings.TrimSuffix(evaluate[string](t, ctx, `document.querySelector("small code").innerText`), "…")
	sum := sha256.Sum256([]byte(id))
	if want := hex.EncodeToString(sum[:4]); tag != want || strings.Contains(id, tag) {
		t.Errorf("the home page shows session %q, want the fingerprint %q of the cookie's ID, and no part of the ID", tag, want)
	}
	run(t, ctx, chromedp.Navigate(base+"/sessions"))
}
