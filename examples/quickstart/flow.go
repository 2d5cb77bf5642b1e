// Package quickstart holds the README's quickstart programs, one folder
// each, and what their tests share: Flow, the steps of a browser through
// them. Its own test keeps the README's copies of the programs identical
// to the files, which CI compiles and tests.
package quickstart

import (
	"encoding/json"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"testing"
)

// page is what the quickstarts' / answers.
type page struct {
	User   string `json:"user"`
	Visits int    `json:"visits"`
}

// Flow drives a quickstart app through a browser's steps, with a cookie
// jar: two visits, a login, a visit, a logout, a visit; and checks what /
// answers after each.
func Flow(t *testing.T, app http.Handler) {
	t.Helper()
	srv := httptest.NewServer(app)
	defer srv.Close()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	c := &http.Client{Jar: jar}
	get := func(resp *http.Response, err error) page {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s %s: %s", resp.Request.Method, resp.Request.URL.Path, resp.Status)
		}
		var p page
		if err := json.NewDecoder(resp.Body).Decode(&p); err != nil {
			t.Fatal(err)
		}
		return p
	}
	steps := []struct {
		name string
		do   func() (*http.Response, error)
		want page
	}{
		{"first visit", func() (*http.Response, error) { return c.Get(srv.URL + "/") }, page{"", 1}},
		{"second visit", func() (*http.Response, error) { return c.Get(srv.URL + "/") }, page{"", 2}},
		{"login, then /", func() (*http.Response, error) {
			return c.PostForm(srv.URL+"/login", url.Values{"user": {"alice"}})
		}, page{"alice", 3}},
		{"logout, then /", func() (*http.Response, error) { return c.PostForm(srv.URL+"/logout", nil) }, page{"", 1}},
	}
	for _, s := range steps {
		if got := get(s.do()); got != s.want {
			t.Errorf("%s: %+v, want %+v", s.name, got, s.want)
		}
	}
}
