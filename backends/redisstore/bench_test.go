package redisstore_test

import (
	"context"
	"net"
	"sync/atomic"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/serversession/serversession/backends/redisstore"
	"github.com/serversession/serversession/backends/storetest"
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

// BenchmarkStore runs the benchmarks every store shares against the shared
// Redis, and reports commands per operation next to ns/op and allocs/op.
func BenchmarkStore(b *testing.B) {
	rdb := newClient(b, redisAddr(b))
	h := &tally{}
	rdb.AddHook(h)
	storetest.Benchmark(b, redisstore.New(rdb), storetest.CountCommands(h.n.Load))
}
