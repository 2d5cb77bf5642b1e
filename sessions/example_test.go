package sessions_test

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/serversession/serversession/backends/memstore"
	"github.com/serversession/serversession/sessions"
)

// An adapter drives the lifecycle: Begin when the request arrives, Run
// around the handler, which writes through the Handle's Writer (it commits
// the session right before the headers go out). Here it is done by hand
// for two requests; the second carries the cookie the first one set.
func ExampleNew() {
	store := memstore.New()
	defer store.Close()
	m, err := sessions.New(sessions.Config{Store: store})
	if err != nil {
		fmt.Println(err)
		return
	}

	// First request: log in.
	w := httptest.NewRecorder()
	h := m.Begin(w, httptest.NewRequest(http.MethodPost, "/login", nil))
	h.Run(func() {
		s := sessions.Get(h.Request()) // as a handler finds it
		s.Regenerate()
		s.Set("user_id", 42)
		h.Writer().WriteHeader(http.StatusSeeOther) // commits, and the cookie goes with the headers
	})
	cookie := w.Result().Cookies()[0]
	fmt.Println(cookie.Name, cookie.HttpOnly, cookie.SameSite == http.SameSiteLaxMode, cookie.MaxAge)

	// Second request: the session is back.
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.AddCookie(cookie)
	w = httptest.NewRecorder()
	h = m.Begin(w, r)
	h.Run(func() {
		s := sessions.Get(h.Request())
		id, ok := sessions.Value[int](s, "user_id")
		fmt.Println(id, ok, s.IsNew())
	})
	fmt.Println(w.Header().Get("Vary"))
	// Output:
	// session true true 2678400
	// 42 true false
	// Cookie
}

// Without a session middleware, Get returns the null session: reads are
// empty, Err says what is missing, and a write would panic with the same
// message.
func ExampleGet() {
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	s := sessions.Get(r)
	_, ok := s.Get("user_id")
	fmt.Println(ok, errors.Is(s.Err(), sessions.ErrNoMiddleware))
	// Output: false true
}

// Value converts what the codec decoded (msgpack gives int64 or uint64 for
// every integer, and maps for structs) into the type asked for.
func ExampleValue() {
	type Cart struct {
		Items []string `json:"items"`
	}
	store := memstore.New()
	defer store.Close()
	m := sessions.MustNew(sessions.Config{Store: store})

	w := httptest.NewRecorder()
	h := m.Begin(w, httptest.NewRequest(http.MethodGet, "/", nil))
	h.Run(func() {
		s := h.Session()
		s.Set("visits", 300)
		s.Set("cart", Cart{Items: []string{"apple"}})
	})

	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.AddCookie(w.Result().Cookies()[0])
	s := m.Begin(httptest.NewRecorder(), r).Session()
	raw, _ := s.Get("visits")
	visits, ok := sessions.Value[int](s, "visits")
	fmt.Printf("%T %d %v\n", raw, visits, ok)
	_, ok = sessions.Value[int8](s, "visits") // 300 does not fit
	fmt.Println(ok)
	cart, ok := sessions.Value[Cart](s, "cart")
	fmt.Println(cart.Items, ok)
	// Output:
	// uint64 300 true
	// false
	// [apple] true
}
