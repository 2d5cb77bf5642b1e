package demo

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// TestMetricsPage: after a login, a few reads and a logout, /metrics shows
// the sessions' events and store calls in Prometheus's format, and no
// session ID or user; /readyz answers; the page links to both.
func TestMetricsPage(t *testing.T) {
	cfg, closeStore, err := Options{Store: "memory", Dir: t.TempDir()}.Config()
	if err != nil {
		t.Fatal(err)
	}
	defer closeStore()
	if cfg.Observer == nil {
		t.Fatal("Config sets no Observer")
	}
	app := serve(t, cfg)
	srv := httptest.NewServer(withTelemetry(app.Config.Handler))
	t.Cleanup(srv.Close)
	b := newBrowser(t, srv, firefox)
	b.post("/login", url.Values{"user": {"ann-the-user"}})
	id := b.sessionID()
	for range 3 {
		b.get("/")
	}
	page := b.post("/logout", nil)
	if !strings.Contains(page, `href="/metrics"`) || !strings.Contains(page, `href="/readyz"`) {
		t.Errorf("the page links to neither /metrics nor /readyz:\n%s", page)
	}

	metrics := get(t, srv.URL+"/metrics")
	t.Logf("/metrics after a login, 3 reads and a logout:\n%s", grepLines(metrics, "serversession_"))
	// The redirects count too: the login's and each read's page loads
	// the session (loaded 6), the logout deletes the record (destroyed) and
	// stores its flash in a new one (created 2), whose read empties it and
	// deletes it in turn (destroyed 2). Each load follows a write of the
	// same process within the RefreshInterval, so it is a plain load.
	for _, want := range []string{
		`serversession_events_total{[^}]*serversession_event="loaded"[^}]*} 6`,
		`serversession_events_total{[^}]*serversession_event="created"[^}]*} 2`,
		`serversession_events_total{[^}]*serversession_event="destroyed"[^}]*} 2`,
		`serversession_store_duration_seconds_count{[^}]*db_operation_name="load"[^}]*serversession_outcome="hit"[^}]*} 6`,
		`serversession_store_duration_seconds_count{[^}]*db_operation_name="ping"[^}]*} 1`,
		`serversession_record_size_bytes_count{`,
	} {
		if !regexp.MustCompile(want).MatchString(metrics) {
			t.Errorf("/metrics has no line matching %s", want)
		}
	}
	if id == "" || strings.Contains(metrics, id) || strings.Contains(metrics, "ann-the-user") {
		t.Error("/metrics holds the session ID or the user")
	}
	if got := get(t, srv.URL+"/readyz"); got != "ok\n" {
		t.Errorf("/readyz = %q", got)
	}
}

func get(t *testing.T, u string) string {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return string(body)
}

func grepLines(s, prefix string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.HasPrefix(l, prefix) && !strings.Contains(l, "_bucket{") {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
