package demo

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/serversession/serversession/sessions"
)

// SessionsPage is what the "Your sessions" page shows: the logged-in
// user's sessions, most recently seen first.
type SessionsPage struct {
	Layout
	User        string
	Sessions    []SessionRow
	Unavailable string // why the sessions cannot be listed, if they cannot
}

// SessionRow is one session in the "Your sessions" page.
type SessionRow struct {
	Ref        string // what the per-session "Log out" button posts back
	Current    bool   // the session of the browser looking at the page
	Device     string // a short form of the user agent, e.g. "Firefox 133 on Windows"
	UserAgent  string // the whole user agent
	IP         string
	Created    string // relative, e.g. "2 minutes ago"
	CreatedAt  string // the exact time
	LastSeen   string // relative
	LastSeenAt string // the exact time
}

// RenderSessions writes the "Your sessions" page for session s. It
// consumes s's flashes.
func RenderSessions(w io.Writer, framework, store string, s *sessions.Session) error {
	p := SessionsPage{
		Layout: Layout{Title: "Your sessions", Framework: framework, Store: store, Flashes: s.Flashes()},
		User:   s.User(),
	}
	if p.User != "" {
		list, err := s.UserSessions()
		if err != nil {
			p.Unavailable = unavailable(store, err)
		}
		now := time.Now()
		for _, us := range list {
			p.Sessions = append(p.Sessions, SessionRow{
				Ref:        us.Ref,
				Current:    us.Current,
				Device:     Device(us.UserAgent),
				UserAgent:  us.UserAgent,
				IP:         us.IP,
				Created:    Ago(now, us.Created),
				CreatedAt:  exact(us.Created),
				LastSeen:   Ago(now, us.LastSeen),
				LastSeenAt: exact(us.LastSeen),
			})
		}
	}
	return pages.ExecuteTemplate(w, "sessions", p)
}

// unavailable says why the sessions of the store called store cannot be
// listed.
func unavailable(store string, err error) string {
	if errors.Is(err, sessions.ErrNoUserIndex) {
		return fmt.Sprintf("The %s store cannot list a user's sessions, so this page has nothing to show. "+
			"Run the demo with another -store to try it.", store)
	}
	slog.Error("demo: list the user's sessions", "error", err)
	return "Your sessions could not be listed just now; try again."
}

// Revoke logs out the session of s's user that ref names, and says so in
// a flash.
func Revoke(s *sessions.Session, ref string) {
	if s.User() == "" {
		s.AddFlash("Log in first.", "error")
		return
	}
	switch err := s.Revoke(ref); {
	case errors.Is(err, sessions.ErrUnknownSession):
		s.AddFlash("That session had already ended.", "error")
	case err != nil:
		slog.Error("demo: revoke a session", "error", err)
		s.AddFlash("That session could not be logged out just now; try again.", "error")
	case s.User() == "": // it was this one: s was destroyed
		s.AddFlash("You are logged out.")
	default:
		s.AddFlash("That session is logged out.")
	}
}

// RevokeOthers logs out every other session of s's user, and says how
// many in a flash.
func RevokeOthers(s *sessions.Session) {
	if s.User() == "" {
		s.AddFlash("Log in first.", "error")
		return
	}
	n, err := s.RevokeOthers()
	switch {
	case err != nil:
		slog.Error("demo: revoke the other sessions", "error", err, "revoked", n)
		s.AddFlash("The other sessions could not all be logged out just now; try again.", "error")
	case n == 0:
		s.AddFlash("No other session was logged in.")
	case n == 1:
		s.AddFlash("Logged out 1 other session.")
	default:
		s.AddFlash(fmt.Sprintf("Logged out %d other sessions.", n))
	}
}

// Ago says how long before now t was, as a person would: "just now",
// "5 minutes ago", "yesterday". A zero t is "unknown".
func Ago(now, t time.Time) string {
	if t.IsZero() {
		return "unknown"
	}
	d := now.Sub(t)
	switch {
	case d < 45*time.Second:
		return "just now"
	case d < 2*time.Minute:
		return "a minute ago"
	case d < time.Hour:
		return fmt.Sprintf("%d minutes ago", int(d/time.Minute))
	case d < 2*time.Hour:
		return "an hour ago"
	case d < 24*time.Hour:
		return fmt.Sprintf("%d hours ago", int(d/time.Hour))
	case d < 48*time.Hour:
		return "yesterday"
	default:
		return fmt.Sprintf("%d days ago", int(d/(24*time.Hour)))
	}
}

func exact(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Local().Format("2 Jan 2006 15:04:05 MST")
}

// browsers are the user agent tokens Device recognizes, in the order it
// tries them: Edge and Opera also say Chrome, Chrome also says Safari.
var browsers = []struct{ token, name string }{
	{"Edg/", "Edge"},
	{"EdgA/", "Edge"},
	{"OPR/", "Opera"},
	{"SamsungBrowser/", "Samsung Internet"},
	{"HeadlessChrome/", "Headless Chrome"},
	{"CriOS/", "Chrome"},
	{"Chrome/", "Chrome"},
	{"FxiOS/", "Firefox"},
	{"Firefox/", "Firefox"},
	{"Version/", "Safari"}, // Safari's own version; its Safari/ token is the WebKit build
	{"curl/", "curl"},
}

// systems are the operating systems Device recognizes, in the order it
// tries them: Android also says Linux, iOS also says Mac OS X.
var systems = []struct{ token, name string }{
	{"Windows", "Windows"},
	{"Android", "Android"},
	{"iPhone", "iPhone"},
	{"iPad", "iPad"},
	{"CrOS", "ChromeOS"},
	{"Macintosh", "macOS"},
	{"Linux", "Linux"},
}

// Device returns a short readable form of the user agent ua: browser and
// major version, and operating system, e.g. "Chrome 131 on Linux". An
// unknown agent is its first product name.
func Device(ua string) string {
	ua = strings.TrimSpace(ua)
	if ua == "" {
		return "Unknown device"
	}
	name := ""
	for _, b := range browsers {
		if i := strings.Index(ua, b.token); i >= 0 {
			name = b.name
			if v := major(ua[i+len(b.token):]); v != "" {
				name += " " + v
			}
			break
		}
	}
	if name == "" {
		name, _, _ = strings.Cut(ua, " ")
		name, _, _ = strings.Cut(name, "/")
	}
	for _, s := range systems {
		if strings.Contains(ua, s.token) {
			return name + " on " + s.name
		}
	}
	return name
}

// major returns the leading digits of a version, "131" of "131.0.6778.85".
func major(version string) string {
	n := 0
	for n < len(version) && n < 6 && version[n] >= '0' && version[n] <= '9' {
		n++
	}
	return version[:n]
}
