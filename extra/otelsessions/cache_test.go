package otelsessions_test

import (
	"context"
	"testing"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/serversession/serversession/extra/otelsessions"
)

// counted is a store with a local cache that counts its lookups.
type counted struct {
	hits, misses uint64
	ok           bool
}

func (c *counted) CacheStats() (hits, misses uint64, ok bool) { return c.hits, c.misses, c.ok }

// cacheRequests collects serversession.cache.requests by result; found is
// false when the metric is absent.
func cacheRequests(t *testing.T, reader sdkmetric.Reader) (byResult map[string]int64, found bool) {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	byResult = map[string]int64{}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name != "serversession.cache.requests" {
				continue
			}
			found = true
			sum, ok := m.Data.(metricdata.Sum[int64])
			if !ok || !sum.IsMonotonic || sum.Temporality != metricdata.CumulativeTemporality || m.Unit != "{request}" {
				t.Fatalf("serversession.cache.requests is %T, unit %q; want a cumulative monotonic sum of {request}", m.Data, m.Unit)
			}
			for _, p := range sum.DataPoints {
				res, _ := p.Attributes.Value(otelsessions.AttrCacheResult)
				store, _ := p.Attributes.Value(otelsessions.AttrStore)
				if store.AsString() != "otelsessions_test" || p.Attributes.HasValue("db.system.name") {
					t.Errorf("data point attributes %v", p.Attributes.ToSlice())
				}
				byResult[res.AsString()] += p.Value
			}
		}
	}
	return byResult, found
}

func TestCacheRequests(t *testing.T) {
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	t.Cleanup(func() { _ = mp.Shutdown(context.Background()) })
	a, b, none := &counted{ok: true}, &counted{ok: true}, &counted{hits: 100, misses: 100}
	if _, err := otelsessions.New(otelsessions.WithMeterProvider(mp),
		otelsessions.WithCache(a), otelsessions.WithCache(b), otelsessions.WithCache(none), otelsessions.WithCache(nil)); err != nil {
		t.Fatal(err)
	}
	got, found := cacheRequests(t, reader)
	if !found || got["hit"] != 0 || got["miss"] != 0 {
		t.Errorf("before any lookup: %v (found %v); want 0 hits, 0 misses", got, found)
	}
	a.hits, a.misses = 5, 2
	b.hits, b.misses = 1, 3
	// The stores of one package are summed; one without a cache adds nothing.
	if got, _ := cacheRequests(t, reader); got["hit"] != 6 || got["miss"] != 5 || len(got) != 2 {
		t.Errorf("serversession.cache.requests = %v; want hit 6, miss 5", got)
	}
}

func TestCacheRequestsOnlyWithCache(t *testing.T) {
	for name, opts := range map[string][]otelsessions.Option{
		"no WithCache":      nil,
		"a store, no cache": {otelsessions.WithCache(&counted{hits: 1})},
	} {
		reader := sdkmetric.NewManualReader()
		mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
		t.Cleanup(func() { _ = mp.Shutdown(context.Background()) })
		if _, err := otelsessions.New(append(opts, otelsessions.WithMeterProvider(mp))...); err != nil {
			t.Fatal(err)
		}
		if got, _ := cacheRequests(t, reader); len(got) != 0 {
			t.Errorf("%s: serversession.cache.requests = %v; want no data points", name, got)
		}
	}
}
