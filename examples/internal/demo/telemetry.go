package demo

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"

	"github.com/serversession/serversession/extra/otelsessions"
	"github.com/serversession/serversession/sessions"
)

// Telemetry is what the demo exposes about its sessions: their metrics in
// Prometheus's text format, through the OpenTelemetry Prometheus exporter,
// and the store's health.
type Telemetry struct {
	// Observer reports the sessions' store calls and events; Config sets
	// it as sessions.Config.Observer.
	Observer sessions.Observer
	// Metrics serves /metrics.
	Metrics http.Handler
}

// NewTelemetry makes a MeterProvider of its own that the Prometheus
// exporter reads, on a registry of its own, and an otelsessions Observer
// reporting to it. Spans go to the global TracerProvider, a no-op until
// the app installs one.
func NewTelemetry() (*Telemetry, error) {
	reg := prometheus.NewRegistry()
	exporter, err := otelprom.New(otelprom.WithRegisterer(reg))
	if err != nil {
		return nil, fmt.Errorf("demo: prometheus exporter: %w", err)
	}
	obs, err := otelsessions.New(otelsessions.WithMeterProvider(sdkmetric.NewMeterProvider(sdkmetric.WithReader(exporter))))
	if err != nil {
		return nil, fmt.Errorf("demo: otelsessions: %w", err)
	}
	return &Telemetry{Observer: obs, Metrics: promhttp.HandlerFor(reg, promhttp.HandlerOpts{})}, nil
}

// CheckStore fails fast at startup when the store does not answer: one
// round trip, within 5 seconds.
func CheckStore(cfg sessions.Config) error {
	m, err := sessions.New(cfg)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := m.Ping(ctx); err != nil {
		return fmt.Errorf("demo: the session store does not answer: %w", err)
	}
	return nil
}

// Ready answers a readiness probe: 200 while the store answers, else 503.
func Ready(m *sessions.Manager) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), time.Second)
		defer cancel()
		if err := m.Ping(ctx); err != nil {
			http.Error(w, "session store unavailable", http.StatusServiceUnavailable)
			return
		}
		_, _ = w.Write([]byte("ok\n"))
	})
}
