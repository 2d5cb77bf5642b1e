package sessions

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
)

// recorder is an Observer that notes what it is told, as "op outcome
// attempt" and event names.
type recorder struct {
	mu     sync.Mutex
	calls  []string
	events []string
	ctxOK  bool // every StoreDone got StoreStart's context
}

type spanKey struct{}

func (r *recorder) StoreStart(ctx context.Context, c StoreCall) context.Context {
	return context.WithValue(ctx, spanKey{}, c.Op)
}

func (r *recorder) StoreDone(ctx context.Context, c StoreCall, res StoreResult) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if ctx.Value(spanKey{}) != c.Op {
		r.ctxOK = false
	}
	if c.Store != "sessions" {
		r.calls = append(r.calls, "store "+c.Store)
	}
	r.calls = append(r.calls, fmt.Sprintf("%s %s %d", c.Op, res.Outcome, c.Attempt))
}

func (r *recorder) Event(_ context.Context, ev Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, ev.String())
}

func (r *recorder) take() (calls, events []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	calls, events = r.calls, r.events
	r.calls, r.events = nil, nil
	return calls, events
}

func TestObserver(t *testing.T) {
	rec := &recorder{ctxOK: true}
	h := newHarness(t, withLoadTouch, func(c *Config) { c.Observer = rec })
	check := func(name string, wantCalls, wantEvents []string) {
		t.Helper()
		calls, events := rec.take()
		if !slices.Equal(calls, wantCalls) || !slices.Equal(events, wantEvents) {
			t.Errorf("%s: calls %q, events %q; want %q, %q", name, calls, events, wantCalls, wantEvents)
		}
	}

	h.serve(func(http.ResponseWriter, *http.Request, *Session) {})
	check("untouched", nil, nil)

	c := h.login(map[string]any{"n": 1})
	check("login", []string{"create ok 1"}, []string{"created"})

	h.serve(func(_ http.ResponseWriter, _ *http.Request, s *Session) { s.Get("n") }, c)
	// Within the RefreshInterval of the login's write, a read is a plain load.
	check("read", []string{"load hit 1"}, []string{"loaded"})

	// Another request rewrites the record between this one's load and save.
	h.serve(func(_ http.ResponseWriter, _ *http.Request, s *Session) {
		s.Get("n")
		h.store.put(h.m.key(h.idOf(c)), mustEncode(t, map[string]any{"n": 2, "_permanent": true}))
		s.Set("m", 3)
	}, c)
	check("conflict", []string{"load hit 1", "replace conflict 1", "load hit 2", "replace ok 2"},
		[]string{"loaded", "conflict", "merged"})

	h.serve(func(_ http.ResponseWriter, _ *http.Request, s *Session) { s.Regenerate() }, c)
	calls, events := rec.take()
	if !slices.Contains(events, "regenerated") {
		t.Errorf("regenerate: events %q; want regenerated (calls %q)", events, calls)
	}

	// Past the interval, the read is due a refresh: a load_touch.
	h.now = h.now.Add(2 * DefaultRefreshInterval)
	h.store.failLoad = errors.New("connection refused")
	h.serve(func(_ http.ResponseWriter, _ *http.Request, s *Session) { s.Get("n") }, c)
	check("outage", []string{"load_touch error 1"}, []string{"load_failed"})
	h.store.failLoad = nil

	if !rec.ctxOK {
		t.Error("a StoreDone did not get the context its StoreStart returned")
	}
	if err := h.m.Ping(t.Context()); err != nil {
		t.Fatal(err)
	}
	check("ping", []string{"ping ok 1"}, nil)
}

func mustEncode(t *testing.T, values map[string]any) []byte {
	t.Helper()
	b, err := Msgpack.Marshal(values)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestObserverNames(t *testing.T) {
	// Each constant has its name: one added without would read as "StoreOp(n)".
	if len(opNames) != int(OpPing)+1 || len(outcomeNames) != int(OutcomeError)+1 || len(eventNames) != int(EventSaveFailed)+1 {
		t.Errorf("%d op names for %d ops, %d outcome names for %d outcomes, %d event names for %d events",
			len(opNames)-1, OpPing, len(outcomeNames)-1, OutcomeError, len(eventNames)-1, EventSaveFailed)
	}
	for i, name := range opNames[1:] {
		if got := StoreOp(i + 1).String(); got != name || strings.ContainsAny(got, " -") {
			t.Errorf("StoreOp(%d) = %q", i+1, got)
		}
	}
	if got := StoreOp(0).String(); got != "StoreOp(0)" {
		t.Errorf("StoreOp(0) = %q", got)
	}
	if got := storeName(newTestStore()); got != "sessions" {
		t.Errorf("storeName(*sessions.testStore) = %q", got)
	}
	if EventSaveFailed.String() != "save_failed" || OutcomeConflict.String() != "conflict" {
		t.Error("names changed")
	}
}

// TestObserverNilAllocs: without an Observer, the probes around store calls
// and the events allocate nothing: they stay on the stack. (The Gin
// benchmarks show whole requests.) -race skips it; make unit runs it
// without.
func TestObserverNilAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts differ under -race")
	}
	h := newHarness(t, withLoadTouch, nil)
	if n := testing.AllocsPerRun(100, func() {
		q := h.m.probe(t.Context(), OpReplace, 1, 10)
		q.done(nil)
		q.loaded(true, 3, nil)
		h.m.event(t.Context(), EventLoaded)
	}); n != 0 {
		t.Errorf("an unset Observer's probe and event allocate %v times; want 0", n)
	}
}
