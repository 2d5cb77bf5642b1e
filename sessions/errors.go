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

// redactedError is an error whose text holds no session ID. It unwraps to
// the topmost errors of the original's tree in none of whose text an ID
// appears (the sentinels, context.DeadlineExceeded, a network error), so
// errors.Is and errors.As keep working without handing out an ID.
type redactedError struct {
	msg  string
	safe []error
}

func (e *redactedError) Error() string   { return e.msg }
func (e *redactedError) Unwrap() []error { return e.safe }

// newRedacted returns err with the text msg, keeping of its tree what
// leaks finds no ID in.
func newRedacted(err error, msg string, leaks func(text string) bool) *redactedError {
	safe, _ := safeErrors(err, leaks)
	return &redactedError{msg: msg, safe: safe}
}

// safeErrors returns the topmost errors of err's tree whose own trees do
// not leak, and whether that is err itself.
func safeErrors(err error, leaks func(string) bool) (safe []error, whole bool) {
	if err == nil {
		return nil, true
	}
	var wrapped []error
	switch u := err.(type) {
	case interface{ Unwrap() error }:
		wrapped = []error{u.Unwrap()}
	case interface{ Unwrap() []error }:
		wrapped = u.Unwrap()
	}
	whole = !leaks(err.Error())
	for _, e := range wrapped {
		s, ok := safeErrors(e, leaks)
		safe, whole = append(safe, s...), whole && ok
	}
	if whole {
		return []error{err}, true
	}
	return safe, false
}
