package echosession_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/labstack/echo/v5"
	"github.com/serversession/serversession/backends/memstore"
	"github.com/serversession/serversession/echosession/v5"
	"github.com/serversession/serversession/sessions"
)

// A visit counter: the session is saved for the handler, with no Save call.
// The example plays a browser by sending back the cookie it is given.
func Example() {
	store := memstore.New()
	defer store.Close()

	e := echo.New()
	e.Use(echosession.New(sessions.Config{
		Store:   store,
		Signing: sessions.Signing{Key: []byte("use 32 random bytes in your app!")},
	}))
	e.GET("/", func(c *echo.Context) error {
		s := sessions.Get(c)
		n, _ := sessions.Value[int](s, "visits")
		s.Set("visits", n+1)
		return c.String(http.StatusOK, fmt.Sprintf("visit %d", n+1))
	})

	var cookies []*http.Cookie
	for range 3 {
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		for _, c := range cookies {
			req.AddCookie(c)
		}
		w := httptest.NewRecorder()
		e.ServeHTTP(w, req)
		cookies = w.Result().Cookies()
		fmt.Println(w.Body.String())
	}
	// Output:
	// visit 1
	// visit 2
	// visit 3
}
