// Command echo5 is the serversession demo for Echo v5: a visit counter, a
// login that regenerates the session ID, a logout, flash messages, and a
// "Your sessions" page (/sessions) that logs out one or all other sessions.
//
//	go run ./examples/echo5                 # filesystem store, http://127.0.0.1:8080/
//	go run ./examples/echo5 -store memory   # sessions in memory only
//	go run -tags redis ./examples/echo5 -store redis   # or memcached, mongodb, dynamodb: the tag of the store's name
//	go run -tags sqlite ./examples/echo5 -store sqlite  # gormstore on SQLite (cgo)
package main

import (
	"log"
	"net/http"

	"github.com/labstack/echo/v5"
	"github.com/labstack/echo/v5/middleware"

	"github.com/serversession/serversession/echosession/v5"
	"github.com/serversession/serversession/examples/internal/demo"
	"github.com/serversession/serversession/sessions"
)

func main() {
	opts := demo.ParseFlags()
	e := echo.New()
	// The demo faces its clients directly; behind a proxy, use
	// echo.ExtractIPFromXFFHeader. The sessions page shows the same IP as
	// c.RealIP().
	e.IPExtractor = echo.ExtractIPDirect()
	opts.ClientIP = e.IPExtractor
	cfg, closeStore, err := opts.Config()
	if err != nil {
		log.Fatal(err)
	}
	defer closeStore()

	e.Use(middleware.RequestLogger(), middleware.Recover())
	e.Use(echosession.New(cfg))
	e.GET("/", func(c *echo.Context) error {
		c.Response().Header().Set("Content-Type", "text/html; charset=utf-8")
		return demo.Render(c.Response(), "Echo v5", opts.Store, sessions.Get(c))
	})
	e.GET("/visit", func(c *echo.Context) error {
		s := sessions.Get(c)
		n, _ := sessions.Value[int](s, "visits")
		s.Set("visits", n+1) // saved for you before the redirect goes out
		return c.Redirect(http.StatusSeeOther, "/")
	})
	e.POST("/login", func(c *echo.Context) error {
		s, user := sessions.Get(c), c.FormValue("user")
		if user == "" {
			s.AddFlash("Type a name to log in.", "error")
		} else {
			s.Regenerate() // a session ID planted before the login is now worthless
			s.SetUser(user)
			s.AddFlash("Welcome, " + user + "! Your session ID changed.")
		}
		return c.Redirect(http.StatusSeeOther, "/")
	})
	e.POST("/logout", func(c *echo.Context) error {
		s := sessions.Get(c)
		s.Destroy()                       // deletes the record and expires the cookie
		s.AddFlash("You are logged out.") // in the new session that follows
		return c.Redirect(http.StatusSeeOther, "/")
	})
	e.GET("/sessions", func(c *echo.Context) error {
		c.Response().Header().Set("Content-Type", "text/html; charset=utf-8")
		return demo.RenderSessions(c.Response(), "Echo v5", opts.Store, sessions.Get(c))
	})
	e.POST("/sessions/revoke", func(c *echo.Context) error {
		demo.Revoke(sessions.Get(c), c.FormValue("ref"))
		return c.Redirect(http.StatusSeeOther, "/sessions")
	})
	e.POST("/sessions/revoke-others", func(c *echo.Context) error {
		demo.RevokeOthers(sessions.Get(c))
		return c.Redirect(http.StatusSeeOther, "/sessions")
	})
	if err := demo.Serve(opts.Addr, e); err != nil {
		log.Print(err)
	}
}
