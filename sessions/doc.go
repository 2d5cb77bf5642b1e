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
// # Configuration
//
// Config's zero value means Flask-Session's defaults, made secure: permanent
// sessions living 31 days and refreshed on each request, an HttpOnly,
// SameSite=Lax cookie named "session", records stored as msgpack under
// "session:<id>". New rejects an invalid Config with a message that names
// the field to change.
//
// # Lifecycle
//
// A Manager runs one lifecycle for every adapter (see Handle for how an
// adapter drives it):
//
//   - Begin notes the request and does nothing else: a request that never
//     uses its session reads no cookie, costs no store round trip, sets no
//     cookie and adds no Vary header.
//   - The first read or write verifies the cookie and loads the record. A missing, expired or
//     corrupt record gives an empty session under a new ID; an ID the
//     client chose is never adopted.
//   - The commit runs once, right before the response headers are written. An
//     accessed session adds "Vary: Cookie". A modified session is saved
//     whole, with Config.Lifetime as its TTL, and its cookie is set; values
//     changed in place inside maps and slices count as modifications. An
//     emptied session is deleted and its cookie expired. A
//     session that was only read has its TTL extended without rewriting its
//     data (LoadToucher) and, if permanent, its cookie re-sent. An
//     empty new session stores nothing.
//   - After the handler, it commits if nothing was written, or saves
//     changes made after the headers went out. A handler that panicked
//     saves nothing.
//
// Session.Regenerate moves the data to a new ID (call it after a login);
// Session.Destroy deletes the record and expires the cookie.
//
// # Concurrent requests
//
// Requests that share a session (an application's parallel calls, a second
// tab) do not lose each other's work. Every write is conditional: a new
// session's record is created only where none is, and a loaded record is
// replaced only if it still holds what the request loaded, in the same one
// round trip as an unconditional write. A session knows what its request
// did, key by key: the keys it set or deleted, the values it changed in
// place, whether it cleared everything. When the conditional write finds
// the record changed by another request, the session reloads it, replays
// those changes over it and writes again; a conflict costs one more load
// and one more write, and a write that keeps conflicting gives up after a
// few tries with ErrStoreSave wrapping ErrConflict.
//
//   - Different keys all survive. On the same key the last writer wins.
//   - Flashes added by concurrent requests all survive, and a flash one
//     request took is not brought back by another.
//   - Clear and Destroy remove every key, those other requests set
//     meanwhile included. A session emptied key by key (Delete, Pop,
//     Flashes) is deleted only if nobody changed it since the load;
//     otherwise the merge decides what is left.
//   - A session that is gone stays gone. Once Destroy, Regenerate, an
//     emptying or its expiry removed a record, a request that loaded it
//     earlier never writes it back: its changes are dropped (logged at
//     Info) and its response sends no cookie for the old ID. Regenerate
//     creates the new record before it deletes the old one. (A read-only
//     request refreshed in the load's round trip, in another process than
//     the logout, may still re-send a cookie for the ended session; it
//     names nothing, and the next request starts afresh.)
//   - A commit's store calls carry the request's deadline, or SaveTimeout
//     when it has none or has already ended. A save that lands after its
//     deadline cannot overwrite newer data, because it is conditional.
//   - Within one Manager, the writes of one session take turns, and a
//     write that waited replays its changes over the one before it: many
//     requests of one process on one session cost one write each, not a
//     string of retries. The conditional writes settle races between
//     processes.
//
// Flask-Session writes unconditionally; to this package a Flask write on a
// shared store is one more concurrent write to merge over.
//
// # Sessions of a user
//
// With Config.IndexUsers, a session is tied to the user named under
// Config.UserKey ("_user_id", Flask-Login's key; Session.SetUser sets it),
// in an index the store keeps (see UserIndex). A handler lists the user's
// sessions with Session.UserSessions and ends them with Session.Revoke or
// Session.RevokeOthers; code without a request uses Manager.UserSessions,
// Manager.Revoke and Manager.RevokeAll. Listed sessions are named by an
// opaque Ref, never by their ID.
//
// The index follows the user key at every write: a new record is tied
// right after its Create (and deleted again if the tie fails, before any
// cookie names it), a record about to name a new user is tied before it is
// written, and a record deleted or rewritten without its user is untied
// after; the record says whose index lists it, so a record that names a
// user it is not tied to (Flask logged it in) is tied at its next request.
// A revoked session's record is deleted, so requests in flight on it find
// it gone; Regenerate deletes its old record with DeleteIf, and drops its
// new ID when that finds the old record gone (ended meanwhile); a revocation lists
// again until it ends nothing, so a new ID tied in between (it keeps the
// Ref) is ended too.
// A login costs one round trip more; ordinary reads and writes cost none.
//
// # Writing an adapter
//
// An adapter connects a web framework to a Manager. It is the framework's
// glue around five things, all exported:
//
//  1. New (or MustNew) makes the Manager once, at startup.
//  2. Manager.Begin starts a request's session and returns its Handle;
//     Handle.Request is the request to hand the handler (its context
//     carries the session).
//  3. Handle.Writer is the response writer to hand the handler: it commits
//     the session right before the headers go out, and drops what the
//     handler writes when the ErrorHandler answered instead. A framework
//     with a writer of its own calls Handle.Commit where its headers leave.
//  4. Handle.Run runs the handler, then ends the request: it saves what
//     changed after the headers went out, or, if the handler panicked,
//     saves nothing and lets the panic go on.
//  5. RegisterContext teaches Get the framework's context type, unless it
//     is a context.Context or has a Request() *http.Request method.
//
// A net/http middleware is little more than
//
//	h := m.Begin(w, r)
//	h.Run(func() { next.ServeHTTP(h.Writer(), h.Request()) })
//
// ginsession, echosession, echosession/v5 and adapters/httpsession are
// written this way, and adapters/adaptertest checks any adapter over real
// HTTP.
//
// # The null session
//
// Get without a middleware, or a middleware whose Config.Store is nil,
// gives a null session, as Flask-Session's NullSessionInterface does: reads
// return nothing, and the first write panics with a message naming the fix.
// Its Err reports ErrNoMiddleware or ErrNoStore.
//
// # Errors
//
// Sessions never lose data silently. When the store fails to load a session,
// Session.Err wraps ErrStoreLoad and the session is empty and read-only: it
// is never saved over the record it could not read. Load and save failures
// (ErrStoreSave) go to Config.ErrorHandler, once a request, which answers
// 500 Internal Server Error by default; IgnoreErrors lets the request go on.
// A session holding a value the Codec cannot encode (a channel, say) is not
// saved, and the ErrorHandler hears ErrEncode, not ErrStoreSave.
// A new session that first gets data after the headers were written cannot
// set its cookie, and the ErrorHandler hears ErrHeadersSent. Every failure
// is logged through Config.Logger, without the session ID.
//
// # Compatibility with Flask-Session
//
// With FlaskSigner, the same SecretKey and a shared store, a Go service and
// a Flask-Session 0.8 service read each other's sessions: the cookie is
// signed as itsdangerous signs it, and records are msgpack (or JSON) maps
// holding Flask's "_permanent" and "_flashes" keys.
package sessions
