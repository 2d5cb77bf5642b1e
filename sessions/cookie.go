package sessions

import (
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// maxCookieValue bounds the cookie values worth looking at for the other
// signer's shape: a signed 256-char ID with its signature fits within it.
const maxCookieValue = 512

// maxCookieCandidates bounds the cookies of the session's name that are
// looked at: a browser sends one per Path and Domain that matches, and a
// request with thousands must not cost an HMAC each.
const maxCookieCandidates = 4

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
		Name:        cfg.Cookie.Name,
		Value:       "v",
		Path:        cfg.Cookie.Path,
		Domain:      cfg.Cookie.Domain,
		Secure:      cfg.Cookie.Secure,
		HttpOnly:    !cfg.Cookie.NoHTTPOnly,
		SameSite:    cfg.Cookie.SameSite,
		Partitioned: cfg.Cookie.Partitioned,
	}
	if err := c.Valid(); err != nil {
		return cookieFormat{}, err
	}
	full := c.String()
	prefix := cfg.Cookie.Name + "="
	f := cookieFormat{prefix: prefix, attrs: strings.TrimPrefix(full, prefix+"v")}
	c.Value, c.MaxAge, c.Expires = "", -1, time.Unix(0, 0)
	f.expired = c.String()
	return f, nil
}

// readCookie returns the session ID carried by r's session cookie, verified
// when cookies are signed; the cookie's value, when it can be sent back as
// it is; and whether r had a session cookie at all. A missing, malformed,
// forged or oversized cookie yields "", so the request gets a new session;
// it is never an error. So is an ID of another length than IDLength: no
// store is asked for a key that cannot exist (memcached refuses keys over
// 250 bytes).
func (m *Manager) readCookie(r *http.Request) (id, raw string, had bool) {
	idLen := base64.RawURLEncoding.EncodedLen(m.cfg.IDLength)
	for i, c := range r.CookiesNamed(m.cfg.Cookie.Name) {
		had = true
		if i == maxCookieCandidates {
			break
		}
		v := c.Value
		id, key := v, 0
		if m.signer != nil {
			var ok bool
			if len(v) != m.signer.SignedLen(idLen) {
				if len(v) <= maxCookieValue {
					m.warnOtherSigner(v)
				}
				continue
			}
			if id, key, ok = m.signer.Verify(v); !ok {
				m.warnOtherSigner(v)
				continue
			}
		}
		if len(id) != idLen || !validID(id) {
			continue
		}
		if key != 0 {
			v = "" // signed with a fallback key: re-sign with the current one
		}
		return id, v, true
	}
	return "", "", had
}

// warnOtherSigner logs, at most once a minute, that a cookie which failed
// verification is signed in the other signer's shape: a Flask cookie
// reaching a Manager without FlaskSigner, or the reverse. Nothing else
// tells the operator, and the session's first write replaces the user's
// cookie. The cookie and its ID are never logged.
func (m *Manager) warnOtherSigner(value string) {
	now, last := m.now().UnixNano(), m.signWarned.Load()
	if !m.signer.OtherShape(value) || last != 0 && now-last < int64(time.Minute) || !m.signWarned.CompareAndSwap(last, now) {
		return
	}
	if m.cfg.FlaskSigner {
		m.cfg.Logger.Warn("sessions: rejected session cookies signed with a 43-character (HMAC-SHA256) signature, " +
			"serversession's default signer, while Config.FlaskSigner is true here; " +
			"services sharing these sessions must agree: set FlaskSigner: true on all of them, or on none " +
			"(logged at most once a minute)")
		return
	}
	m.cfg.Logger.Warn("sessions: rejected session cookies signed with a 27-character (HMAC-SHA1) signature, " +
		"as Flask-Session signs them; to share sessions with a Flask app, set Config.FlaskSigner: true " +
		"(with the Flask app's SECRET_KEY as SecretKey), or each Flask user's session is replaced " +
		"(logged at most once a minute)")
}

// cookieHeader returns the Set-Cookie header value that hands the client
// session id. A permanent session's cookie expires with its record; any
// other lasts until the browser closes. value is id's cookie value when the
// caller has it already (the client sent it), or "" to sign id afresh.
func (m *Manager) cookieHeader(id, value string, permanent bool, ttl time.Duration, now time.Time) string {
	if value == "" {
		value = id
		if m.signer != nil {
			value = m.signer.Sign(id)
		}
	}
	f := &m.cookies
	var b strings.Builder
	b.Grow(len(f.prefix) + len(value) + len("; Expires=Mon, 02 Jan 2006 15:04:05 GMT; Max-Age=") + 10 + len(f.attrs))
	b.WriteString(f.prefix)
	b.WriteString(value)
	if permanent {
		var buf [len(http.TimeFormat)]byte
		b.WriteString("; Expires=")
		b.Write(now.Add(ttl).UTC().AppendFormat(buf[:0], http.TimeFormat))
		b.WriteString("; Max-Age=")
		b.Write(strconv.AppendInt(buf[:0], int64(ttl/time.Second), 10))
	}
	b.WriteString(f.attrs)
	return b.String()
}

// setCookie adds a Set-Cookie header to the response, and Cache-Control:
// private unless the app set a Cache-Control, so that no shared cache
// stores a response that hands out a session (OWASP). The header's value
// is the Handle's, so it costs no allocation. The caller holds s.mu.
func (s *Session) setCookie(value string) {
	hd := s.h.w.Header()
	hd.Add("Set-Cookie", value)
	if _, ok := hd["Cache-Control"]; !ok {
		s.h.private = [1]string{"private"}
		hd["Cache-Control"] = s.h.private[:]
	}
}

// addVaryCookie adds "Vary: Cookie" unless the response already varies on
// Cookie. The caller holds s.mu.
func (s *Session) addVaryCookie() {
	for _, v := range s.h.w.Header()["Vary"] {
		for v != "" {
			var f string
			f, v, _ = strings.Cut(v, ",")
			f = strings.TrimSpace(f)
			if f == "*" || strings.EqualFold(f, "Cookie") {
				return
			}
		}
	}
	s.h.w.Header().Add("Vary", "Cookie")
}
