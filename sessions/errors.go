package sessions

import (
	"errors"

	"github.com/serversession/serversession/internal/msgpackcheck"
)

// Sentinel errors that callers and error handlers branch on with errors.Is.
var (
	// ErrStoreLoad marks a failure of the store while loading a session,
	// which is then empty, read-only and never saved over the record.
	ErrStoreLoad = errors.New("sessions: store failed to load the session")

	// ErrStoreSave marks a failure of the store while saving, refreshing or
	// deleting a session.
	ErrStoreSave = errors.New("sessions: store failed to save the session")

	// ErrEncode marks a session value the Codec cannot encode (a channel, a
	// NaN under JSON): the session is not saved. It is not ErrStoreSave: the
	// store did not fail, and retrying cannot help.
	ErrEncode = errors.New("sessions: a session value cannot be encoded by the Codec")

	// ErrTooLarge marks a session whose record is larger than
	// Config.MaxRecordSize: the session is not saved and the stored record
	// is kept. It is not ErrStoreSave: the store was never asked.
	ErrTooLarge = errors.New("sessions: the session's record is larger than Config.MaxRecordSize")

	// ErrHeadersSent reports a change that needed a cookie after the
	// headers went out: a new session or a new ID. Set session values
	// before writing the body.
	ErrHeadersSent = errors.New("sessions: response headers already sent; the session cookie could not be set")

	// ErrNotHijacked is what a session writer's Hijack returns when the
	// commit failed and the ErrorHandler's response goes out instead.
	ErrNotHijacked = errors.New("sessions: the session could not be committed and the ErrorHandler answered; the connection is not hijacked")

	// ErrNoMiddleware is Err of the session Get gives without middleware.
	ErrNoMiddleware = errors.New("sessions: no session middleware ran for this request; add r.Use(ginsession.New(cfg)), e.Use(echosession.New(cfg)) or httpsession.New(cfg)(handler)")

	// ErrNoStore is Err of the sessions of a middleware whose Config.Store
	// is nil: Flask-Session's null session.
	ErrNoStore = errors.New("sessions: Config.Store is nil, so sessions cannot be saved; set Config.Store, for example to memstore.New()")

	errTrailingData = msgpackcheck.ErrTrailing
)
