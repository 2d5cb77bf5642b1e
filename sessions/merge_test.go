package sessions

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/serversession/serversession/internal/numconv"
)

// inFlight serves handler in a goroutine that loads the session, then waits
// until release is called before it changes anything: a request that
// loaded the session before another one committed.
type inFlight struct {
	release func()
	wait    func() response
}

func (h *harness) inFlight(cookie *http.Cookie, change func(s *Session)) inFlight {
	h.t.Helper()
	loaded, proceed := make(chan struct{}), make(chan struct{})
	var resp response
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		resp = h.serve(func(_ http.ResponseWriter, _ *http.Request, s *Session) {
			s.Len() // load
			close(loaded)
			<-proceed
			change(s)
		}, cookie)
	}()
	<-loaded
	var once sync.Once
	return inFlight{
		release: func() { once.Do(func() { close(proceed) }) },
		wait:    func() response { once.Do(func() { close(proceed) }); wg.Wait(); return resp },
	}
}

// Two requests that loaded the same record and set different keys both
// keep them: the second write finds the record changed, reloads it, replays
// its change and writes again, one load and one write more than usual.
func TestConflictReplaysChangesOverTheNewRecord(t *testing.T) {
	for _, tc := range []struct {
		name  string
		wrap  func(*testStore) Store
		calls []string
	}{
		// A loads; B loads and saves; A's save conflicts, A reloads and saves.
		{"LoadToucher", withLoadTouch, []string{"load", "load", "save", "save", "load", "save"}},
		{"PlainStore", nil, []string{"load", "load", "save", "save", "load", "save"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, tc.wrap, nil)
			cookie := h.login(map[string]any{"seed": 1})
			a := h.inFlight(cookie, func(s *Session) { s.Set("a", 1) })
			h.serve(func(_ http.ResponseWriter, _ *http.Request, s *Session) { s.Set("b", 2) }, cookie)
			resp := a.wait()

			rec := h.record(cookie.Value)
			if rec["a"] == nil || rec["b"] == nil || rec["seed"] == nil {
				t.Errorf("record %v, want seed, a and b", rec)
			}
			var ops []string
			for _, o := range h.store.order {
				ops = append(ops, strings.Fields(o)[0])
			}
			if !slices.Equal(ops, tc.calls) {
				t.Errorf("store calls %v, want %v", ops, tc.calls)
			}
			if c := resp.sessionCookie(); c == nil || c.Value != cookie.Value {
				t.Errorf("cookie %v, want the session's cookie", c)
			}
			if errs := h.errs.list(); len(errs) != 0 {
				t.Errorf("ErrorHandler called: %v", errs)
			}
		})
	}
}

// On the same key the last writer wins; every other key is kept.
func TestConflictOnTheSameKeyLastWriterWins(t *testing.T) {
	h := newHarness(t, withLoadTouch, nil)
	cookie := h.login(map[string]any{"k": "first", "other": "kept"})
	a := h.inFlight(cookie, func(s *Session) { s.Set("k", "last") })
	h.serve(func(_ http.ResponseWriter, _ *http.Request, s *Session) {
		s.Set("k", "second")
		s.Set("b", true)
	}, cookie)
	a.wait()
	rec := h.record(cookie.Value)
	if rec["k"] != "last" || rec["other"] != "kept" || rec["b"] != true {
		t.Errorf("record %v, want k=last, other=kept, b=true", rec)
	}
}

// A delete is a change like a set: it is replayed over the other request's
// record, and the other request's keys stay.
func TestConflictReplaysDeletes(t *testing.T) {
	h := newHarness(t, withLoadTouch, nil)
	cookie := h.login(map[string]any{"token": "once", "seed": 1})
	a := h.inFlight(cookie, func(s *Session) { s.Pop("token") })
	h.serve(func(_ http.ResponseWriter, _ *http.Request, s *Session) { s.Set("b", 2) }, cookie)
	a.wait()
	rec := h.record(cookie.Value)
	if _, ok := rec["token"]; ok || rec["b"] == nil || rec["seed"] == nil {
		t.Errorf("record %v, want seed and b, no token", rec)
	}
}

// A value changed in place (an item added to a stored map) is a change of
// its key: it is replayed without MarkModified.
func TestConflictReplaysInPlaceChanges(t *testing.T) {
	h := newHarness(t, withLoadTouch, nil)
	cookie := h.login(map[string]any{"cart": map[string]any{"apples": 1}, "seed": 1})
	a := h.inFlight(cookie, func(s *Session) {
		cart, _ := s.Get("cart")
		cart.(map[string]any)["pears"] = 2
	})
	h.serve(func(_ http.ResponseWriter, _ *http.Request, s *Session) { s.Set("b", 2) }, cookie)
	a.wait()
	rec := h.record(cookie.Value)
	cart, _ := rec["cart"].(map[string]any)
	if len(cart) != 2 || rec["b"] == nil {
		t.Errorf("record %v, want a cart of apples and pears, and b", rec)
	}
}

// Clear wipes the record another request stored meanwhile, as it would
// have wiped it had it come later: what the clearing request set after
// the clear is all that is left.
func TestConflictAfterClear(t *testing.T) {
	h := newHarness(t, withLoadTouch, nil)
	cookie := h.login(map[string]any{"old": 1})
	a := h.inFlight(cookie, func(s *Session) {
		s.Clear()
		s.Set("fresh", 1)
	})
	h.serve(func(_ http.ResponseWriter, _ *http.Request, s *Session) { s.Set("b", 2) }, cookie)
	a.wait()
	rec := h.record(cookie.Value)
	if len(rec) != 2 || rec["fresh"] == nil || rec[keyPermanent] != true {
		t.Errorf("record %v, want only fresh (and _permanent)", rec)
	}
}

// SetPermanent is replayed like a key; a request that did not change it
// takes the other request's choice.
func TestConflictReplaysPermanent(t *testing.T) {
	h := newHarness(t, withLoadTouch, nil)
	cookie := h.login(map[string]any{"seed": 1})
	a := h.inFlight(cookie, func(s *Session) { s.Set("a", 1) })
	h.serve(func(_ http.ResponseWriter, _ *http.Request, s *Session) { s.SetPermanent(false) }, cookie)
	resp := a.wait()
	rec := h.record(cookie.Value)
	if _, ok := rec[keyPermanent]; ok || rec["a"] == nil {
		t.Errorf("record %v, want a, and not permanent", rec)
	}
	if c := resp.sessionCookie(); c == nil || c.MaxAge != 0 || !c.Expires.IsZero() {
		t.Errorf("cookie %v, want a browser-session cookie", c)
	}
}

// Flashes added by concurrent requests all survive, and a flash one
// request took is not brought back by another, whichever commits first.
func TestConflictMergesFlashes(t *testing.T) {
	for _, takerFirst := range []bool{false, true} {
		t.Run(fmt.Sprint("takerFirst=", takerFirst), func(t *testing.T) {
			h := newHarness(t, withLoadTouch, nil)
			cookie := h.login(map[string]any{"seed": 1})
			h.serve(func(_ http.ResponseWriter, _ *http.Request, s *Session) { s.AddFlash("old") }, cookie)

			var shown []Flash
			taker := func(s *Session) { shown = s.Flashes() }
			adder := func(s *Session) { s.AddFlash("new") }
			first, second := adder, taker
			if takerFirst {
				first, second = taker, adder
			}
			a := h.inFlight(cookie, second)
			h.serve(func(_ http.ResponseWriter, _ *http.Request, s *Session) {
				s.Len()
				first(s)
			}, cookie)
			a.wait()

			if len(shown) != 1 || shown[0].Message != "old" {
				t.Errorf("the taker was shown %v, want [old]", shown)
			}
			var left []Flash
			h.serve(func(_ http.ResponseWriter, _ *http.Request, s *Session) { left = s.Flashes() }, cookie)
			if len(left) != 1 || left[0].Message != "new" {
				t.Errorf("flashes left %v, want [new]", left)
			}
		})
	}
}

// A request that loaded the session before another request destroyed it,
// or moved it to a new ID, never writes it back: its changes are dropped
// and logged, and it sends no cookie for the old ID.
func TestGoneStaysGone(t *testing.T) {
	for _, end := range []string{"Destroy", "Regenerate"} {
		for _, wrap := range []struct {
			name string
			fn   func(*testStore) Store
		}{{"LoadToucher", withLoadTouch}, {"PlainStore", nil}} {
			t.Run(end+"/"+wrap.name, func(t *testing.T) {
				h := newHarness(t, wrap.fn, nil)
				cookie := h.login(map[string]any{"user": "ann"})
				a := h.inFlight(cookie, func(s *Session) { s.Set("late", 1) })
				r := h.serve(func(_ http.ResponseWriter, _ *http.Request, s *Session) {
					if end == "Destroy" {
						s.Destroy()
					} else {
						s.Regenerate()
					}
				}, cookie)
				resp := a.wait()

				if _, ok := h.store.get(DefaultKeyPrefix + cookie.Value); ok {
					t.Errorf("the old record is back: %v", h.record(cookie.Value))
				}
				if c := resp.sessionCookie(); c != nil {
					t.Errorf("the late request sent cookie %q", c.Raw)
				}
				if !strings.Contains(h.log.String(), "ended in another request") {
					t.Errorf("no log of the dropped changes:\n%s", h.log)
				}
				if errs := h.errs.list(); len(errs) != 0 {
					t.Errorf("ErrorHandler called: %v", errs)
				}
				if end == "Regenerate" {
					c := r.sessionCookie()
					if c == nil {
						t.Fatal("Regenerate set no cookie")
					}
					if rec := h.record(c.Value); rec["user"] != "ann" || rec["late"] != nil {
						t.Errorf("new record %v, want only user=ann", rec)
					}
				}
			})
		}
	}
}

// A read-only request that loaded (and refreshed) the session before a
// login moved it to a new ID sends no cookie for the old ID: were it to,
// the browser would lose the login's cookie. Likewise after a logout.
func TestReadOnlyRequestDoesNotBringBackAnEndedCookie(t *testing.T) {
	for _, end := range []string{"Destroy", "Regenerate"} {
		t.Run(end, func(t *testing.T) {
			h := newHarness(t, withLoadTouch, nil)
			cookie := h.login(map[string]any{"user": "ann"})
			a := h.inFlight(cookie, func(s *Session) { s.Get("user") })
			h.serve(func(_ http.ResponseWriter, _ *http.Request, s *Session) {
				if end == "Destroy" {
					s.Destroy()
				} else {
					s.Regenerate()
				}
			}, cookie)
			if c := a.wait().sessionCookie(); c != nil {
				t.Errorf("the read-only request sent cookie %q after the %s", c.Raw, end)
			}
		})
	}
}

// A read-only request refreshing a session another request ended creates
// nothing and sends no cookie for it, on a store without LoadTouch (which
// refreshes by a conditional Replace of the loaded bytes).
func TestRefreshOfAGoneRecord(t *testing.T) {
	h := newHarness(t, nil, nil)
	cookie := h.login(map[string]any{"user": "ann"})
	a := h.inFlight(cookie, func(s *Session) { s.Get("user") })
	h.serve(func(_ http.ResponseWriter, _ *http.Request, s *Session) { s.Destroy() }, cookie)
	resp := a.wait()
	if _, ok := h.store.get(DefaultKeyPrefix + cookie.Value); ok {
		t.Error("the refresh recreated the record")
	}
	if c := resp.sessionCookie(); c != nil {
		t.Errorf("the refresh sent cookie %q", c.Raw)
	}
}

// Regenerate creates the new record create-only, then deletes the old one
// if it still holds what the request loaded.
func TestRegenerateCreatesThenDeletes(t *testing.T) {
	h := newHarness(t, withLoadTouch, nil)
	cookie := h.login(map[string]any{"user": "ann"})
	h.serve(func(_ http.ResponseWriter, _ *http.Request, s *Session) { s.Regenerate() }, cookie)
	if got := strings.Join(h.store.writes, " "); got != "create" {
		t.Errorf("writes %v, want one create", h.store.writes)
	}
	if n := len(h.store.order); n != 3 || !strings.HasPrefix(h.store.order[2], "deleteif "+DefaultKeyPrefix+cookie.Value) {
		t.Errorf("store calls %v, want loadtouch, save (create), deleteif of the old key", h.store.order)
	}
}

// A write that meets conflicts tries again for as long as they come, as
// writes of one session under load do: here another request writes before
// each of its first 40 attempts, and the 41st lands, over the other's data.
func TestConflictsRetryUntilTheWriteLands(t *testing.T) {
	h := newHarness(t, withLoadTouch, nil)
	cookie := h.login(map[string]any{"n": 0})
	key := DefaultKeyPrefix + cookie.Value
	other := 0
	h.store.onReplace = func(context.Context) {
		if other < 40 {
			other++
			data, _ := encodeRecord(Msgpack, map[string]any{"n": other}, meta{permanent: true})
			h.store.put(key, data)
		}
	}
	resp := h.serve(func(_ http.ResponseWriter, _ *http.Request, s *Session) { s.Set("mine", 1) }, cookie)
	if resp.Code != http.StatusOK {
		t.Fatalf("status %d, want 200; errors %v", resp.Code, h.errs.list())
	}
	if rec := h.record(cookie.Value); fmt.Sprint(rec["mine"], rec["n"]) != "1 40" {
		t.Errorf("record %v, want mine 1 over the other request's n 40", rec)
	}
}

// A write whose conflicts never end gives up when the request's deadline
// does, with ErrStoreSave wrapping both the deadline and ErrConflict; the
// record is left as the other writer made it.
func TestEndlessConflictsEndAtTheDeadline(t *testing.T) {
	h := newHarness(t, withLoadTouch, nil)
	cookie := h.login(map[string]any{"n": 0})
	key := DefaultKeyPrefix + cookie.Value
	other := 0
	h.store.onReplace = func(context.Context) {
		other++ // another request writes before every attempt of this one
		data, _ := encodeRecord(Msgpack, map[string]any{"n": -other}, meta{permanent: true})
		h.store.put(key, data)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	req := httptest.NewRequestWithContext(ctx, http.MethodGet, "/page", nil)
	req.AddCookie(cookie)
	resp := h.serveRequest(req, func(_ http.ResponseWriter, _ *http.Request, s *Session) { s.Set("mine", 1) })
	if resp.Code != http.StatusInternalServerError {
		t.Errorf("status %d, want 500", resp.Code)
	}
	errs := h.errs.list()
	if len(errs) != 1 || !errors.Is(errs[0], ErrStoreSave) || !errors.Is(errs[0], ErrConflict) || !errors.Is(errs[0], context.DeadlineExceeded) {
		t.Fatalf("ErrorHandler got %v, want ErrStoreSave wrapping ErrConflict and the deadline", errs)
	}
	if other < 3 {
		t.Errorf("%d attempts, want it to have kept trying", other)
	}
	if rec := h.record(cookie.Value); rec["mine"] != nil {
		t.Errorf("record %v holds the failed change", rec)
	}
}

// A commit's store calls carry the request's deadline, or SaveTimeout when
// the request has none or its context has ended; they are never canceled
// with the request.
func TestCommitDeadline(t *testing.T) {
	h := newHarness(t, withLoadTouch, nil)
	cookie := h.login(map[string]any{"n": 0})
	var got context.Context
	h.store.onReplace = func(ctx context.Context) { got = ctx }

	serveWith := func(ctx context.Context) {
		req := httptest.NewRequest(http.MethodGet, "/page", nil).WithContext(ctx)
		req.AddCookie(cookie)
		h.serveRequest(req, func(_ http.ResponseWriter, _ *http.Request, s *Session) { s.Set("n", time.Now().UnixNano()) })
	}

	deadline := time.Now().Add(time.Minute)
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	serveWith(ctx)
	if d, ok := got.Deadline(); !ok || !d.Equal(deadline) {
		t.Errorf("with a request deadline: store deadline %v (%t), want %v", d, ok, deadline)
	}
	cancel()

	for name, ctx := range map[string]context.Context{
		"no deadline": context.Background(),
		"canceled":    ctx, // canceled above, before the request
	} {
		start := time.Now()
		serveWith(ctx)
		d, ok := got.Deadline()
		if !ok || d.Before(start.Add(SaveTimeout)) || d.After(time.Now().Add(SaveTimeout)) {
			t.Errorf("%s: store deadline %v (%t), want now+%v", name, d, ok, SaveTimeout)
		}
		if got.Err() == nil {
			t.Errorf("%s: the store call's context is still live after the commit", name)
		}
	}
	if errs := h.errs.list(); len(errs) != 0 {
		t.Errorf("ErrorHandler called: %v", errs)
	}
}

// stallingStore stalls its first Replace: the call fails at its context's
// deadline, as a store client gives up, while the write itself goes on and
// lands in the store once landed is closed, as a write held up in the
// network would. The late write's outcome goes to late.
type stallingStore struct {
	loadTouchStore
	armed           *atomic.Bool
	stalled, landed chan struct{}
	late            chan error
}

func (s stallingStore) Replace(ctx context.Context, key string, old Record, data []byte, ttl time.Duration) error {
	if !s.armed.CompareAndSwap(true, false) {
		return s.loadTouchStore.Replace(ctx, key, old, data, ttl)
	}
	close(s.stalled)
	<-ctx.Done()
	go func() {
		<-s.landed
		s.late <- s.loadTouchStore.Replace(context.Background(), key, old, data, ttl)
	}()
	return ctx.Err()
}

// A save that stalls past its deadline and lands in the store afterwards
// cannot roll the session back: it is conditional on the record it loaded,
// which newer requests have replaced meanwhile.
func TestStalledSaveCannotRollBack(t *testing.T) {
	st := stallingStore{armed: new(atomic.Bool), stalled: make(chan struct{}), landed: make(chan struct{}), late: make(chan error, 1)}
	h := newHarness(t, func(ts *testStore) Store {
		st.loadTouchStore = loadTouchStore{ts}
		return st
	}, nil)
	cookie := h.login(map[string]any{"n": 1})
	incr := func(s *Session) {
		n, _ := Value[int](s, "n")
		s.Set("n", n+1)
	}

	st.armed.Store(true)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	req := httptest.NewRequest(http.MethodGet, "/incr", nil).WithContext(ctx)
	req.AddCookie(cookie)
	done := make(chan response)
	go func() {
		done <- h.serveRequest(req, func(_ http.ResponseWriter, _ *http.Request, s *Session) { incr(s) })
	}()
	<-st.stalled
	resp := <-done // the stalled request has given up…
	for range 3 {
		h.serve(func(_ http.ResponseWriter, _ *http.Request, s *Session) { incr(s) }, cookie)
	}
	close(st.landed) // …and its write lands now
	if err := <-st.late; !errors.Is(err, ErrConflict) {
		t.Errorf("the late write returned %v, want a conflict", err)
	}

	if n, _ := numconv.Int64(h.record(cookie.Value)["n"]); n != 4 {
		t.Errorf("n = %d after the stalled save landed, want 4", n)
	}
	errs := h.errs.list()
	if len(errs) != 1 || !errors.Is(errs[0], ErrStoreSave) || !errors.Is(errs[0], context.DeadlineExceeded) {
		t.Errorf("ErrorHandler got %v, want one ErrStoreSave (deadline exceeded) for the stalled request", errs)
	}
	if resp.Code != http.StatusInternalServerError {
		t.Errorf("stalled request: status %d, want 500", resp.Code)
	}
}

// Many requests on one session, each setting its own key while others
// read, all keep their keys.
func TestConcurrentRequestsKeepEveryKey(t *testing.T) {
	for _, wrap := range []struct {
		name string
		fn   func(*testStore) Store
	}{{"LoadToucher", withLoadTouch}, {"PlainStore", nil}} {
		t.Run(wrap.name, func(t *testing.T) {
			h := newHarness(t, wrap.fn, nil)
			cookie := h.login(map[string]any{"seed": 1})
			const n = 200
			var wg sync.WaitGroup
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					h.serve(func(_ http.ResponseWriter, _ *http.Request, s *Session) {
						s.Len()
						time.Sleep(time.Millisecond) // let the others load too
						if i%2 == 0 {
							s.Set(fmt.Sprint("k", i), i)
						}
					}, cookie)
				}()
			}
			wg.Wait()
			rec := h.record(cookie.Value)
			var lost []int
			for i := 0; i < n; i += 2 {
				if _, ok := rec[fmt.Sprint("k", i)]; !ok {
					lost = append(lost, i)
				}
			}
			if len(lost) > 0 {
				t.Errorf("%d of %d keys lost: %v", len(lost), n/2, lost)
			}
			if errs := h.errs.list(); len(errs) != 0 {
				t.Errorf("%d ErrorHandler calls, first %v", len(errs), errs[0])
			}
		})
	}
}

// A nested value the handler got before a merge is still the session's
// after it: changing it in place after the headers went out is saved.
func TestInPlaceChangeAfterAMerge(t *testing.T) {
	h := newHarness(t, withLoadTouch, nil)
	cookie := h.login(map[string]any{"cart": map[string]any{"a": 1}})
	loaded, proceed := make(chan struct{}), make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		h.serve(func(w http.ResponseWriter, _ *http.Request, s *Session) {
			v, _ := s.Get("cart")
			cart := v.(map[string]any)
			close(loaded)
			<-proceed
			s.Set("x", 1)
			w.WriteHeader(http.StatusOK) // commits, meeting the other request's write
			cart["b"] = 2                // saved by Finish
		}, cookie)
	}()
	<-loaded
	h.serve(func(_ http.ResponseWriter, _ *http.Request, s *Session) { s.Set("y", 1) }, cookie)
	close(proceed)
	<-done
	rec := h.record(cookie.Value)
	cart, _ := rec["cart"].(map[string]any)
	if len(cart) != 2 || rec["x"] == nil || rec["y"] == nil {
		t.Errorf("record %v, want x, y and a cart of a and b", rec)
	}
}

// Abandon after a commit whose ErrorHandler wrote the response keeps the
// handler's (and the recovery's) output dropped.
func TestAbandonKeepsAReplacedResponse(t *testing.T) {
	h := newHarness(t, nil, nil)
	h.store.failSave = errors.New("down")
	rec := httptest.NewRecorder()
	s := h.m.Begin(rec, httptest.NewRequest(http.MethodGet, "/", nil)).Session()
	s.Set("a", 1)
	if s.h.Commit() {
		t.Fatal("Commit reported the response as the handler's, want the ErrorHandler's")
	}
	s.h.abandon()
	if s.h.Commit() {
		t.Error("after Abandon, Commit lets the handler's output through again")
	}
}

// A Hijack after a commit whose ErrorHandler answered does not hand the
// connection over: the answer goes out instead.
func TestHijackAfterAFailedCommit(t *testing.T) {
	h := newHarness(t, nil, nil)
	h.store.failSave = errors.New("down")
	rec := httptest.NewRecorder()
	hd := h.m.Begin(rec, httptest.NewRequest(http.MethodGet, "/ws", nil))
	hd.Run(func() {
		hd.Session().Set("a", 1)
		if _, _, err := http.NewResponseController(hd.Writer()).Hijack(); !errors.Is(err, ErrNotHijacked) {
			t.Errorf("Hijack: %v, want ErrNotHijacked", err)
		}
	})
	if rec.Code != http.StatusInternalServerError {
		t.Errorf("status %d, want the ErrorHandler's 500", rec.Code)
	}
}
