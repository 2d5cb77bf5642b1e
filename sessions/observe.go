package sessions

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Observer receives what the lifecycle does, for metrics and traces: each
// store call it makes, and the events of a session's life. Set it in
// Config.Observer; the module extra/otelsessions implements it for
// OpenTelemetry, and any other metrics or tracing system can be fed the
// same way.
//
// An Observer never sees a session ID, a storage key, a user or session
// data: only what kind of call or event it was, its outcome, its size in
// bytes and how long it took. Its methods are called on the request's
// goroutine, while the session is locked, so they must be fast and must not
// use the session; they may be called concurrently for different requests.
// The contexts passed derive from the request's context (a save's outlives
// the request's cancellation, see SaveTimeout), so a span the request
// carries is found in them. Without an Observer the lifecycle costs what it
// costs without this seam: one nil check per call or event.
type Observer interface {
	// StoreStart is called right before a store call. The context it
	// returns is the one the store call gets, and StoreDone after it: a
	// tracer returns ctx with the call's span in it, so that the store's
	// own instrumentation (redisotel, otelmongo) nests under it. Return ctx
	// itself for nothing of the kind.
	StoreStart(ctx context.Context, call StoreCall) context.Context
	// StoreDone is called right after the store call returned, with the
	// context StoreStart returned.
	StoreDone(ctx context.Context, call StoreCall, res StoreResult)
	// Event reports a step of a session's life, with the request's context
	// (or Manager.Revoke's caller's).
	Event(ctx context.Context, ev Event)
}

// StoreCall describes a store call the lifecycle makes.
type StoreCall struct {
	// Op is the method called.
	Op StoreOp
	// Store names the store: the package of its type ("redisstore",
	// "memstore"), as fmt's %T spells it.
	Store string
	// Attempt counts the attempts of one save: 1 for the first, 2 and on
	// for those after a conflict (and for the Load that reloads the record
	// before them). It is 1 for every other call.
	Attempt int
	// Size is the number of bytes a Create or Replace writes; zero for the
	// other calls.
	Size int
}

// StoreResult is how a store call ended.
type StoreResult struct {
	// Outcome says how the call ended.
	Outcome Outcome
	// Size is the number of bytes a load returned (OutcomeHit) or a write
	// wrote (OutcomeOK), or the number of records UserRecords listed; zero
	// otherwise.
	Size int
	// Duration is how long the call took.
	Duration time.Duration
	// ErrorType classifies a failed call (OutcomeError) without its message,
	// which may quote a storage key: "timeout" (the context's deadline),
	// "canceled" (its cancellation), else "store". Empty on success.
	ErrorType string
}

// StoreOp is a store method the lifecycle calls.
type StoreOp uint8

// The store calls an Observer sees. The names String returns are stable.
const (
	OpLoad        StoreOp = iota + 1 // Store.Load: "load"
	OpLoadTouch                      // LoadToucher.LoadTouch, load and refresh: "load_touch"
	OpCreate                         // Store.Create: "create"
	OpReplace                        // Store.Replace, a save or a refresh: "replace"
	OpDeleteIf                       // Store.DeleteIf: "delete_if"
	OpDelete                         // Store.Delete: "delete"
	OpTie                            // UserIndex.Tie: "tie"
	OpUntie                          // UserIndex.Untie: "untie"
	OpUserRecords                    // UserIndex.UserRecords: "user_records"
	OpPing                           // Pinger.Ping, or Manager.Ping's Load: "ping"
)

var opNames = [...]string{"", "load", "load_touch", "create", "replace", "delete_if", "delete", "tie", "untie", "user_records", "ping"}

// String returns the operation's stable name, such as "load_touch".
func (op StoreOp) String() string {
	if int(op) < len(opNames) && op != 0 {
		return opNames[op]
	}
	return fmt.Sprintf("StoreOp(%d)", uint8(op))
}

// Outcome is how a store call ended.
type Outcome uint8

// The outcomes of store calls. The names String returns are stable.
const (
	OutcomeOK       Outcome = iota + 1 // a write, delete or index call succeeded: "ok"
	OutcomeHit                         // a load found the record: "hit"
	OutcomeMiss                        // a load found none (missing or expired): "miss"
	OutcomeConflict                    // a conditional write found the record changed: "conflict"
	OutcomeError                       // the store failed: "error"
)

var outcomeNames = [...]string{"", "ok", "hit", "miss", "conflict", "error"}

// String returns the outcome's stable name, such as "conflict".
func (o Outcome) String() string {
	if int(o) < len(outcomeNames) && o != 0 {
		return outcomeNames[o]
	}
	return fmt.Sprintf("Outcome(%d)", uint8(o))
}

// Event is a step of a session's life that an Observer is told of.
type Event uint8

// The events of a session's life. The names String returns are stable.
const (
	// EventLoaded: the record the cookie names was loaded: "loaded".
	EventLoaded Event = iota + 1
	// EventMissed: the cookie named a session with no usable record
	// (missing, expired, past its AbsoluteTimeout, or undecodable); the
	// session starts new: "missed".
	EventMissed
	// EventCreated: a new session was stored, or one started after
	// Destroy; not one that Regenerate moved to a new ID: "created".
	EventCreated
	// EventDestroyed: a session's record was deleted (Destroy, Clear, a
	// revocation, the AbsoluteTimeout): "destroyed".
	EventDestroyed
	// EventRegenerated: a session moved to a new ID and its old record was
	// deleted: "regenerated".
	EventRegenerated
	// EventConflict: a save found the record changed by another request:
	// "conflict".
	EventConflict
	// EventMerged: this request's changes were replayed over another
	// request's record: "merged".
	EventMerged
	// EventSaveGivenUp: a save met conflicts on every attempt and gave up:
	// "save_given_up".
	EventSaveGivenUp
	// EventLoadFailed: the store failed to load the session (reported once,
	// when the request's session is committed): "load_failed".
	EventLoadFailed
	// EventSaveFailed: the store failed to save the session, or to delete
	// a record it had to: "save_failed".
	EventSaveFailed
)

var eventNames = [...]string{"", "loaded", "missed", "created", "destroyed", "regenerated", "conflict", "merged", "save_given_up", "load_failed", "save_failed"}

// String returns the event's stable name, such as "save_given_up".
func (e Event) String() string {
	if int(e) < len(eventNames) && e != 0 {
		return eventNames[e]
	}
	return fmt.Sprintf("Event(%d)", uint8(e))
}

// storeName names store for StoreCall.Store: the package of its type.
func storeName(store Store) string {
	name := strings.TrimLeft(fmt.Sprintf("%T", store), "*")
	if i := strings.IndexByte(name, '.'); i >= 0 {
		name = name[:i]
	}
	return name
}

// probe times one store call for the Observer. Without one it is inert and
// its ctx is the caller's.
type probe struct {
	obs   Observer
	ctx   context.Context
	call  StoreCall
	start time.Time
}

// probe starts observing a store call of op; size is what a write writes.
func (m *Manager) probe(ctx context.Context, op StoreOp, attempt, size int) probe {
	obs := m.cfg.Observer
	if obs == nil {
		return probe{ctx: ctx}
	}
	call := StoreCall{Op: op, Store: m.storeName, Attempt: attempt, Size: size}
	return probe{obs: obs, ctx: obs.StoreStart(ctx, call), call: call, start: time.Now()}
}

// done reports a call that returns only an error.
func (p *probe) done(err error) {
	if p.obs == nil {
		return
	}
	res := StoreResult{Outcome: OutcomeOK, Size: p.call.Size}
	if err != nil {
		res = StoreResult{Outcome: OutcomeError, ErrorType: errorType(err)}
		if errors.Is(err, ErrConflict) {
			res = StoreResult{Outcome: OutcomeConflict}
		}
	}
	res.Duration = time.Since(p.start)
	p.obs.StoreDone(p.ctx, p.call, res)
}

// loaded reports a load that found n bytes, or none.
func (p *probe) loaded(found bool, n int, err error) {
	if p.obs == nil {
		return
	}
	res := StoreResult{Outcome: OutcomeMiss}
	switch {
	case err != nil:
		res = StoreResult{Outcome: OutcomeError, ErrorType: errorType(err)}
	case found:
		res = StoreResult{Outcome: OutcomeHit, Size: n}
	}
	res.Duration = time.Since(p.start)
	p.obs.StoreDone(p.ctx, p.call, res)
}

// errorType classifies a store error without its message.
func errorType(err error) string {
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	case errors.Is(err, context.Canceled):
		return "canceled"
	}
	return "store"
}

// event tells the Observer, if any, of ev.
func (m *Manager) event(ctx context.Context, ev Event) {
	if obs := m.cfg.Observer; obs != nil {
		obs.Event(ctx, ev)
	}
}

// failed tells the Observer, if any, of the load or save failure that
// err, handed to the ErrorHandler, reports.
func (m *Manager) failed(ctx context.Context, err error) {
	if m.cfg.Observer == nil {
		return
	}
	if errors.Is(err, ErrStoreLoad) {
		m.event(ctx, EventLoadFailed)
	}
	if errors.Is(err, ErrStoreSave) {
		m.event(ctx, EventSaveFailed)
	}
}

// moving reports whether the session is moving to a new ID (Regenerate):
// its Create stores a session that is not new.
func (s *Session) moving() bool {
	for _, r := range s.stale {
		if r.moved {
			return true
		}
	}
	return false
}

// observedIndex is the user index with its calls observed.
type observedIndex struct {
	UserIndex
	m *Manager
}

func (x observedIndex) Tie(ctx context.Context, user, key string, ttl time.Duration) error {
	p := x.m.probe(ctx, OpTie, 1, 0)
	err := x.UserIndex.Tie(p.ctx, user, key, ttl)
	p.done(err)
	return err
}

func (x observedIndex) Untie(ctx context.Context, user, key string) error {
	p := x.m.probe(ctx, OpUntie, 1, 0)
	err := x.UserIndex.Untie(p.ctx, user, key)
	p.done(err)
	return err
}

func (x observedIndex) UserRecords(ctx context.Context, user string) ([]UserRecord, error) {
	p := x.m.probe(ctx, OpUserRecords, 1, 0)
	recs, err := x.UserIndex.UserRecords(p.ctx, user)
	if p.obs != nil {
		p.call.Size = len(recs)
		p.done(err)
	}
	return recs, err
}
