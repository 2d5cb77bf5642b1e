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
				if id, ok = m.verified.lookup(v); !ok {
					if id, key, ok = m.signer.verifyKey(v); !ok {
						continue
					}
					if key == 0 && validID(id) {
						m.verified.remember(v, id)
					}
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

// setCookie returns the Set-Cookie header value that hands the client
// session id. A permanent session's cookie expires with its record; any
// other lasts until the browser closes. value is id's cookie value when the
// caller has it already (the client sent it), or "" to sign id afresh.
func (m *Manager) setCookie(id, value string, permanent bool, ttl time.Duration, now time.Time) string {
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
	return b.String()
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

// The response headers a session sets, and the slot of Session.headers
// that backs each when the response has none yet.
const (
	varySlot = iota
	setCookieSlot
)

// addHeader adds a header value to the response. A header the response
// does not have yet gets a slice backed by the session's own array, so
// setting it costs no allocation; its capacity is its length, so a later
// Add copies rather than writes into the array. The caller holds s.mu.
func (s *Session) addHeader(key, value string, slot int) {
	h := s.w.Header()
	if old := h[key]; len(old) > 0 {
		h[key] = append(old, value)
		return
	}
	s.headers[slot] = value
	h[key] = s.headers[slot : slot+1 : slot+1]
}

// addVaryCookie adds "Vary: Cookie" unless the response already varies on
// Cookie. The caller holds s.mu.
func (s *Session) addVaryCookie() {
	for _, v := range s.w.Header()["Vary"] {
		for v != "" {
			var f string
			f, v, _ = strings.Cut(v, ",")
			f = strings.TrimSpace(f)
			if f == "*" || strings.EqualFold(f, "Cookie") {
				return
			}
		}
	}
	s.addHeader("Vary", "Cookie", varySlot)
}
