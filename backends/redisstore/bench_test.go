package redisstore_test

import (
	"context"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/serversession/serversession/backends/redisstore"
)

// tally is a go-redis hook that counts commands, for the cmds/op metric.
type tally struct{ n atomic.Int64 }

func (h *tally) DialHook(next redis.DialHook) redis.DialHook {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		return next(ctx, network, addr)
	}
}

func (h *tally) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		h.n.Add(1)
		return next(ctx, cmd)
	}
}

func (h *tally) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		h.n.Add(int64(len(cmds)))
		return next(ctx, cmds)
	}
}

// benchRecord is the size of a small session (a user ID, a CSRF token, a
// flash message) encoded with msgpack.
var benchRecord = make([]byte, 256)

// bench runs op b.N times against the shared Redis and reports commands per
// operation next to ns/op and allocs/op.
func bench(b *testing.B, op func(ctx context.Context, s *redisstore.Store, key string) error) {
	ctx := context.Background()
	rdb := newClient(b, redisAddr(b))
	h := &tally{}
	rdb.AddHook(h)
	s := redisstore.New(rdb)
	key := prefix(b) + "k"
	if err := s.Save(ctx, key, benchRecord, time.Minute); err != nil {
		b.Fatalf("Save: %v", err)
	}
	h.n.Store(0)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := op(ctx, s, key); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(h.n.Load())/float64(b.N), "cmds/op")
	_ = s.Delete(ctx, key)
}

func BenchmarkLoad(b *testing.B) {
	bench(b, func(ctx context.Context, s *redisstore.Store, key string) error {
		_, _, err := s.Load(ctx, key)
		return err
	})
}

func BenchmarkLoadTouch(b *testing.B) {
	bench(b, func(ctx context.Context, s *redisstore.Store, key string) error {
		_, _, err := s.LoadTouch(ctx, key, time.Minute)
		return err
	})
}

func BenchmarkSave(b *testing.B) {
	bench(b, func(ctx context.Context, s *redisstore.Store, key string) error {
		return s.Save(ctx, key, benchRecord, time.Minute)
	})
}

func BenchmarkTouch(b *testing.B) {
	bench(b, func(ctx context.Context, s *redisstore.Store, key string) error {
		return s.Touch(ctx, key, time.Minute)
	})
}
