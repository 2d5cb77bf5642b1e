package demo

import (
	"html/template"
	"io"

	"github.com/serversession/serversession/sessions"
)

// Page is what the demo page shows of a session.
type Page struct {
	Framework string
	Store     string
	User      string
	Visits    int
	Flashes   []sessions.Flash
	ShortID   string // the first characters of the session ID, to watch it change at login
}

// Render writes the demo page for session s. It consumes s's flashes.
func Render(w io.Writer, framework, store string, s *sessions.Session) error {
	user, _ := sessions.Value[string](s, "user")
	visits, _ := sessions.Value[int](s, "visits")
	p := Page{
		Framework: framework,
		Store:     store,
		User:      user,
		Visits:    visits,
		Flashes:   s.Flashes(),
	}
	if !s.IsNew() {
		p.ShortID = s.ID()[:8] + "…"
	}
	return page.Execute(w, p)
}

// Visit counts one more visit in s and returns the new count.
func Visit(s *sessions.Session) int {
	n, _ := sessions.Value[int](s, "visits")
	s.Set("visits", n+1)
	return n + 1
}

// Login records user in s under a new session ID, as every login should.
func Login(s *sessions.Session, user string) {
	if user == "" {
		s.AddFlash("Type a name to log in.", "error")
		return
	}
	s.Regenerate() // a session ID planted before the login is now worthless
	s.Set("user", user)
	s.AddFlash("Welcome, " + user + "! Your session ID changed.")
}

// Logout ends s and leaves a flash in the new session that follows it.
func Logout(s *sessions.Session) {
	s.Destroy()
	s.AddFlash("You are logged out.")
}

var page = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>serversession demo ({{.Framework}})</title>
<style>
body { font: 16px/1.5 system-ui, sans-serif; max-width: 34rem; margin: 3rem auto; padding: 0 1rem; }
.flash { padding: .5rem .75rem; border-radius: .4rem; background: #e7f5e9; }
.flash.error { background: #fde8e8; }
code { background: #f3f3f3; padding: 0 .25rem; }
</style>
</head>
<body>
<h1>serversession demo</h1>
<p>{{.Framework}} with the <code>{{.Store}}</code> store.</p>
{{range .Flashes}}<p class="flash {{.Category}}">{{.Message}}</p>
{{end}}
<p>You have visited <a href="/visit">the counter</a> <strong>{{.Visits}}</strong> times.</p>
{{if .User}}
<p>Logged in as <strong>{{.User}}</strong>.</p>
<form method="post" action="/logout"><button>Log out</button></form>
{{else}}
<form method="post" action="/login">
<label>Name <input name="user" autocomplete="username"></label>
<button>Log in</button>
</form>
{{end}}
{{if .ShortID}}<p><small>Session <code>{{.ShortID}}</code></small></p>{{end}}
</body>
</html>
`))
