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
// A Manager runs one lifecycle for every adapter:
//
//   - Open notes the request and does nothing else: a request that never
//     uses its session reads no cookie, costs no store round trip, sets no
//     cookie and adds no Vary header.
//   - The first read or write verifies the cookie and loads the record. A missing, expired or
//     corrupt record gives an empty session under a new ID; an ID the
//     client chose is never adopted.
//   - Commit runs once, right before the response headers are written. An
//     accessed session adds "Vary: Cookie". A modified session is saved
//     whole, with Config.Lifetime as its TTL, and its cookie is set; values
//     changed in place inside maps and slices count as modifications. An
//     emptied session is deleted and its cookie expired. A session that was
//     only read has its TTL extended without rewriting its data (Toucher,
//     LoadToucher) and, if permanent, its cookie re-sent. An empty new
//     session stores nothing.
//   - Finish runs after the handler: it commits if nothing was written, or
//     saves changes made after the headers went out.
//   - Abandon marks the session of a handler that panicked: nothing is saved.
//
// Session.Regenerate moves the data to a new ID (call it after a login);
// Session.Destroy deletes the record and expires the cookie.
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
