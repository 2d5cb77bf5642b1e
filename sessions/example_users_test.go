package sessions_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/serversession/serversession/backends/memstore"
	"github.com/serversession/serversession/sessions"
)

// With Config.Users, a login ties the session to its user, and the user's
// sessions can be listed and revoked: here from two browsers, one of
// which logs the other out.
func ExampleManager_UserSessions() {
	store := memstore.New()
	defer store.Close()
	m := sessions.MustNew(sessions.Config{Store: store, Users: &sessions.UserIndexConfig{}})

	// serve runs one request through the Manager, as an adapter would, and
	// returns the session cookie it left.
	serve := func(cookie *http.Cookie, handler func(s *sessions.Session)) *http.Cookie {
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		if cookie != nil {
			req.AddCookie(cookie)
		}
		w := httptest.NewRecorder()
		h := m.Begin(w, req)
		h.Run(func() {
			handler(h.Session())
			h.Writer().WriteHeader(http.StatusNoContent)
		})
		for _, c := range w.Result().Cookies() {
			return c
		}
		return cookie
	}
	login := func(s *sessions.Session) {
		s.Regenerate() // a new ID at every login
		s.SetUser("ann")
	}
	phone := serve(nil, login)
	laptop := serve(nil, login)

	list, _ := m.UserSessions(context.Background(), "ann")
	fmt.Println("ann has", len(list), "sessions")

	// On the laptop: "Log out other sessions".
	serve(laptop, func(s *sessions.Session) {
		n, err := s.RevokeOthers()
		fmt.Println("logged out", n, "other session", err)
	})
	serve(phone, func(s *sessions.Session) {
		fmt.Printf("the phone's user is now %q\n", s.User())
	})
	serve(laptop, func(s *sessions.Session) {
		list, _ := s.UserSessions()
		fmt.Println("the laptop lists", len(list), "session; it is the current one:", list[0].Current)
	})
	// Output:
	// ann has 2 sessions
	// logged out 1 other session <nil>
	// the phone's user is now ""
	// the laptop lists 1 session; it is the current one: true
}
