// Package otelsessions reports the sessions of a serversession Manager to
// OpenTelemetry: a span for each store call the session lifecycle makes,
// as a child of the request's span, and metrics of store latency, record
// sizes and session events. It implements sessions.Observer with the
// OpenTelemetry API only; the app brings the SDK and its exporters.
//
//	obs, err := otelsessions.New() // the global TracerProvider and MeterProvider
//	if err != nil { … }
//	r.Use(ginsession.New(sessions.Config{Store: store, Observer: obs}))
//
// No span, span event or metric carries a session ID, a storage key, a
// user or session data, nor a store's error message (stores quote keys in
// theirs): only the kind of call, its outcome, its attempt, sizes and
// durations.
//
// # Spans
//
// One span per store call, named "sessions.<operation>" (for example
// "sessions.load_touch"), of kind Client for stores with a server and
// Internal for memstore and filestore, with these attributes:
//
//	db.operation.name          the operation: load, load_touch, create, replace,
//	                           delete_if, delete, tie, untie, user_records, ping
//	db.system.name             redis, memcached, mongodb, aws.dynamodb, other_sql
//	                           (gormstore); absent for memstore and filestore
//	serversession.store        the store's package: redisstore, memstore, …
//	serversession.outcome      ok, hit, miss, conflict, error
//	serversession.attempt      1, or 2 and on for a save's retries after a conflict
//	serversession.record.size  bytes loaded or written (records listed for user_records)
//	error.type                 timeout, canceled or store, on a failed call
//
// A failed call's span has status Error. Each session event is also added
// to the request's span, if it is recording, as a span event named
// "sessions.<event>" (for example "sessions.regenerated").
//
// # Metrics
//
//	serversession.store.duration  histogram, s: each store call's duration, by
//	                              db.operation.name, serversession.store and
//	                              serversession.outcome (and db.system.name)
//	serversession.record.size     histogram, By: the size of each record loaded
//	                              or written, by db.operation.name and
//	                              serversession.store
//	serversession.events          counter: session events, by serversession.event:
//	                              loaded, missed, created, destroyed, regenerated,
//	                              conflict, merged, save_given_up, load_failed,
//	                              save_failed
//	serversession.cache.requests  counter, {request}: lookups in a store's local
//	                              cache, by serversession.cache.result (hit or
//	                              miss) and serversession.store (and
//	                              db.system.name); only with WithCache
//
// # Local caches
//
// A load that a store serves from a local cache, as redisstore does from
// go-redis's client-side cache, is a load like any other to the session
// core and so to the Observer: its span and its duration say nothing of
// the cache. The cache's hits and misses come from the store itself,
// which counts them anyway: WithCache hands the Observer such a store (a
// Cache, redisstore.Store among them), and the Observer reads its counts
// each time the metrics are collected, as the observable counter
// serversession.cache.requests: a request pays nothing for it. The counts
// are the store's: see its CacheStats for which reads count (redisstore: a
// read past the cache, for a while after the process wrote the session,
// is neither a hit nor a miss).
//
//	store := redisstore.New(rdb) // rdb with Protocol 3 and a ClientSideCacheConfig
//	obs, err := otelsessions.New(otelsessions.WithCache(store))
package otelsessions

import (
	"context"
	"fmt"
	"math"
	"strings"
	"sync"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"

	"github.com/serversession/serversession/sessions"
)

// ScopeName is the instrumentation scope of the tracer and meter.
const ScopeName = "github.com/serversession/serversession/extra/otelsessions"

// The attribute keys the package sets, beside OpenTelemetry's
// db.operation.name, db.system.name and error.type.
const (
	AttrStore       = attribute.Key("serversession.store")
	AttrOutcome     = attribute.Key("serversession.outcome")
	AttrAttempt     = attribute.Key("serversession.attempt")
	AttrRecordSize  = attribute.Key("serversession.record.size")
	AttrEvent       = attribute.Key("serversession.event")
	AttrCacheResult = attribute.Key("serversession.cache.result") // hit or miss
)

// The semantic-convention keys used, spelled here so that the package
// needs no semconv version.
const (
	attrOperation = attribute.Key("db.operation.name")
	attrSystem    = attribute.Key("db.system.name")
	attrErrorType = attribute.Key("error.type")
)

// Option configures New.
type Option func(*config)

type config struct {
	tp     trace.TracerProvider
	mp     metric.MeterProvider
	caches []Cache
}

// WithTracerProvider sets the TracerProvider spans come from. Default: the
// global one, otel.GetTracerProvider().
func WithTracerProvider(tp trace.TracerProvider) Option {
	return func(c *config) { c.tp = tp }
}

// WithMeterProvider sets the MeterProvider metrics go to. Default: the
// global one, otel.GetMeterProvider().
func WithMeterProvider(mp metric.MeterProvider) Option {
	return func(c *config) { c.mp = mp }
}

// Cache is a store with a local cache that counts its lookups, such as
// redisstore.Store with go-redis's client-side cache.
type Cache interface {
	// CacheStats returns the lookups the cache served (hits) and did not
	// (misses) since it was made, and ok == false when the store has no
	// cache. It is called at each collection, on the collector's
	// goroutine; counts that drop read as a reset of the counter.
	CacheStats() (hits, misses uint64, ok bool)
}

// WithCache makes the Observer report the hits and misses of store's local
// cache as the counter serversession.cache.requests, attributed to the
// package of store's type (as serversession.store is elsewhere): pass the
// Store the Config holds, redisstore's for example. It may be given once
// per store; the counts of stores of one package are summed. A store whose
// CacheStats reports no cache adds nothing.
func WithCache(store Cache) Option {
	return func(c *config) {
		if store != nil {
			c.caches = append(c.caches, store)
		}
	}
}

// Observer is a sessions.Observer that reports to OpenTelemetry. Make it
// with New and set it as sessions.Config.Observer. It is safe for
// concurrent use, and one Observer may serve several Managers.
type Observer struct {
	tracer   trace.Tracer
	duration metric.Float64Histogram
	size     metric.Int64Histogram
	events   metric.Int64Counter

	eventOpts [numEvents][]metric.AddOption // per event, made once
	eventName [numEvents]string

	mu     sync.RWMutex
	stores map[string]*storeAttrs // by StoreCall.Store

	caches []cacheGroup // WithCache's stores, by package
}

// cacheGroup is WithCache's stores of one package, whose counts are summed,
// with the attributes of their hits and misses.
type cacheGroup struct {
	stores    []Cache
	hit, miss []metric.ObserveOption
}

var _ sessions.Observer = (*Observer)(nil)

// The ranges of the seam's enumerations, for the precomputed attributes.
const (
	numOps      = int(sessions.OpPing) + 1
	numOutcomes = int(sessions.OutcomeError) + 1
	numEvents   = int(sessions.EventSaveFailed) + 1
)

// storeAttrs are the attributes of one store's calls, made once, so that
// a call allocates no option slices.
type storeAttrs struct {
	start    [numOps][]trace.SpanStartOption            // a span's kind and attributes known at its start
	duration [numOps][numOutcomes][]metric.RecordOption // the duration's attribute set
	size     [numOps][]metric.RecordOption              // the record size's attribute set
}

// spanNames are the span names by operation.
var spanNames = func() (names [numOps]string) {
	for op := range numOps {
		names[op] = "sessions." + sessions.StoreOp(op).String()
	}
	return names
}()

// New returns an Observer reporting to the providers the options name, or
// to the global ones. It fails only if an instrument cannot be made.
func New(opts ...Option) (*Observer, error) {
	var c config
	for _, opt := range opts {
		if opt != nil {
			opt(&c)
		}
	}
	if c.tp == nil {
		c.tp = otel.GetTracerProvider()
	}
	if c.mp == nil {
		c.mp = otel.GetMeterProvider()
	}
	meter := c.mp.Meter(ScopeName)
	o := &Observer{tracer: c.tp.Tracer(ScopeName), stores: map[string]*storeAttrs{}}
	var err error
	if o.duration, err = meter.Float64Histogram("serversession.store.duration",
		metric.WithUnit("s"), metric.WithDescription("Duration of the session store calls."),
		metric.WithExplicitBucketBoundaries(0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5)); err != nil {
		return nil, err
	}
	if o.size, err = meter.Int64Histogram("serversession.record.size",
		metric.WithUnit("By"), metric.WithDescription("Size of the session records loaded and written."),
		metric.WithExplicitBucketBoundaries(64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 65536, 262144, 1048576)); err != nil {
		return nil, err
	}
	if o.events, err = meter.Int64Counter("serversession.events",
		metric.WithUnit("{event}"), metric.WithDescription("Session events: loaded, missed, created, destroyed, regenerated, conflict, merged, save_given_up, load_failed, save_failed.")); err != nil {
		return nil, err
	}
	for ev := range numEvents {
		name := sessions.Event(ev).String()
		o.eventOpts[ev] = []metric.AddOption{metric.WithAttributeSet(attribute.NewSet(AttrEvent.String(name)))}
		o.eventName[ev] = "sessions." + name
	}
	if len(c.caches) > 0 {
		o.groupCaches(c.caches)
		if _, err = meter.Int64ObservableCounter("serversession.cache.requests",
			metric.WithUnit("{request}"), metric.WithDescription("Lookups in the session store's local cache, hits and misses."),
			metric.WithInt64Callback(o.observeCaches)); err != nil {
			return nil, err
		}
	}
	return o, nil
}

// groupCaches sorts caches into o.caches by the package of their type.
func (o *Observer) groupCaches(caches []Cache) {
	index := map[string]int{}
	for _, store := range caches {
		name := typePackage(store)
		i, ok := index[name]
		if !ok {
			i = len(o.caches)
			index[name] = i
			kv := []attribute.KeyValue{AttrStore.String(name)}
			if sys, ok := systems[name]; ok {
				kv = append(kv, attrSystem.String(sys))
			}
			result := func(r string) []metric.ObserveOption {
				return []metric.ObserveOption{metric.WithAttributeSet(attribute.NewSet(append([]attribute.KeyValue{AttrCacheResult.String(r)}, kv...)...))}
			}
			o.caches = append(o.caches, cacheGroup{hit: result("hit"), miss: result("miss")})
		}
		o.caches[i].stores = append(o.caches[i].stores, store)
	}
}

// observeCaches reports the caches' counts, at each collection.
func (o *Observer) observeCaches(_ context.Context, obs metric.Int64Observer) error {
	for _, g := range o.caches {
		var hits, misses uint64
		seen := false
		for _, store := range g.stores {
			if h, m, ok := store.CacheStats(); ok {
				hits, misses, seen = hits+h, misses+m, true
			}
		}
		if seen {
			obs.Observe(clamp(hits), g.hit...)
			obs.Observe(clamp(misses), g.miss...)
		}
	}
	return nil
}

func clamp(n uint64) int64 { return int64(min(n, math.MaxInt64)) }

// typePackage is the package of v's type, as sessions names a store in
// StoreCall.Store: "redisstore".
func typePackage(v any) string {
	name := strings.TrimLeft(fmt.Sprintf("%T", v), "*")
	if i := strings.IndexByte(name, '.'); i >= 0 {
		name = name[:i]
	}
	return name
}

// systems maps the repository's stores to OpenTelemetry's db.system.name.
var systems = map[string]string{
	"redisstore":     "redis",
	"memcachedstore": "memcached",
	"mongostore":     "mongodb",
	"dynamostore":    "aws.dynamodb",
	"gormstore":      "other_sql",
}

// attrs returns the attributes of store's calls, made on first use.
func (o *Observer) attrs(store string) *storeAttrs {
	o.mu.RLock()
	a := o.stores[store]
	o.mu.RUnlock()
	if a != nil {
		return a
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if a = o.stores[store]; a != nil {
		return a
	}
	a = &storeAttrs{}
	kind := trace.SpanKindInternal
	base := []attribute.KeyValue{AttrStore.String(store)}
	if sys, ok := systems[store]; ok {
		kind = trace.SpanKindClient
		base = append(base, attrSystem.String(sys))
	}
	for op := range numOps {
		kv := append([]attribute.KeyValue{attrOperation.String(sessions.StoreOp(op).String())}, base...)
		a.size[op] = []metric.RecordOption{metric.WithAttributeSet(attribute.NewSet(kv...))}
		for out := range numOutcomes {
			set := attribute.NewSet(append([]attribute.KeyValue{AttrOutcome.String(sessions.Outcome(out).String())}, kv...)...)
			a.duration[op][out] = []metric.RecordOption{metric.WithAttributeSet(set)}
		}
		a.start[op] = []trace.SpanStartOption{trace.WithSpanKind(kind),
			trace.WithAttributes(append(kv, AttrAttempt.Int(1))...)}
	}
	o.stores[store] = a
	return a
}

// StoreStart starts the call's span as a child of ctx's and returns ctx
// with it.
func (o *Observer) StoreStart(ctx context.Context, call sessions.StoreCall) context.Context {
	op := int(call.Op)
	if op >= numOps {
		return ctx
	}
	a := o.attrs(call.Store)
	ctx, span := o.tracer.Start(ctx, spanNames[op], a.start[op]...)
	if call.Attempt != 1 && span.IsRecording() {
		span.SetAttributes(AttrAttempt.Int(call.Attempt))
	}
	return ctx
}

// StoreDone ends the call's span and records its duration and size.
func (o *Observer) StoreDone(ctx context.Context, call sessions.StoreCall, res sessions.StoreResult) {
	op, out := int(call.Op), int(res.Outcome)
	if op >= numOps || out >= numOutcomes {
		return
	}
	a := o.attrs(call.Store)
	span := trace.SpanFromContext(ctx)
	if span.IsRecording() {
		span.SetAttributes(AttrOutcome.String(res.Outcome.String()), AttrRecordSize.Int(res.Size))
		if res.Outcome == sessions.OutcomeError {
			span.SetAttributes(attrErrorType.String(res.ErrorType))
			span.SetStatus(codes.Error, "the session store failed")
		}
	}
	span.End()
	o.duration.Record(ctx, res.Duration.Seconds(), a.duration[op][out]...)
	if res.Size > 0 && recordOp(call.Op) {
		o.size.Record(ctx, int64(res.Size), a.size[op]...)
	}
}

// recordOp reports whether op's Size is a record's size.
func recordOp(op sessions.StoreOp) bool {
	switch op {
	case sessions.OpLoad, sessions.OpLoadTouch, sessions.OpCreate, sessions.OpReplace:
		return true
	}
	return false
}

// Event counts ev and adds it to the request's span, if it is recording.
func (o *Observer) Event(ctx context.Context, ev sessions.Event) {
	i := int(ev)
	if i >= numEvents {
		return
	}
	o.events.Add(ctx, 1, o.eventOpts[i]...)
	if span := trace.SpanFromContext(ctx); span.IsRecording() {
		span.AddEvent(o.eventName[i])
	}
}
