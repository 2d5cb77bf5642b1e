package sessions

import "errors"

// Sentinel errors that callers and error handlers branch on with errors.Is.
var (
	// ErrStoreLoad marks a failure of the store while loading a session.
	// The session is then empty and read-only, and is never saved over the
	// record it could not load.
	ErrStoreLoad = errors.New("sessions: store failed to load the session")

	// ErrStoreSave marks a failure of the store while saving, refreshing or
	// deleting a session.
	ErrStoreSave = errors.New("sessions: store failed to save the session")

	// ErrEncode marks a session value the Codec cannot encode (a channel, a
	// function, a NaN under JSON): the session is not saved. It goes to the
	// ErrorHandler (500 by default) and the log as store failures do, but it
	// is not ErrStoreSave: the store did not fail, and retrying cannot help.
	ErrEncode = errors.New("sessions: a session value cannot be encoded by the Codec")

	// ErrHeadersSent reports a session change that needed a cookie after the
	// response headers had gone out: a new session that first got data, or
	// an ID regenerated, after the handler wrote its response. Set session
	// values before writing the body.
	ErrHeadersSent = errors.New("sessions: response headers already sent; the session cookie could not be set")

	// ErrNotHijacked is what a session writer's Hijack returns when the
	// commit before it failed and the ErrorHandler wrote a response of its
	// own: that response goes out, and the connection is not handed over.
	ErrNotHijacked = errors.New("sessions: the session could not be committed and the ErrorHandler answered; the connection is not hijacked")

	// ErrNoMiddleware is what Err returns for the session that Get gives when
	// no session middleware ran for the request.
	ErrNoMiddleware = errors.New("sessions: no session middleware ran for this request; add r.Use(ginsession.New(cfg)), e.Use(echosession.New(cfg)) or httpsession.New(cfg)(handler)")

	// ErrNoStore is what Err returns for sessions of a middleware whose
	// Config.Store is nil: Flask-Session's null session. Reads are empty and
	// writes panic.
	ErrNoStore = errors.New("sessions: Config.Store is nil, so sessions cannot be saved; set Config.Store, for example to memstore.New()")

	errTrailingData = errors.New("sessions: trailing data after the record")
)
