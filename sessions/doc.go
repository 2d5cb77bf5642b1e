// Package sessions is the framework-agnostic core of serversession:
// server-side sessions with the ergonomics of Flask's session and the
// storage choices of Flask-Session. The browser holds only a random session
// ID in a cookie (signed when Config.SecretKey is set); the data lives in a
// Store the application chooses.
//
// Applications use it through a thin adapter (ginsession, echosession or
// adapters/httpsession) and, in handlers, through Get:
//
//	s := sessions.Get(c) // a *gin.Context, echo.Context, *http.Request or context.Context
//	n, _ := sessions.Value[int](s, "visits")
//	s.Set("visits", n+1) // saved for you before the response goes out
//
// Config's zero value means Flask-Session's defaults, made secure: permanent
// sessions living 31 days and refreshed on each request, an HttpOnly,
// SameSite=Lax cookie named "session", records stored as msgpack under
// "session:<id>". New rejects an invalid Config with a message that names
// the field to change.
//
// # Lifecycle
//
// A request that never uses its session reads no cookie, costs no store
// round trip, sets no cookie and adds no Vary header. The first read or
// write verifies the cookie and loads the record; a missing, expired or
// corrupt record gives an empty session under a new ID, never one the
// client chose. Right before the response headers are written, a used
// session adds "Vary: Cookie"; a modified one (values changed in place
// inside maps and slices count) is saved with Config.Lifetime as its TTL
// and its cookie set; an emptied one is deleted and its cookie expired; one
// only read has its TTL extended without rewriting its data and, if
// permanent, its cookie re-sent. Changes made after the headers went out
// are saved when the handler returns; a handler that panicked saves
// nothing. Session.Regenerate moves the data to a new ID (call it after a
// login); Session.Destroy deletes the record and expires the cookie.
//
// # Concurrent requests
//
// Requests that share a session (parallel calls, a second tab) do not lose
// each other's work. Every write is conditional, in the same one round
// trip: a new record is created only where none is, a loaded one replaced
// only if it still holds what the request loaded. When another request
// changed it, the session reloads it, replays its own changes over it key
// by key and writes again; different keys all survive, on the same key the
// last writer wins, flashes added concurrently all survive. A session that
// Destroy, Regenerate or its expiry ended stays ended: a request that loaded
// it earlier never writes it back. Within one Manager the writes of one
// session take turns. Flask-Session writes unconditionally; to this package
// a Flask write on a shared store is one more concurrent write to merge over.
//
// # Sessions of a user
//
// With Config.IndexUsers, a session is tied to the user named under
// Config.UserKey (Flask-Login's "_user_id"; Session.SetUser sets it), in an
// index the store keeps (see UserIndex). A handler lists the user's
// sessions with Session.UserSessions and ends them with Session.Revoke or
// Session.RevokeOthers; code without a request uses Manager.UserSessions,
// Manager.Revoke and Manager.RevokeAll. Listed sessions are named by an
// opaque Ref, never by their ID. A revoked session stays revoked against
// requests in flight on it. A login costs one round trip more; ordinary
// reads and writes cost none.
//
// # Writing an adapter
//
// An adapter makes a Manager once with New (or MustNew), starts each
// request's session with Manager.Begin, hands the handler Handle.Request
// (its context carries the session) and Handle.Writer (which commits the
// session right before the headers go out; a framework with a writer of its
// own calls Handle.Commit there instead), and runs the handler with
// Handle.Run. RegisterContext teaches Get a framework context that is
// neither a context.Context nor has a Request() *http.Request method. A
// net/http middleware is little more than
//
//	h := m.Begin(w, r)
//	h.Run(func() { next.ServeHTTP(h.Writer(), h.Request()) })
//
// # Errors
//
// Get without a middleware, or a middleware whose Config.Store is nil,
// gives a null session, as Flask-Session's NullSessionInterface does: reads
// return nothing, the first write panics with a message naming the fix, and
// Err reports ErrNoMiddleware or ErrNoStore. When the store fails to load a
// session, Err wraps ErrStoreLoad and the session is empty and read-only,
// never saved over the record it could not read. Load and save failures go
// to Config.ErrorHandler, once a request (500 by default); a value the
// Codec cannot encode is ErrEncode, and a new session that first gets data
// after the headers were written is ErrHeadersSent. Every failure is
// logged through Config.Logger, without the session ID.
//
// With FlaskSigner, the same SecretKey and a shared store, a Go service and
// a Flask-Session 0.8 service read each other's sessions.
package sessions
