package adaptertest

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/serversession/serversession/sessions"
)

// testKey signs the suite's cookies unless a test says otherwise.
var testKey = []byte("adaptertest-secret-key-32-bytes!")

// env is one server under test: the adapter's middleware with a Config the
// test chose, in front of the test's routes, with a counting store and
// recorders of what went to the ErrorHandler and the Logger.
type env struct {
	t     *testing.T
	cfg   sessions.Config // as given to the middleware
	store *store
	srv   *httptest.Server
	errs  *errorLog
	logs  *logRecorder
	wrap  func(http.Handler) http.Handler // what stands in front of the adapter
}

// option changes an env's Config (or store) before the server starts.
type option func(e *env)

// with changes the Config.
func with(f func(cfg *sessions.Config)) option {
	return func(e *env) { f(&e.cfg) }
}

// storeAs gives the lifecycle a store with only the interfaces of kind.
func storeAs(kind storeKind) option {
	return func(e *env) { e.cfg.Store = e.store.as(kind) }
}

// requestTimeout gives every request a deadline before the session
// middleware sees it, as a timeout middleware in front of it would.
func requestTimeout(d time.Duration) option {
	return func(e *env) {
		wrap := e.wrap
		e.wrap = func(next http.Handler) http.Handler {
			next = wrap(next)
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				ctx, cancel := context.WithTimeout(r.Context(), d)
				defer cancel()
				next.ServeHTTP(w, r.WithContext(ctx))
			})
		}
	}
}

// unsigned turns cookie signing off: the cookie holds the bare ID.
var unsigned = with(func(cfg *sessions.Config) { cfg.SecretKey = nil })

// start serves routes through h with the suite's default Config — a
// memstore behind a counting wrapper, a signing key, recorders for errors and
// logs — changed by opts.
func start(t *testing.T, h Harness, routes Routes, opts ...option) *env {
	t.Helper()
	e := &env{t: t, store: newStore(t), errs: &errorLog{}, logs: &logRecorder{},
		wrap: func(h http.Handler) http.Handler { return h }}
	e.cfg = sessions.Config{
		Store:     e.store.as(loadToucher),
		SecretKey: testKey,
		Logger:    slog.New(e.logs),
	}
	for _, opt := range opts {
		opt(e)
	}
	inner := e.cfg.ErrorHandler
	if inner == nil {
		inner = sessions.DefaultErrorHandler
	}
	e.cfg.ErrorHandler = func(w http.ResponseWriter, r *http.Request, err error) {
		e.errs.add(err)
		inner(w, r, err)
	}
	cfg := e.cfg
	e.srv = httptest.NewServer(e.wrap(h.New(t, &cfg, routes)))
	t.Cleanup(e.srv.Close)
	return e
}

// cookieName is the configured session cookie name.
func (e *env) cookieName() string {
	if e.cfg.Cookie.Name != "" {
		return e.cfg.Cookie.Name
	}
	return sessions.DefaultCookieName
}

// key returns the storage key of a session ID.
func (e *env) key(id string) string {
	if e.cfg.KeyPrefix != "" {
		return e.cfg.KeyPrefix + id
	}
	return sessions.DefaultKeyPrefix + id
}

// idOf returns the session ID a cookie value carries: the value itself, or
// the part before the signature when cookies are signed.
func (e *env) idOf(value string) string {
	if e.cfg.SecretKey == nil {
		return value
	}
	i := strings.LastIndexByte(value, '.')
	if i < 0 {
		e.t.Fatalf("cookie value %q has no signature", value)
	}
	return value[:i]
}

// record returns the stored record of the session a cookie names.
func (e *env) record(c *http.Cookie) ([]byte, bool) {
	e.t.Helper()
	if c == nil {
		e.t.Fatal("no session cookie to look the record up by")
	}
	return e.store.record(e.t, e.key(e.idOf(c.Value)))
}

// errorLog records what the ErrorHandler was given.
type errorLog struct {
	mu   sync.Mutex
	errs []error
}

func (l *errorLog) add(err error) {
	l.mu.Lock()
	l.errs = append(l.errs, err)
	l.mu.Unlock()
}

func (l *errorLog) all() []error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]error(nil), l.errs...)
}

// logRecorder is a slog.Handler that keeps every record's level and message.
type logRecorder struct {
	mu   sync.Mutex
	recs []slog.Record
}

func (l *logRecorder) Enabled(context.Context, slog.Level) bool { return true }

func (l *logRecorder) Handle(_ context.Context, r slog.Record) error {
	l.mu.Lock()
	l.recs = append(l.recs, r.Clone())
	l.mu.Unlock()
	return nil
}

func (l *logRecorder) WithAttrs([]slog.Attr) slog.Handler { return l }
func (l *logRecorder) WithGroup(string) slog.Handler      { return l }

// count returns how many records at level or above were logged.
func (l *logRecorder) count(level slog.Level) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, r := range l.recs {
		if r.Level >= level {
			n++
		}
	}
	return n
}
