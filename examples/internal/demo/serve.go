package demo

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"os/signal"
	"sync/atomic"
	"syscall"
	"time"
)

// Serve serves h on addr until SIGINT or SIGTERM, then shuts down gently.
// It refuses cross-origin POSTs (see Protect).
func Serve(addr string, h http.Handler) error {
	h = Protect(withTelemetry(h))
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	srv := &http.Server{Addr: addr, Handler: h, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	slog.Info("demo listening", "url", "http://"+addr+"/")
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// Protect refuses the POSTs (login, logout, logging sessions out) that a
// browser sends from another site's page, with 403 Forbidden, before they
// reach the session: the cookie's SameSite=Lax keeps it off such a POST
// already, and this check (the browser's Sec-Fetch-Site header, or else
// Origin against Host) also stops a sibling subdomain, which Lax counts as
// the same site. Requests without those headers (curl) pass.
func Protect(h http.Handler) http.Handler {
	return http.NewCrossOriginProtection().Handler(h)
}

// served is what Config made for Serve to mount beside the app.
type served struct {
	metrics http.Handler // /metrics
	ready   http.Handler // /readyz
}

// serving holds the last Config's, if any.
var serving atomic.Pointer[served]

// withTelemetry serves /metrics (the Prometheus exporter) and /readyz
// (the store's health check) beside h, once Config made them.
func withTelemetry(h http.Handler) http.Handler {
	t := serving.Load()
	if t == nil {
		return h
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", t.metrics)
	mux.Handle("GET /readyz", t.ready)
	mux.Handle("/", h)
	return mux
}
