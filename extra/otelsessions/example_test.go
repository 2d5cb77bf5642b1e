package otelsessions_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/serversession/serversession/adapters/httpsession"
	"github.com/serversession/serversession/backends/memstore"
	"github.com/serversession/serversession/extra/otelsessions"
	"github.com/serversession/serversession/sessions"
)

// An app passes its providers (or none, for the globals) and sets the
// Observer in its Config.
func Example() {
	spans := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans))
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))

	obs, err := otelsessions.New(otelsessions.WithTracerProvider(tp), otelsessions.WithMeterProvider(mp))
	if err != nil {
		panic(err)
	}
	store := memstore.New()
	defer store.Close()
	app := httpsession.New(sessions.Config{Store: store, Observer: obs})(http.HandlerFunc(
		func(w http.ResponseWriter, r *http.Request) { sessions.Get(r).Set("visits", 1) }))

	app.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/", nil))

	for _, s := range spans.Ended() {
		fmt.Println("span:", s.Name())
	}
	var rm metricdata.ResourceMetrics
	_ = reader.Collect(context.Background(), &rm)
	for _, m := range rm.ScopeMetrics[0].Metrics {
		fmt.Println("metric:", m.Name)
	}
	// Output:
	// span: sessions.create
	// metric: serversession.store.duration
	// metric: serversession.record.size
	// metric: serversession.events
}

// countingStore stands for a store with a local cache that counts its
// lookups, as redisstore.Store does with go-redis's client-side cache.
type countingStore struct {
	*memstore.Store
	hits, misses uint64
}

func (s *countingStore) CacheStats() (hits, misses uint64, ok bool) { return s.hits, s.misses, true }

// WithCache is given the store whose cache it reports; the counts are read
// when the metrics are collected.
func ExampleWithCache() {
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	store := &countingStore{Store: memstore.New(), hits: 41, misses: 1}
	defer store.Close()

	obs, err := otelsessions.New(otelsessions.WithMeterProvider(mp), otelsessions.WithCache(store))
	if err != nil {
		panic(err)
	}
	m := sessions.MustNew(sessions.Config{Store: store, Observer: obs})
	_ = m // serves the app's requests

	var rm metricdata.ResourceMetrics
	_ = reader.Collect(context.Background(), &rm)
	for _, m := range rm.ScopeMetrics[0].Metrics {
		for _, p := range m.Data.(metricdata.Sum[int64]).DataPoints {
			result, _ := p.Attributes.Value(otelsessions.AttrCacheResult)
			fmt.Println(m.Name, result.AsString(), p.Value)
		}
	}
	// Unordered output:
	// serversession.cache.requests hit 41
	// serversession.cache.requests miss 1
}
