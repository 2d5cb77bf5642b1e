package requestbench

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/serversession/serversession/backends/storetest"
	"github.com/serversession/serversession/sessions"
)

// indexedScenarios are the requests of a logged-in user with the user index,
// in the order they run, and their store calls (others: the Redis
// commands beyond one per call). A login ties the new ID
// (one call more than without the index), a logout unties it; reads and
// writes of the logged-in session cost what they cost without the index.
var indexedScenarios = []scenario{
	{"login", "/login", true, 4, 0},   // Load, Create, Tie, DeleteIf of the old ID
	{"read", "/read", true, 1, 0},     // Load (LoadTouch when a refresh is due)
	{"rmw", "/rmw", true, 2, 0},       // Load, Replace
	{"list", "/list", true, 2, 2},     // Load, UserRecords (on Redis 3 commands: the index, then GET+PTTL)
	{"logout", "/logout", true, 3, 0}, // Load, Delete, Untie
}

// indexedApp is app with the user index, plus /login, /list and /logout.
func indexedApp(store sessions.Store, prefix string) *gin.Engine {
	r := app(store, prefix, nil, func(cfg *sessions.Config) { cfg.Users = &sessions.UserIndexConfig{} })
	user := "ann@" + prefix // the test's own
	r.GET("/login", func(c *gin.Context) {
		s := sessions.Get(c)
		s.Regenerate()
		s.SetUser(user)
		c.String(http.StatusOK, "ok")
	})
	r.GET("/list", func(c *gin.Context) {
		list, err := sessions.Get(c).UserSessions()
		if err != nil {
			c.String(http.StatusInternalServerError, err.Error())
			return
		}
		c.String(http.StatusOK, strconv.Itoa(len(list)))
	})
	r.GET("/logout", func(c *gin.Context) {
		sessions.Get(c).Destroy()
		c.String(http.StatusOK, "ok")
	})
	return r
}

// cookieOf returns the session cookie a response set, or keep.
func cookieOf(w http.ResponseWriter, keep *http.Cookie) *http.Cookie {
	for _, line := range w.Header().Values("Set-Cookie") {
		if c, err := http.ParseSetCookie(line); err == nil && c.Name == sessions.DefaultCookieName {
			return c
		}
	}
	return keep
}

// TestIndexedRoundTrips asserts the round trips of a logged-in user's
// requests on every store that can list, as store calls and, for Redis,
// as commands that reach the server. memcached cannot list: New refuses
// Users with it.
func TestIndexedRoundTrips(t *testing.T) {
	for _, st := range stores {
		t.Run(st.name, func(t *testing.T) {
			prefix := "requestbench:" + random() + ":"
			raw, commands := st.open(t, prefix)
			if _, ok := raw.(sessions.UserIndex); !ok {
				_, err := sessions.New(sessions.Config{Store: raw, Users: &sessions.UserIndexConfig{}})
				if err == nil || !strings.Contains(err.Error(), "Users needs") {
					t.Fatalf("New with Users on a store that cannot list = %v; want an error naming Users", err)
				}
				t.Skipf("%s cannot list a user's sessions; New says: %v", st.name, err)
			}
			calls, store := storetest.Count(raw)
			h := indexedApp(store, prefix)
			cookie := login(t, h)
			for _, sc := range indexedScenarios {
				before, beforeCmds := calls.Calls(), int64(0)
				if commands != nil {
					beforeCmds = commands()
				}
				w := serve(h, sc.path, cookie)
				if w.Code != http.StatusOK {
					t.Fatalf("%s: status %d %s", sc.name, w.Code, w.Body)
				}
				cookie = cookieOf(w, cookie)
				got := calls.Calls() - before
				if got != sc.roundTrips {
					t.Errorf("%s: %d store calls, want %d", sc.name, got, sc.roundTrips)
				}
				line := ""
				if commands != nil {
					cmds := commands() - beforeCmds
					want := sc.roundTrips + sc.others
					if others, ok := indexedOthers[st.name][sc.name]; ok {
						want = sc.roundTrips + others
					}
					if cmds != want {
						t.Errorf("%s: %d %s requests, want %d", sc.name, cmds, st.name, want)
					}
					line = ", " + strconv.FormatInt(cmds, 10) + " " + st.name + " requests"
				}
				t.Logf("%s: %d store calls%s", sc.name, got, line)
				if sc.name == "list" && w.Body.String() != "1" {
					t.Errorf("list: %s sessions, want 1", w.Body)
				}
			}
		})
	}
}

// BenchmarkIndexedRequest measures a logged-in user's requests with
// the user index, beside BenchmarkRequest's rows without it.
func BenchmarkIndexedRequest(b *testing.B) {
	for _, st := range stores {
		b.Run("store="+st.name, func(b *testing.B) {
			prefix := "requestbench:" + random() + ":"
			raw, _ := st.open(b, prefix)
			if _, ok := raw.(sessions.UserIndex); !ok {
				b.Skipf("%s cannot list a user's sessions", st.name)
			}
			calls, store := storetest.Count(raw)
			h := indexedApp(store, prefix)
			cookie := cookieOf(serve(h, "/login", login(b, h)), nil)
			// The logins go to a user of their own, so that the user the
			// other rows list keeps one session.
			logins := indexedApp(store, "requestbench:"+random()+":")
			for _, sc := range indexedScenarios {
				if sc.name == "logout" {
					continue // ends the session the others use
				}
				name := sc.name
				if name == "login" {
					name = "create+login" // a visitor's first request, then the login: 1 + 4 round trips
				}
				b.Run("scenario="+name, func(b *testing.B) {
					before := calls.Calls()
					b.ReportAllocs()
					b.ResetTimer()
					for range b.N {
						if sc.name == "login" {
							serve(logins, sc.path, login(b, logins))
						} else {
							serve(h, sc.path, cookie)
						}
					}
					b.StopTimer()
					b.ReportMetric(float64(calls.Calls()-before)/float64(b.N), "roundtrips/op")
				})
			}
		})
	}
}
