package sessions

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Observer receives the lifecycle's store calls and session events, for
// metrics and traces; set it in Config.Observer (extra/otelsessions feeds
// OpenTelemetry). It never sees a session ID, a key, a user or data: only
// the kind of call or event, its outcome, size and duration. It is called
// on the request's goroutine with the session locked, so it must be fast
// and must not use the session. The contexts derive from the request's, so
// a span the request carries is found in them. A nil Observer costs one
// nil check per call.
//
// A load that a store serves from a local cache of its own (redisstore's
// client-side cache) is a load like any other here: the lifecycle cannot
// tell, and the seam does not ask. Such a store counts the cache's hits
// and misses itself (redisstore.Store.CacheStats), and a metrics system
// reads the counts when it collects (otelsessions.WithCache), so that
// neither a request nor a store without a cache pays for them.
type Observer interface {
	// StoreStart is called before a store call and returns the context
	// the call and StoreDone get: a tracer returns ctx with a span in it,
	// so the store's own instrumentation nests under it.
	StoreStart(ctx context.Context, call StoreCall) context.Context
	// StoreDone is called after the store call returned.
	StoreDone(ctx context.Context, call StoreCall, res StoreResult)
	// Event reports a step of a session's life.
	Event(ctx context.Context, ev Event)
}

// StoreCall describes a store call the lifecycle makes.
type StoreCall struct {
	Op      StoreOp // the method called
	Store   string  // the package of the store's type: "redisstore", "memstore"
	Attempt int     // the attempt of a save retried after conflicts (and of the reload before it); else 1
	Size    int     // the bytes a Create or Replace writes; else 0
}

// StoreResult is how a store call ended.
type StoreResult struct {
	Outcome Outcome // how the call ended
	// Size is the bytes a load returned (OutcomeHit) or a write wrote
	// (OutcomeOK), or the records UserRecords listed; else 0.
	Size     int
	Duration time.Duration // how long the call took
	// ErrorType classifies an OutcomeError without its message, which may
	// quote a key: "timeout", "canceled" or "store".
	ErrorType string
}

// StoreOp is a store method the lifecycle calls; its String is stable.
type StoreOp uint8

// The store calls an Observer sees.
const (
	OpLoad        StoreOp = iota + 1 // Store.Load
	OpLoadTouch                      // LoadToucher.LoadTouch: a load and a refresh
	OpCreate                         // Store.Create
	OpReplace                        // Store.Replace: a save or a refresh
	OpDeleteIf                       // Store.DeleteIf
	OpDelete                         // Store.Delete
	OpTie                            // UserIndex.Tie
	OpUntie                          // UserIndex.Untie
	OpUserRecords                    // UserIndex.UserRecords
	OpPing                           // Pinger.Ping, or Manager.Ping's Load
)

var opNames = [...]string{"", "load", "load_touch", "create", "replace", "delete_if", "delete", "tie", "untie", "user_records", "ping"}

// String returns the operation's stable name, such as "load_touch".
func (op StoreOp) String() string { return name(opNames[:], "StoreOp", op) }

// Outcome is how a store call ended; its String is stable.
type Outcome uint8

// The outcomes of store calls.
const (
	OutcomeOK       Outcome = iota + 1 // a write, delete or index call succeeded
	OutcomeHit                         // a load found the record
	OutcomeMiss                        // a load found none (missing or expired)
	OutcomeConflict                    // a conditional write found the record changed
	OutcomeError                       // the store failed
)

var outcomeNames = [...]string{"", "ok", "hit", "miss", "conflict", "error"}

// String returns the outcome's stable name, such as "conflict".
func (o Outcome) String() string { return name(outcomeNames[:], "Outcome", o) }

// Event is a step of a session's life; its String is stable.
type Event uint8

// The events of a session's life.
const (
	EventLoaded      Event = iota + 1 // the record the cookie names was loaded
	EventMissed                       // the cookie named no usable record (missing, expired, too old, undecodable)
	EventCreated                      // a new session was stored (not one Regenerate moved)
	EventDestroyed                    // a record was deleted: Destroy, Clear, a revocation, the AbsoluteTimeout
	EventRegenerated                  // a session moved to a new ID and its old record was deleted
	EventConflict                     // a save found the record changed by another request
	EventMerged                       // this request's changes were replayed over another's record
	EventSaveGivenUp                  // a save kept meeting conflicts until its deadline
	EventLoadFailed                   // the store failed to load the session
	EventSaveFailed                   // the store failed to save the session or delete a record
)

var eventNames = [...]string{"", "loaded", "missed", "created", "destroyed", "regenerated", "conflict", "merged", "save_given_up", "load_failed", "save_failed"}

// String returns the event's stable name, such as "save_given_up".
func (e Event) String() string { return name(eventNames[:], "Event", e) }

func name[T ~uint8](names []string, typ string, v T) string {
	if v != 0 && int(v) < len(names) {
		return names[v]
	}
	return fmt.Sprintf("%s(%d)", typ, uint8(v))
}

// storeName is the package of store's type, for StoreCall.Store.
func storeName(store Store) string {
	name := strings.TrimLeft(fmt.Sprintf("%T", store), "*")
	if i := strings.IndexByte(name, '.'); i >= 0 {
		name = name[:i]
	}
	return name
}

// probe times one store call for the Observer; without one, it is inert
// and its ctx is the caller's.
type probe struct {
	obs   Observer
	ctx   context.Context
	call  StoreCall
	start time.Time
}

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
	res := StoreResult{Outcome: OutcomeOK, Size: p.call.Size}
	if errors.Is(err, ErrConflict) {
		res = StoreResult{Outcome: OutcomeConflict}
	}
	p.end(res, err)
}

// loaded reports a load that found n bytes, or none.
func (p *probe) loaded(found bool, n int, err error) {
	res := StoreResult{Outcome: OutcomeMiss}
	if found {
		res = StoreResult{Outcome: OutcomeHit, Size: n}
	}
	p.end(res, err)
}

func (p *probe) end(res StoreResult, err error) {
	if p.obs == nil {
		return
	}
	if err != nil && res.Outcome != OutcomeConflict {
		res = StoreResult{Outcome: OutcomeError, ErrorType: "store"}
		if errors.Is(err, context.DeadlineExceeded) {
			res.ErrorType = "timeout"
		} else if errors.Is(err, context.Canceled) {
			res.ErrorType = "canceled"
		}
	}
	res.Duration = time.Since(p.start)
	p.obs.StoreDone(p.ctx, p.call, res)
}

// call makes the store call fn, of op, observed.
func (m *Manager) call(ctx context.Context, op StoreOp, attempt, size int, fn func(context.Context) error) error {
	p := m.probe(ctx, op, attempt, size)
	err := fn(p.ctx)
	p.done(err)
	return err
}

// loadKey loads the record under key, observed.
func (m *Manager) loadKey(ctx context.Context, key string, attempt int) (Record, bool, error) {
	p := m.probe(ctx, OpLoad, attempt, 0)
	rec, found, err := m.cfg.Store.Load(p.ctx, key)
	p.loaded(found, len(rec.Data), err)
	return rec, found, err
}

// event tells the Observer, if any, of ev.
func (m *Manager) event(ctx context.Context, ev Event) {
	if obs := m.cfg.Observer; obs != nil {
		obs.Event(ctx, ev)
	}
}

// failed tells the Observer of the load or save failure err reports.
func (m *Manager) failed(ctx context.Context, err error) {
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
	return slices.ContainsFunc(s.stale, func(r retired) bool { return r.moved })
}

// observedIndex is the user index with its calls observed.
type observedIndex struct {
	UserIndex
	m *Manager
}

func (x observedIndex) Tie(ctx context.Context, user, key string, ttl time.Duration) error {
	return x.m.call(ctx, OpTie, 1, 0, func(ctx context.Context) error { return x.UserIndex.Tie(ctx, user, key, ttl) })
}

func (x observedIndex) Untie(ctx context.Context, user, key string) error {
	return x.m.call(ctx, OpUntie, 1, 0, func(ctx context.Context) error { return x.UserIndex.Untie(ctx, user, key) })
}

func (x observedIndex) UserRecords(ctx context.Context, user string) ([]UserRecord, error) {
	p := x.m.probe(ctx, OpUserRecords, 1, 0)
	recs, err := x.UserIndex.UserRecords(p.ctx, user)
	p.call.Size = len(recs)
	p.done(err)
	return recs, err
}
