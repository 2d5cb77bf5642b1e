// Command echo5-memory is the README's second quickstart: an Echo v5 app
// whose sessions live in the process's memory.
//
//	SESSION_SECRET_KEY=$(openssl rand -base64 32) go run .
package main

import (
	"log"
	"net/http"
	"os"

	"github.com/labstack/echo/v5"

	"github.com/serversession/serversession/backends/memstore"
	echosession "github.com/serversession/serversession/echosession/v5" // Echo v4: .../echosession
	"github.com/serversession/serversession/sessions"
)

func main() {
	store := memstore.New() // expired sessions are swept in the background
	defer store.Close()
	key := []byte(os.Getenv("SESSION_SECRET_KEY")) // signs the session ID in the cookie
	if len(key) < 16 {
		log.Fatal("set SESSION_SECRET_KEY to 32 random bytes: SESSION_SECRET_KEY=$(openssl rand -base64 32) go run .")
	}
	cfg := sessions.Config{
		Store:     store,
		SecretKey: key,
	}
	log.Fatal(http.ListenAndServe("127.0.0.1:8080", newApp(cfg)))
}

func newApp(cfg sessions.Config) *echo.Echo {
	e := echo.New()
	e.Use(echosession.New(cfg)) // panics at startup, saying what to fix, if cfg is invalid
	// Echo v4's handlers take c echo.Context; the rest is the same.
	e.GET("/", func(c *echo.Context) error {
		s := sessions.Get(c)
		visits, _ := sessions.Value[int](s, "visits")
		s.Set("visits", visits+1) // saved for you before the response goes out
		return c.JSON(http.StatusOK, map[string]any{"user": s.User(), "visits": visits + 1})
	})
	e.POST("/login", func(c *echo.Context) error {
		s := sessions.Get(c)
		s.Regenerate() // a new session ID at login defeats session fixation
		s.SetUser(c.FormValue("user"))
		return c.Redirect(http.StatusSeeOther, "/")
	})
	e.POST("/logout", func(c *echo.Context) error {
		sessions.Get(c).Destroy() // deletes the record, expires the cookie
		return c.Redirect(http.StatusSeeOther, "/")
	})
	return e
}
