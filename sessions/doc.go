// Package sessions is the framework-agnostic core of serversession:
// server-side sessions with the ergonomics of Flask's session and the
// storage choices of Flask-Session. The browser holds only a random session
// ID in a cookie (signed when Config.SecretKey is set); the data lives in a
// Store the application chooses.
//
// Applications use it through a thin adapter (ginsession, echosession or
// adapters/httpsession) and, in handlers, through Get:
//
//	s := sessions.Get(c) // *gin.Context, echo.Context (Echo v4), *echo.Context (Echo v5), *http.Request or context.Context
//	n, _ := sessions.Value[int](s, "visits")
//	s.Set("visits", n+1) // saved for you before the response goes out
//
// Config's zero value means Flask-Session's defaults, made secure: permanent
// sessions living 31 days after their last use (refreshed at most once a
// minute), an HttpOnly, SameSite=Lax cookie named "session", records
// stored as msgpack under "session:<id>". New rejects an invalid Config with a message that names
// the field to change.
//
// # Lifecycle
//
// A request that never uses its session costs nothing: no cookie read, no
// store round trip, no Set-Cookie, no Vary. The first use verifies the
// cookie and loads the record; a missing, expired or corrupt one gives an
// empty session under a new ID, never one the client chose. Right before
// the headers are written, a modified session (values changed in place
// count) is saved and its cookie set, an emptied one deleted and its
// cookie expired, and one only read has its TTL extended without a
// rewrite, at most once per Config.RefreshInterval.
//
// Within the interval a read is a plain Load that writes nothing and sends
// no cookie; the first read after it refreshes in the load's one round
// trip (LoadTouch). Each Manager remembers what it refreshed or wrote, so
// a session used through N processes is refreshed up to N times per
// interval; records carry no refresh time and keep Flask-Session's format.
//
// Changes made after the headers are saved when the handler
// returns; a handler that panicked saves nothing. Regenerate moves the data
// to a new ID (call it after a login); Destroy ends the session.
//
// Concurrent requests on one session do not lose each other's work: every
// write is conditional, and one that meets another request's write replays
// its own changes over it, key by key (flashes merge). A session that
// Destroy, Regenerate or its expiry ended stays ended.
//
// With Config.Users, sessions are indexed by the user under
// Config.UserKey (Session.SetUser), so that a handler can list them
// (Session.UserSessions) and end them (Session.Revoke, RevokeOthers; the
// Manager has the same calls for code without a request), by opaque Refs.
//
// # Writing an adapter
//
// An adapter makes a Manager with New, starts each request with
// Manager.Begin, hands the handler Handle.Request and Handle.Writer (or
// calls Handle.Commit where its framework writes the headers), and runs it
// with Handle.Run; RegisterContext teaches Get its context type. A net/http
// middleware is little more than
//
//	h := m.Begin(w, r)
//	h.Run(func() { next.ServeHTTP(h.Writer(), h.Request()) })
//
// # Errors
//
// Without a middleware or a Store, Get gives a null session: reads are
// empty and the first write panics naming the fix. A session the store
// failed to load is empty, read-only and never saved over the record (Err
// wraps ErrStoreLoad). Load and save failures go to Config.ErrorHandler
// (500 by default) and the log, never with the session ID.
//
// With FlaskSigner, the same SecretKey and a shared store, a Go service and
// a Flask-Session 0.8 service read each other's sessions.
package sessions
