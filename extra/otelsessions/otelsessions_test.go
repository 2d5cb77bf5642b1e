package otelsessions_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/serversession/serversession/adapters/httpsession"
	"github.com/serversession/serversession/backends/memstore"
	"github.com/serversession/serversession/extra/otelsessions"
	"github.com/serversession/serversession/sessions"
)

const (
	user   = "alice-4af1c2"
	secret = "card-4111-1111-1111-1111"
)

// flaky is a store that fails every call while down, as a store whose
// server is gone does.
type flaky struct {
	*memstore.Store
	down atomic.Bool
}

var errDown = errors.New("dial tcp 127.0.0.1:1: connection refused")

func (f *flaky) Load(ctx context.Context, key string) (sessions.Record, bool, error) {
	if f.down.Load() {
		return sessions.Record{}, false, fmt.Errorf("load %q: %w", key, errDown)
	}
	return f.Store.Load(ctx, key)
}

func (f *flaky) LoadTouch(ctx context.Context, key string, ttl time.Duration) (sessions.Record, bool, error) {
	if f.down.Load() {
		return sessions.Record{}, false, fmt.Errorf("load %q: %w", key, errDown)
	}
	return f.Store.LoadTouch(ctx, key, ttl)
}

func (f *flaky) Ping(ctx context.Context) error {
	if f.down.Load() {
		return errDown
	}
	return nil
}

// env is an app behind httpsession with a request span around each
// request, reporting to an in-memory SDK.
type env struct {
	spans  *tracetest.SpanRecorder
	reader *sdkmetric.ManualReader
	store  *flaky
	apps   []*httptest.Server
	client *http.Client
	gate   chan struct{} // /slow-write waits on it after its load
	loaded sync.WaitGroup
}

func newEnv(t *testing.T, apps int) *env {
	t.Helper()
	e := &env{spans: tracetest.NewSpanRecorder(), reader: sdkmetric.NewManualReader(), gate: make(chan struct{})}
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(e.spans))
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(e.reader))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()); _ = mp.Shutdown(context.Background()) })
	obs, err := otelsessions.New(otelsessions.WithTracerProvider(tp), otelsessions.WithMeterProvider(mp))
	if err != nil {
		t.Fatal(err)
	}
	ms := memstore.New()
	t.Cleanup(func() { _ = ms.Close() })
	e.store = &flaky{Store: ms}

	mux := http.NewServeMux()
	mux.HandleFunc("/login", func(w http.ResponseWriter, r *http.Request) {
		s := sessions.Get(r)
		s.SetUser(user)
		s.Set("card", secret)
		s.Regenerate()
	})
	mux.HandleFunc("/read", func(w http.ResponseWriter, r *http.Request) {
		_, ok := sessions.Get(r).Get("card")
		_, _ = fmt.Fprint(w, ok)
	})
	mux.HandleFunc("/write", func(w http.ResponseWriter, r *http.Request) {
		sessions.Get(r).Set(r.URL.Query().Get("k"), secret)
	})
	mux.HandleFunc("/slow-write", func(w http.ResponseWriter, r *http.Request) {
		s := sessions.Get(r)
		s.Get("card")
		e.loaded.Done()
		<-e.gate
		s.Set(r.URL.Query().Get("k"), secret)
	})
	mux.HandleFunc("/logout", func(w http.ResponseWriter, r *http.Request) {
		sessions.Get(r).Destroy()
	})
	// Each app is a process of its own: a Manager of its own over the
	// shared store, so that concurrent writes really conflict.
	tracer := tp.Tracer("test")
	for range apps {
		// A RefreshInterval of a nanosecond makes every read due a
		// refresh, so each read is one load_touch span.
		m := sessions.MustNew(sessions.Config{Store: e.store, Observer: obs, Users: &sessions.UserIndexConfig{},
			RefreshInterval: time.Nanosecond, Logger: slog.New(slog.DiscardHandler)})
		h := httpsession.Middleware(m)(mux)
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ctx, span := tracer.Start(r.Context(), "GET "+r.URL.Path, trace.WithSpanKind(trace.SpanKindServer))
			defer span.End()
			h.ServeHTTP(w, r.WithContext(ctx))
		}))
		t.Cleanup(srv.Close)
		e.apps = append(e.apps, srv)
	}
	jar, _ := cookiejar.New(nil)
	e.client = &http.Client{Jar: jar}
	return e
}

func (e *env) get(t *testing.T, app int, path string) int {
	t.Helper()
	resp, err := e.client.Get(e.apps[app].URL + path)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	return resp.StatusCode
}

// storeSpans returns the ended store spans named name, checking that each
// is a child of a request span.
func (e *env) storeSpans(t *testing.T, name string) []sdktrace.ReadOnlySpan {
	t.Helper()
	ended := e.spans.Ended()
	byID := map[trace.SpanID]sdktrace.ReadOnlySpan{}
	for _, s := range ended {
		byID[s.SpanContext().SpanID()] = s
	}
	var out []sdktrace.ReadOnlySpan
	for _, s := range ended {
		if s.Name() != name {
			continue
		}
		if p, ok := byID[s.Parent().SpanID()]; !ok || !strings.HasPrefix(p.Name(), "GET /") {
			t.Errorf("span %s is not a child of a request span", s.Name())
		}
		out = append(out, s)
	}
	return out
}

func attr(s sdktrace.ReadOnlySpan, key attribute.Key) attribute.Value {
	for _, kv := range s.Attributes() {
		if kv.Key == key {
			return kv.Value
		}
	}
	return attribute.Value{}
}

// events returns serversession.events by event name, and every data
// point's attribute values, of every metric.
func (e *env) metrics(t *testing.T) (events map[string]int64, names map[string]bool, values []string) {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := e.reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	events, names = map[string]int64{}, map[string]bool{}
	addAttrs := func(set attribute.Set) {
		for _, kv := range set.ToSlice() {
			values = append(values, kv.Value.Emit())
		}
	}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			names[m.Name] = true
			switch d := m.Data.(type) {
			case metricdata.Sum[int64]:
				for _, p := range d.DataPoints {
					addAttrs(p.Attributes)
					if m.Name == "serversession.events" {
						v, _ := p.Attributes.Value(otelsessions.AttrEvent)
						events[v.AsString()] += p.Value
					}
				}
			case metricdata.Histogram[float64]:
				for _, p := range d.DataPoints {
					addAttrs(p.Attributes)
				}
			case metricdata.Histogram[int64]:
				for _, p := range d.DataPoints {
					addAttrs(p.Attributes)
				}
			}
		}
	}
	return events, names, values
}

func TestTelemetry(t *testing.T) {
	e := newEnv(t, 2)

	// A login: a new session, moved to a new ID, tied to its user.
	if code := e.get(t, 0, "/login"); code != http.StatusOK {
		t.Fatalf("login: %d", code)
	}
	if got := e.storeSpans(t, "sessions.create"); len(got) != 1 || attr(got[0], otelsessions.AttrOutcome).AsString() != "ok" ||
		attr(got[0], otelsessions.AttrRecordSize).AsInt64() <= 0 {
		t.Errorf("login: %d create spans", len(got))
	}

	// A read.
	e.get(t, 0, "/read")
	reads := e.storeSpans(t, "sessions.load_touch")
	if len(reads) != 1 {
		t.Fatalf("read: %d load_touch spans; want 1", len(reads))
	}
	r := reads[0]
	if attr(r, otelsessions.AttrOutcome).AsString() != "hit" || attr(r, "db.operation.name").AsString() != "load_touch" ||
		attr(r, otelsessions.AttrStore).AsString() != "otelsessions_test" || attr(r, otelsessions.AttrAttempt).AsInt64() != 1 ||
		attr(r, otelsessions.AttrRecordSize).AsInt64() <= 0 || r.SpanKind() != trace.SpanKindInternal {
		t.Errorf("read span: kind %v, attributes %v", r.SpanKind(), r.Attributes())
	}

	// A second login gives the stored session a new ID.
	e.get(t, 0, "/login")

	// A write.
	e.get(t, 0, "/write?k=a")
	if got := e.storeSpans(t, "sessions.replace"); len(got) != 1 {
		t.Errorf("write: %d replace spans; want 1", len(got))
	}

	// A conflict: two apps load the session, then both write.
	e.loaded.Add(2)
	var wg sync.WaitGroup
	for app := range 2 {
		wg.Go(func() { e.get(t, app, fmt.Sprintf("/slow-write?k=c%d", app)) })
	}
	e.loaded.Wait()
	close(e.gate)
	wg.Wait()
	var conflicts, retries int
	for _, s := range e.storeSpans(t, "sessions.replace") {
		if attr(s, otelsessions.AttrOutcome).AsString() == "conflict" {
			conflicts++
		}
		if attr(s, otelsessions.AttrAttempt).AsInt64() == 2 {
			retries++
		}
	}
	if conflicts != 1 || retries != 1 {
		t.Errorf("concurrent writes: %d conflicting replaces and %d second attempts; want 1 and 1", conflicts, retries)
	}

	// An outage.
	e.store.down.Store(true)
	if code := e.get(t, 0, "/read"); code != http.StatusInternalServerError {
		t.Errorf("read during the outage: %d; want 500", code)
	}
	failed := 0
	for _, s := range e.storeSpans(t, "sessions.load_touch") {
		if s.Status().Code == codes.Error {
			failed++
			if attr(s, "error.type").AsString() != "store" || attr(s, otelsessions.AttrOutcome).AsString() != "error" {
				t.Errorf("failed load span: %v", s.Attributes())
			}
		}
	}
	if failed != 1 {
		t.Errorf("outage: %d failed load spans; want 1", failed)
	}
	e.store.down.Store(false)

	// A logout.
	e.get(t, 0, "/logout")
	if got := e.storeSpans(t, "sessions.delete"); len(got) == 0 {
		t.Error("logout: no delete span")
	}
	if got := e.storeSpans(t, "sessions.untie"); len(got) == 0 {
		t.Error("logout: no untie span")
	}

	events, names, _ := e.metrics(t)
	for ev, want := range map[string]int64{"created": 1, "regenerated": 1, "loaded": 6, "conflict": 1, "merged": 1,
		"load_failed": 1, "destroyed": 1} {
		if events[ev] != want {
			t.Errorf("serversession.events{%s} = %d; want %d (all: %v)", ev, events[ev], want, events)
		}
	}
	for _, name := range []string{"serversession.store.duration", "serversession.record.size", "serversession.events"} {
		if !names[name] {
			t.Errorf("no %s metric", name)
		}
	}
	// The request spans carry the events.
	found := false
	for _, s := range e.spans.Ended() {
		for _, ev := range s.Events() {
			found = found || ev.Name == "sessions.conflict"
		}
	}
	if !found {
		t.Error("no request span has a sessions.conflict event")
	}
}

// TestNoSecrets searches every span name, attribute and event, and every
// metric attribute, for the session IDs, the user and the session data.
func TestNoSecrets(t *testing.T) {
	e := newEnv(t, 1)
	var ids []string
	note := func() {
		for _, c := range e.client.Jar.Cookies(mustURL(t, e.apps[0].URL)) {
			ids = append(ids, c.Value)
		}
	}
	e.get(t, 0, "/login")
	note()
	e.get(t, 0, "/read")
	e.get(t, 0, "/write?k=x")
	e.store.down.Store(true)
	e.get(t, 0, "/read")
	e.store.down.Store(false)
	e.get(t, 0, "/logout")
	if len(ids) == 0 {
		t.Fatal("no session cookie")
	}
	var values []string
	for _, s := range e.spans.Ended() {
		values = append(values, s.Name(), s.Status().Description)
		for _, kv := range s.Attributes() {
			values = append(values, kv.Value.Emit())
		}
		for _, ev := range s.Events() {
			values = append(values, ev.Name)
			for _, kv := range ev.Attributes {
				values = append(values, kv.Value.Emit())
			}
		}
	}
	_, _, mvalues := e.metrics(t)
	values = append(values, mvalues...)
	if len(values) < 20 {
		t.Fatalf("only %d values exported", len(values))
	}
	for _, v := range values {
		for _, bad := range append([]string{user, secret, "127.0.0.1:1", sessions.DefaultKeyPrefix}, ids...) {
			if strings.Contains(v, bad) {
				t.Errorf("an exported value %q holds %q", v, bad)
			}
		}
	}
}

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
