package sessions

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// testStore is an in-memory Store that counts its calls and can be told to
// fail. Wrap it with withLoadTouch to give it LoadTouch.
type testStore struct {
	mu      sync.Mutex
	data    map[string][]byte
	ttl     map[string]time.Duration
	expires map[string]time.Time // by clock, when it is set
	clock   func() time.Time
	calls   map[string]int
	order   []string // "op key", in call order
	writes  []string // "create" or "replace" for each "save", in call order

	failLoad, failSave, failDelete error

	// onReplace, if set, runs at the start of every Replace, before the
	// store locks: a test can stall a write there, or change the record
	// under it.
	onReplace func(ctx context.Context)
}

func newTestStore() *testStore {
	return &testStore{data: map[string][]byte{}, ttl: map[string]time.Duration{}, expires: map[string]time.Time{}, calls: map[string]int{}}
}

func (s *testStore) note(op, key string) {
	s.calls[op]++
	s.order = append(s.order, op+" "+key)
}

func (s *testStore) Load(_ context.Context, key string) (Record, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.note("load", key)
	if s.failLoad != nil {
		return Record{}, false, s.failLoad
	}
	d, ok := s.data[key]
	return Record{Data: bytes.Clone(d)}, ok, nil
}

// Create and Replace both count as "save" (and as "create" or "replace").
func (s *testStore) Create(_ context.Context, key string, data []byte, ttl time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.note("save", key)
	s.writes = append(s.writes, "create")
	if s.failSave != nil {
		return s.failSave
	}
	if _, ok := s.data[key]; ok {
		return fmt.Errorf("teststore: create %q: %w", key, ErrConflict)
	}
	s.data[key] = bytes.Clone(data)
	s.setTTL(key, ttl)
	return nil
}

func (s *testStore) Replace(ctx context.Context, key string, old Record, data []byte, ttl time.Duration) error {
	if s.onReplace != nil {
		s.onReplace(ctx)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.note("save", key)
	s.writes = append(s.writes, "replace")
	if s.failSave != nil {
		return s.failSave
	}
	if cur, ok := s.data[key]; !ok || !bytes.Equal(cur, old.Data) {
		return fmt.Errorf("teststore: replace %q: %w", key, ErrConflict)
	}
	s.data[key] = bytes.Clone(data)
	s.setTTL(key, ttl)
	return nil
}

func (s *testStore) DeleteIf(_ context.Context, key string, old Record) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.note("deleteif", key)
	if s.failDelete != nil {
		return s.failDelete
	}
	if cur, ok := s.data[key]; !ok || !bytes.Equal(cur, old.Data) {
		return fmt.Errorf("teststore: delete-if %q: %w", key, ErrConflict)
	}
	delete(s.data, key)
	delete(s.ttl, key)
	return nil
}

func (s *testStore) Delete(_ context.Context, key string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.note("delete", key)
	if s.failDelete != nil {
		return s.failDelete
	}
	delete(s.data, key)
	delete(s.ttl, key)
	return nil
}

func (s *testStore) touch(key string, ttl time.Duration) {
	if _, ok := s.data[key]; ok {
		s.setTTL(key, ttl)
	}
}

// setTTL records the record's ttl, and its expiry by the clock.
func (s *testStore) setTTL(key string, ttl time.Duration) {
	s.ttl[key] = ttl
	if s.clock != nil {
		s.expires[key] = s.clock().Add(ttl)
	}
}

// put stores a record directly, without counting.
func (s *testStore) put(key string, data []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.data[key] = bytes.Clone(data)
	s.ttl[key] = time.Hour
}

func (s *testStore) get(key string) ([]byte, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := s.data[key]
	return d, ok
}

func (s *testStore) count(op string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[op]
}

// total is the number of store round trips so far.
func (s *testStore) total() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, c := range s.calls {
		n += c
	}
	return n
}

func (s *testStore) resetCounts() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = map[string]int{}
	s.order, s.writes = nil, nil
}

func (s *testStore) keys() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return sortedKeys(s.data)
}

func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }

// loadTouchStore is a testStore with LoadTouch.
type loadTouchStore struct{ *testStore }

func (s loadTouchStore) LoadTouch(_ context.Context, key string, ttl time.Duration) (Record, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.note("loadtouch", key)
	if s.failLoad != nil {
		return Record{}, false, s.failLoad
	}
	d, ok := s.data[key]
	if ok {
		s.touch(key, ttl)
	}
	return Record{Data: bytes.Clone(d)}, ok, nil
}

func withLoadTouch(s *testStore) Store { return loadTouchStore{s} }

var testKey = []byte("0123456789abcdef0123456789abcdef")

// logBuffer captures a Manager's log.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func newTextLogger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// errorLog records the ErrorHandler's calls.
type errorLog struct {
	mu   sync.Mutex
	errs []error
}

func (e *errorLog) handler(next func(http.ResponseWriter, *http.Request, error)) func(http.ResponseWriter, *http.Request, error) {
	return func(w http.ResponseWriter, r *http.Request, err error) {
		e.mu.Lock()
		e.errs = append(e.errs, err)
		e.mu.Unlock()
		next(w, r, err)
	}
}

func (e *errorLog) list() []error {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]error(nil), e.errs...)
}

// harness is a Manager with a store, a log and an error recorder.
type harness struct {
	t     *testing.T
	m     *Manager
	store *testStore
	log   *logBuffer
	errs  *errorLog
	now   time.Time
}

// newHarness makes a Manager around a fresh testStore. wrap picks the
// store's optional interfaces (nil: Load/Save/Delete only); edit adjusts
// the Config before New.
func newHarness(t *testing.T, wrap func(*testStore) Store, edit func(*Config)) *harness {
	t.Helper()
	return newHarnessOn(t, newTestStore(), wrap, edit)
}

// newHarnessOn is newHarness sharing an existing store.
func newHarnessOn(t *testing.T, st *testStore, wrap func(*testStore) Store, edit func(*Config)) *harness {
	t.Helper()
	h := &harness{t: t, store: st, log: &logBuffer{}, errs: &errorLog{},
		now: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)}
	var store Store = h.store
	if wrap != nil {
		store = wrap(h.store)
	}
	cfg := Config{
		Store:  store,
		Logger: newTextLogger(h.log),
	}
	if edit != nil {
		edit(&cfg)
	}
	next := cfg.ErrorHandler
	if next == nil {
		next = DefaultErrorHandler
	}
	cfg.ErrorHandler = h.errs.handler(next)
	m, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	m.now = func() time.Time { return h.now }
	st.clock = m.now
	h.m = m
	return h
}

// testWriter is a minimal adapter: it commits the session right before the
// headers go out, as httpsession's writer does, and drops the handler's
// output when the ErrorHandler answered instead.
type testWriter struct {
	http.ResponseWriter
	m         *Manager
	s         *Session
	committed bool
	discard   bool
}

func (w *testWriter) commit() bool {
	if !w.committed {
		w.committed = true
		w.discard = !w.s.h.Commit()
	}
	return !w.discard
}

func (w *testWriter) WriteHeader(code int) {
	if w.commit() {
		w.ResponseWriter.WriteHeader(code)
	}
}

func (w *testWriter) Write(p []byte) (int, error) {
	if !w.commit() {
		return len(p), nil
	}
	return w.ResponseWriter.Write(p)
}

// response is what one request produced.
type response struct {
	*httptest.ResponseRecorder
	session *Session
}

// cookie returns the session cookie set by the response, parsed by
// net/http, or nil.
func (r response) cookie(name string) *http.Cookie {
	var found *http.Cookie
	for _, c := range r.Result().Cookies() {
		if c.Name == name {
			if found != nil {
				panic("two Set-Cookie headers for " + name)
			}
			found = c
		}
	}
	return found
}

func (r response) sessionCookie() *http.Cookie { return r.cookie(DefaultCookieName) }

// serve runs handler as a request carrying the given cookies, through Begin,
// the writer's Commit and finish, as an adapter would.
func (h *harness) serve(handler func(w http.ResponseWriter, r *http.Request, s *Session), cookies ...*http.Cookie) response {
	h.t.Helper()
	req := httptest.NewRequest(http.MethodGet, "/page", nil)
	for _, c := range cookies {
		if c != nil {
			req.AddCookie(c)
		}
	}
	return h.serveRequest(req, handler)
}

func (h *harness) serveRequest(req *http.Request, handler func(w http.ResponseWriter, r *http.Request, s *Session)) response {
	rec := httptest.NewRecorder()
	s := h.m.Begin(rec, req).Session()
	w := &testWriter{ResponseWriter: rec, m: h.m, s: s}
	func() {
		finished := false
		defer func() {
			if !finished {
				s.h.abandon()
				if v := recover(); v != nil {
					http.Error(rec, "panic", http.StatusInternalServerError)
				}
			}
		}()
		handler(w, req.WithContext(NewContext(req.Context(), s)), s)
		finished = true
	}()
	s.h.finish()
	return response{ResponseRecorder: rec, session: s}
}

// login makes a stored session holding values and returns its cookie.
func (h *harness) login(values map[string]any) *http.Cookie {
	h.t.Helper()
	resp := h.serve(func(_ http.ResponseWriter, _ *http.Request, s *Session) {
		for k, v := range values {
			s.Set(k, v)
		}
	})
	c := resp.sessionCookie()
	if c == nil {
		h.t.Fatalf("login: no session cookie; headers %v", resp.Header())
	}
	h.store.resetCounts()
	return &http.Cookie{Name: c.Name, Value: c.Value}
}

// idOf returns the unsigned session ID in a cookie value.
func (h *harness) idOf(c *http.Cookie) string {
	h.t.Helper()
	if h.m.signer == nil {
		return c.Value
	}
	id, _, ok := h.m.signer.Verify(c.Value)
	if !ok {
		h.t.Fatalf("cookie %q does not verify", c.Value)
	}
	return id
}

// record decodes the stored record of session id.
func (h *harness) record(id string) map[string]any {
	h.t.Helper()
	data, ok := h.store.get(DefaultKeyPrefix + id)
	if !ok {
		h.t.Fatalf("no record for session %q; store holds %v", id, h.store.keys())
	}
	v, err := decodeRecord(h.m.cfg.Codec, data)
	if err != nil {
		h.t.Fatalf("stored record does not decode: %v", err)
	}
	return v
}

func errorsIs(errs []error, target error) bool {
	for _, err := range errs {
		if errors.Is(err, target) {
			return true
		}
	}
	return false
}

func varies(h http.Header) bool {
	for _, v := range h.Values("Vary") {
		for _, f := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(f), "Cookie") {
				return true
			}
		}
	}
	return false
}

func read(key string) func(http.ResponseWriter, *http.Request, *Session) {
	return func(_ http.ResponseWriter, _ *http.Request, s *Session) { s.Get(key) }
}

func newRecorder() *httptest.ResponseRecorder { return httptest.NewRecorder() }
