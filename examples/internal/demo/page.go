package demo

import (
	"crypto/sha256"
	"encoding/hex"
	"html/template"
	"io"

	"github.com/serversession/serversession/sessions"
)

// Layout is what every demo page shows around its own content.
type Layout struct {
	Title     string
	Framework string
	Store     string
	Flashes   []sessions.Flash
}

// Page is what the demo's home page shows of a session.
type Page struct {
	Layout
	User   string
	Visits int
	IDTag  string // a fingerprint of the session ID (a hash: no part of the ID), to watch it change at login
}

// Render writes the demo page for session s. It consumes s's flashes.
func Render(w io.Writer, framework, store string, s *sessions.Session) error {
	visits, _ := sessions.Value[int](s, "visits")
	p := Page{
		Layout: Layout{Title: "Home", Framework: framework, Store: store, Flashes: s.Flashes()},
		User:   s.User(),
		Visits: visits,
	}
	if !s.IsNew() {
		sum := sha256.Sum256([]byte(s.ID()))
		p.IDTag = hex.EncodeToString(sum[:4])
	}
	return pages.ExecuteTemplate(w, "home", p)
}

// pages holds the home page ("home") and the "Your sessions" page
// ("sessions"), both in the same layout.
var pages = template.Must(template.New("layout").Parse(`{{define "top"}}<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}} · serversession demo ({{.Framework}})</title>
<style>
body { font: 16px/1.5 system-ui, sans-serif; max-width: 40rem; margin: 3rem auto; padding: 0 1rem; }
.flash { padding: .5rem .75rem; border-radius: .4rem; background: #e7f5e9; }
.flash.error { background: #fde8e8; }
code { background: #f3f3f3; padding: 0 .25rem; }
form.inline { display: inline; }
table { border-collapse: collapse; width: 100%; margin: 1rem 0; }
th, td { text-align: left; padding: .4rem .5rem; border-bottom: 1px solid #ddd; vertical-align: top; white-space: nowrap; }
td.device { white-space: normal; width: 100%; }
tr.current { background: #eef4ff; }
.badge { white-space: nowrap; font-size: .8rem; background: #2c5cc5; color: #fff; border-radius: .3rem; padding: 0 .35rem; }
.muted { color: #666; }
</style>
</head>
<body>
<h1>serversession demo</h1>
<p>{{.Framework}} with the <code>{{.Store}}</code> store.</p>
{{range .Flashes}}<p class="flash {{.Category}}">{{.Message}}</p>
{{end}}{{end}}

{{define "bottom"}}<p><small><a href="/metrics">Metrics</a> (Prometheus) · <a href="/readyz">Readiness</a></small></p>
</body>
</html>
{{end}}

{{define "home"}}{{template "top" .}}
<p>You have visited <a href="/visit">the counter</a> <strong>{{.Visits}}</strong> {{if eq .Visits 1}}time{{else}}times{{end}}.</p>
{{if .User}}
<p>Logged in as <strong>{{.User}}</strong>. <a href="/sessions">Your sessions</a></p>
<form method="post" action="/logout"><button>Log out</button></form>
{{else}}
<form method="post" action="/login">
<label>Name <input name="user" autocomplete="username"></label>
<button>Log in</button>
</form>
{{end}}
{{if .IDTag}}<p><small>Session fingerprint <code>{{.IDTag}}</code></small></p>{{end}}
{{template "bottom"}}{{end}}

{{define "sessions"}}{{template "top" .}}
<h2>Your sessions</h2>
{{if not .User}}
<p>You are not logged in. <a href="/">Log in</a> to see your sessions.</p>
{{else if .Unavailable}}
<p class="flash error">{{.Unavailable}}</p>
<p>Logged in as <strong>{{.User}}</strong>. <a href="/">Home</a></p>
{{else}}
<p>Logged in as <strong>{{.User}}</strong>. <a href="/">Home</a></p>
<table>
<thead><tr><th>Device</th><th>Created</th><th>Last seen</th><th></th></tr></thead>
<tbody>
{{range .Sessions}}<tr class="session{{if .Current}} current{{end}}">
<td class="device"><span title="{{.UserAgent}}">{{.Device}}</span>{{if .IP}} <span class="muted">· {{.IP}}</span>{{end}}{{if .Current}} <span class="badge">this session</span>{{end}}</td>
<td title="{{.CreatedAt}}">{{.Created}}</td>
<td title="{{.LastSeenAt}}">{{.LastSeen}}</td>
<td>{{if .Current}}<form class="inline" method="post" action="/logout"><button>Log out</button></form>{{else}}<form class="inline" method="post" action="/sessions/revoke"><input type="hidden" name="ref" value="{{.Ref}}"><button>Log out</button></form>{{end}}</td>
</tr>
{{end}}</tbody>
</table>
{{if gt (len .Sessions) 1}}<form method="post" action="/sessions/revoke-others"><button>Log out other sessions</button></form>
{{else}}<p class="muted">No other session is logged in as {{.User}}.</p>
{{end}}{{end}}
{{template "bottom"}}{{end}}`))
