package adaptertest

import (
	"bytes"
	"testing"
	"time"

	"github.com/serversession/serversession/sessions"
)

// Refreshing a session that was read but not changed extends its lifetime
// without rewriting its data, and stays within the round-trip budget;
// within the RefreshInterval a read is a plain load and sends no cookie.

// due makes every read due a refresh: the interval has passed by the next
// request.
var due = with(func(c *sessions.Config) { c.RefreshInterval = time.Nanosecond })

// testReadOnlyRefresh reads a stored session under each kind of store and
// refresh setting, and checks the store calls, the record and the cookie.
func testReadOnlyRefresh(t *testing.T, h Harness) {
	cases := []struct {
		name   string
		opts   []option
		want   calls
		resend bool // the cookie is sent again, with a fresh Max-Age
	}{
		{"LoadToucher", []option{due}, calls{LoadTouch: 1}, true},
		{"PlainStore", []option{due, storeAs(plain)}, calls{Load: 1, Save: 1}, true},
		{"Transient", []option{due, with(func(c *sessions.Config) { c.Transient = true })}, calls{LoadTouch: 1}, false},
		{"WithinInterval", nil, calls{Load: 1}, false},
		{"PlainStoreWithinInterval", []option{storeAs(plain)}, calls{Load: 1}, false},
		{"NeverRefreshed", []option{with(func(c *sessions.Config) { c.RefreshInterval = -1 })}, calls{Load: 1}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := start(t, h, Routes{
				"/set":  setter("user", "alice", "prefs", map[string]any{"theme": "dark"}),
				"/read": show,
			}, tc.opts...)
			c := e.client()
			set := c.get("/set").cookie
			before, _ := e.record(set)
			e.store.reset()
			r := c.get("/read")
			if r.body != "prefs=map[theme:dark] user=alice" {
				t.Errorf("GET /read = %q", r.body)
			}
			if n := e.store.calls(); n != tc.want {
				t.Errorf("a read-only request: store calls %v, want %v", n, tc.want)
			}
			after, _ := e.record(set)
			if !bytes.Equal(before, after) {
				t.Error("a read-only request changed the stored record")
			}
			switch {
			case tc.resend && r.cookie == nil:
				t.Error("a read of a permanent session did not send the cookie again")
			case tc.resend && (r.cookie.Value != set.Value || r.cookie.MaxAge != set.MaxAge):
				t.Errorf("the refreshed cookie %v, want value %q with Max-Age %d", r.cookie, set.Value, set.MaxAge)
			case !tc.resend && r.cookie != nil:
				t.Errorf("a read set cookie %v, want none", r.cookie)
			}
		})
	}
}

// testRoundTrips counts the store calls per request against the budget: 0
// untouched, 1 to create, 1 to read (refresh included), at most 2 for a
// read-modify-write.
func testRoundTrips(t *testing.T, h Harness) {
	e := start(t, h, Routes{
		"/untouched": untouched,
		"/create":    setter("n", 1),
		"/read":      show,
		"/rmw": func(x Exchange) error {
			s := session(x)
			n, _ := sessions.Value[int](s, "n")
			s.Set("n", n+1)
			return write(x, "%d", n+1)
		},
	})
	c := e.client()
	for _, step := range []struct {
		path string
		max  int
	}{
		{"/untouched", 0}, {"/create", 1}, {"/untouched", 0}, {"/read", 1}, {"/rmw", 2},
	} {
		e.store.reset()
		c.get(step.path)
		if n := e.store.calls(); n.total() > step.max || (step.max > 0 && n.total() == 0) {
			t.Errorf("GET %s: store calls %v, want %d round trips at most (and some)", step.path, n, step.max)
		}
	}
}
