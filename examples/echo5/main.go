// Command echo5 is the serversession demo for Echo v5: a visit counter, a
// login that regenerates the session ID, a logout, and flash messages.
//
//	go run ./examples/echo5                 # filesystem store, http://127.0.0.1:8080/
//	go run ./examples/echo5 -store redis    # or memory, memcached, mongodb
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
	cfg, closeStore, err := opts.Config()
	if err != nil {
		log.Fatal(err)
	}
	defer closeStore()

	e := echo.New()
	e.Use(middleware.RequestLogger(), middleware.Recover())
	e.Use(echosession.New(cfg))
	e.GET("/", func(c *echo.Context) error {
		c.Response().Header().Set("Content-Type", "text/html; charset=utf-8")
		return demo.Render(c.Response(), "Echo v5", opts.Store, sessions.Get(c))
	})
	e.GET("/visit", func(c *echo.Context) error {
		demo.Visit(sessions.Get(c))
		return c.Redirect(http.StatusSeeOther, "/")
	})
	e.POST("/login", func(c *echo.Context) error {
		demo.Login(sessions.Get(c), c.FormValue("user"))
		return c.Redirect(http.StatusSeeOther, "/")
	})
	e.POST("/logout", func(c *echo.Context) error {
		demo.Logout(sessions.Get(c))
		return c.Redirect(http.StatusSeeOther, "/")
	})
	if err := demo.Serve(opts.Addr, e); err != nil {
		log.Print(err)
	}
}
