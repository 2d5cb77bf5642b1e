package otelsessions_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	metricnoop "go.opentelemetry.io/otel/metric/noop"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	tracenoop "go.opentelemetry.io/otel/trace/noop"

	"github.com/serversession/serversession/adapters/httpsession"
	"github.com/serversession/serversession/backends/memstore"
	"github.com/serversession/serversession/extra/otelsessions"
	"github.com/serversession/serversession/sessions"
)

// discard is a span exporter that drops what it is given.
type discard struct{}

func (discard) ExportSpans(context.Context, []sdktrace.ReadOnlySpan) error { return nil }
func (discard) Shutdown(context.Context) error                             { return nil }

// BenchmarkTelemetry measures a read and a read-modify-write through
// httpsession on memstore, with telemetry off, on with the no-op
// providers, and on with the SDK (every span sampled, batched to an
// exporter that discards them; metrics aggregated by a reader).
func BenchmarkTelemetry(b *testing.B) {
	for _, mode := range []string{"off", "noop", "sdk"} {
		b.Run(mode, func(b *testing.B) {
			var obs sessions.Observer
			switch mode {
			case "noop":
				o, err := otelsessions.New(otelsessions.WithTracerProvider(tracenoop.NewTracerProvider()),
					otelsessions.WithMeterProvider(metricnoop.NewMeterProvider()))
				if err != nil {
					b.Fatal(err)
				}
				obs = o
			case "sdk":
				tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(discard{}))
				mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader()))
				b.Cleanup(func() { _ = tp.Shutdown(context.Background()); _ = mp.Shutdown(context.Background()) })
				o, err := otelsessions.New(otelsessions.WithTracerProvider(tp), otelsessions.WithMeterProvider(mp))
				if err != nil {
					b.Fatal(err)
				}
				obs = o
			}
			store := memstore.New()
			b.Cleanup(func() { _ = store.Close() })
			cfg := sessions.Config{Store: store, Logger: slog.New(slog.DiscardHandler)}
			if obs != nil {
				cfg.Observer = obs
			}
			var cookie *http.Cookie
			app := httpsession.New(cfg)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				s := sessions.Get(r)
				switch r.URL.Path {
				case "/login":
					s.Set("n", 0)
				case "/read":
					s.Get("n")
				case "/rmw":
					n, _ := sessions.Value[int](s, "n")
					s.Set("n", n+1)
				}
			}))
			rec := httptest.NewRecorder()
			app.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/login", nil))
			cookie = rec.Result().Cookies()[0]
			for _, path := range []string{"/read", "/rmw"} {
				b.Run(path[1:], func(b *testing.B) {
					req := httptest.NewRequest(http.MethodGet, path, nil)
					req.AddCookie(cookie)
					b.ReportAllocs()
					for b.Loop() {
						app.ServeHTTP(httptest.NewRecorder(), req)
					}
				})
			}
		})
	}
}
