package sessions

import (
	"net/http"
	"net/textproto"
	"strconv"
	"strings"
	"time"
)

// maxCookieValue bounds the cookie values worth verifying: a signed 256-char
// ID with its signature fits well within it.
const maxCookieValue = 512

// cookieFormat is the Set-Cookie text that does not change from one
// response to the next, built once by New with net/http's checks.
type cookieFormat struct {
	prefix  string // `name=`
	attrs   string // `; Path=/; HttpOnly; SameSite=Lax` and the rest of the flags
	expired string // the whole header value that deletes the cookie
}

// newCookieFormat checks the cookie attributes of cfg and renders the
// parts of its Set-Cookie headers that never change.
func newCookieFormat(cfg Config) (cookieFormat, error) {
	c := http.Cookie{
		Name:        cfg.CookieName,
		Value:       "v",
		Path:        cfg.CookiePath,
		Domain:      cfg.CookieDomain,
		Secure:      cfg.CookieSecure,
		HttpOnly:    !cfg.CookieNoHTTPOnly,
		SameSite:    cfg.CookieSameSite,
		Partitioned: cfg.CookiePartitioned,
	}
	if err := c.Valid(); err != nil {
		return cookieFormat{}, err
	}
	full := c.String()
	prefix := cfg.CookieName + "="
	f := cookieFormat{prefix: prefix, attrs: strings.TrimPrefix(full, prefix+"v")}
	c.Value, c.MaxAge, c.Expires = "", -1, time.Unix(0, 0)
	f.expired = c.String()
	return f, nil
}

// readCookie returns the session ID carried by r's session cookie, verified
// when cookies are signed; the cookie's value, when it can be sent back as
// it is; and whether r had a session cookie at all. A missing, malformed, forged or oversized cookie
// yields "", so the request gets a new session; it is never an error.
//
// It scans the Cookie headers in place, as net/http's parser does but
// without allocating: whatever it accepts must then pass validID, which is
// stricter than the cookie grammar.
func (m *Manager) readCookie(r *http.Request) (id, raw string, had bool) {
	for _, line := range r.Header["Cookie"] {
		for line != "" {
			var part string
			part, line, _ = strings.Cut(line, ";")
			name, v, ok := strings.Cut(textproto.TrimString(part), "=")
			if !ok || textproto.TrimString(name) != m.cfg.CookieName {
				continue
			}
			had = true
			if len(v) > 1 && v[0] == '"' && v[len(v)-1] == '"' {
				v = v[1 : len(v)-1]
			}
			if len(v) > maxCookieValue {
				continue
			}
			id, key := v, 0
			if m.signer != nil {
				if id, key, ok = m.signer.verifyKey(v); !ok {
					continue
				}
			}
			if !validID(id) {
				continue
			}
			if key != 0 {
				v = "" // signed with a fallback key: re-sign with the current one
			}
			return id, v, true
		}
	}
	return "", "", had
}

// setCookie adds the Set-Cookie header that hands the client session id.
// A permanent session's cookie expires with its record; any other lasts
// until the browser closes. value is id's cookie value when the caller has
// it already (the client sent it), or "" to sign id afresh.
func (m *Manager) setCookie(h http.Header, id, value string, permanent bool, ttl time.Duration, now time.Time) {
	if value == "" {
		value = id
		if m.signer != nil {
			value = m.signer.sign(id)
		}
	}
	f := &m.cookies
	var b strings.Builder
	b.Grow(len(f.prefix) + len(value) + len("; Expires=Mon, 02 Jan 2006 15:04:05 GMT; Max-Age=") + 10 + len(f.attrs))
	b.WriteString(f.prefix)
	b.WriteString(value)
	if permanent {
		var buf [20]byte
		b.WriteString("; Expires=")
		b.WriteString(m.expiresText(now.Add(ttl)))
		b.WriteString("; Max-Age=")
		b.Write(strconv.AppendInt(buf[:0], int64(ttl/time.Second), 10))
	}
	b.WriteString(f.attrs)
	h["Set-Cookie"] = append(h["Set-Cookie"], b.String())
}

// expiresText formats t for a cookie's Expires. Every response within the
// same second carries the same text, so the last one is kept.
func (m *Manager) expiresText(t time.Time) string {
	sec := t.Unix()
	if last := m.expires.Load(); last != nil && last.sec == sec {
		return last.text
	}
	text := t.UTC().Format(http.TimeFormat)
	m.expires.Store(&formattedTime{sec, text})
	return text
}

// formattedTime is a Unix second and its text in an Expires attribute.
type formattedTime struct {
	sec  int64
	text string
}

// expireCookie adds the Set-Cookie header that deletes the session cookie:
// the same name, domain, path and flags, already expired.
func (m *Manager) expireCookie(h http.Header) {
	h["Set-Cookie"] = append(h["Set-Cookie"], m.cookies.expired)
}

// addVaryCookie adds "Vary: Cookie" unless h already varies on Cookie.
func addVaryCookie(h http.Header) {
	for _, v := range h["Vary"] {
		for v != "" {
			var f string
			f, v, _ = strings.Cut(v, ",")
			f = strings.TrimSpace(f)
			if f == "*" || strings.EqualFold(f, "Cookie") {
				return
			}
		}
	}
	h["Vary"] = append(h["Vary"], "Cookie")
}
