// Command gin is the serversession demo for Gin: a visit counter, a login
// that regenerates the session ID, a logout, flash messages, and a "Your
// sessions" page (/sessions) that logs out one or all other sessions. It
// serves its session metrics on /metrics (Prometheus format, through
// OpenTelemetry) and the store's health on /readyz.
//
//	go run ./examples/gin                 # filesystem store, http://127.0.0.1:8080/
//	go run ./examples/gin -store memory   # sessions in memory only
//	go run -tags redis ./examples/gin -store redis   # or memcached, mongodb, dynamodb: the tag of the store's name
//	go run -tags sqlite ./examples/gin -store sqlite   # gormstore on SQLite (needs cgo and a C compiler)
//	go run -tags nomsgpack ./examples/gin               # a faster first build, without Gin's MessagePack codec
package main

import (
	"log"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/serversession/serversession/examples/internal/demo"
	"github.com/serversession/serversession/ginsession"
	"github.com/serversession/serversession/sessions"
)

func main() {
	opts := demo.ParseFlags()
	// Gin's ClientIP is a method of gin.Context, which the session
	// middleware does not see: the demo, which no proxy fronts, records
	// the RemoteAddr (opts.ClientIP nil).
	cfg, closeStore, err := opts.Config()
	if err != nil {
		log.Fatal(err)
	}
	defer closeStore()

	r := gin.Default()
	r.Use(ginsession.New(cfg))
	r.GET("/", func(c *gin.Context) {
		c.Header("Content-Type", "text/html; charset=utf-8")
		if err := demo.Render(c.Writer, "Gin", opts.Store, sessions.Get(c)); err != nil {
			_ = c.Error(err)
		}
	})
	r.GET("/visit", func(c *gin.Context) {
		s := sessions.Get(c)
		n, _ := sessions.Value[int](s, "visits")
		s.Set("visits", n+1) // saved for you before the redirect goes out
		c.Redirect(http.StatusSeeOther, "/")
	})
	r.POST("/login", func(c *gin.Context) {
		s, user := sessions.Get(c), c.PostForm("user")
		if user == "" {
			s.AddFlash("Type a name to log in.", "error")
		} else {
			s.Regenerate() // a session ID planted before the login is now worthless
			s.SetUser(user)
			s.AddFlash("Welcome, " + user + "! Your session ID changed.")
		}
		c.Redirect(http.StatusSeeOther, "/")
	})
	r.POST("/logout", func(c *gin.Context) {
		s := sessions.Get(c)
		s.Destroy()                       // deletes the record and expires the cookie
		s.AddFlash("You are logged out.") // in the new session that follows
		c.Redirect(http.StatusSeeOther, "/")
	})
	r.GET("/sessions", func(c *gin.Context) {
		c.Header("Content-Type", "text/html; charset=utf-8")
		if err := demo.RenderSessions(c.Writer, "Gin", opts.Store, sessions.Get(c)); err != nil {
			_ = c.Error(err)
		}
	})
	r.POST("/sessions/revoke", func(c *gin.Context) {
		demo.Revoke(sessions.Get(c), c.PostForm("ref"))
		c.Redirect(http.StatusSeeOther, "/sessions")
	})
	r.POST("/sessions/revoke-others", func(c *gin.Context) {
		demo.RevokeOthers(sessions.Get(c))
		c.Redirect(http.StatusSeeOther, "/sessions")
	})
	if err := demo.Serve(opts.Addr, r); err != nil {
		log.Print(err)
	}
}
