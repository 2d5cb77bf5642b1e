package sessions

import (
	"net/http"
	"strings"
	"time"
)

// maxCookieValue bounds the cookie values worth verifying: a signed 256-char
// ID with its signature fits well within it.
const maxCookieValue = 512

// readCookie returns the session ID carried by r's session cookie, verified
// when cookies are signed, and whether r had a session cookie at all. A
// missing, malformed, forged or oversized cookie yields "", so the request
// gets a new session; it is never an error.
func (m *Manager) readCookie(r *http.Request) (id string, had bool) {
	for _, c := range r.CookiesNamed(m.cfg.CookieName) {
		had = true
		v := c.Value
		if len(v) > maxCookieValue {
			continue
		}
		if m.signer != nil {
			var ok bool
			if v, ok = m.signer.verify(v); !ok {
				continue
			}
		}
		if validID(v) {
			return v, true
		}
	}
	return "", had
}

// cookie returns the Set-Cookie value that hands the client session id.
// A permanent session's cookie expires with its record; any other lasts
// until the browser closes.
func (m *Manager) cookie(id string, permanent bool, ttl time.Duration, now time.Time) string {
	value := id
	if m.signer != nil {
		value = m.signer.sign(id)
	}
	c := m.baseCookie(value)
	if permanent {
		c.MaxAge = int(ttl / time.Second)
		c.Expires = now.Add(ttl)
	}
	return c.String()
}

// expiredCookie returns the Set-Cookie value that deletes the session
// cookie: the same name, domain, path and flags, already expired.
func (m *Manager) expiredCookie() string {
	c := m.baseCookie("")
	c.MaxAge = -1
	c.Expires = time.Unix(0, 0)
	return c.String()
}

func (m *Manager) baseCookie(value string) http.Cookie {
	return http.Cookie{
		Name:        m.cfg.CookieName,
		Value:       value,
		Path:        m.cfg.CookiePath,
		Domain:      m.cfg.CookieDomain,
		Secure:      m.cfg.CookieSecure,
		HttpOnly:    !m.cfg.CookieNoHTTPOnly,
		SameSite:    m.cfg.CookieSameSite,
		Partitioned: m.cfg.CookiePartitioned,
	}
}

// addVaryCookie adds "Vary: Cookie" unless h already varies on Cookie.
func addVaryCookie(h http.Header) {
	for _, v := range h.Values("Vary") {
		for _, f := range strings.Split(v, ",") {
			f = strings.TrimSpace(f)
			if f == "*" || strings.EqualFold(f, "Cookie") {
				return
			}
		}
	}
	h.Add("Vary", "Cookie")
}
