package redisstore_test

import (
	"context"
	"fmt"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/redis/go-redis/v9"
)

// countedClient returns a client for addr (closed when the test ends) with a
// counter on it. It has already dialled and done its handshake, so that the
// counter sees only what the test sends.
func countedClient(t testing.TB, addr string) (*redis.Client, *counter) {
	t.Helper()
	rdb := newClient(t, addr)
	c := &counter{}
	rdb.AddHook(c)
	if err := rdb.Ping(context.Background()).Err(); err != nil {
		t.Fatalf("ping: %v", err)
	}
	return rdb, c
}

// counter is a go-redis hook that counts every command the client sends,
// and between start and stop records them and the round trips (one per
// Process, one per pipeline).
type counter struct {
	total atomic.Int64 // every command since the hook was added

	mu     sync.Mutex
	trips  int
	cmds   []string // "getex key px 3600000"
	active bool
}

func (c *counter) DialHook(next redis.DialHook) redis.DialHook {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		return next(ctx, network, addr)
	}
}

func (c *counter) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		c.record(cmd)
		return next(ctx, cmd)
	}
}

func (c *counter) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		c.record(cmds...)
		return next(ctx, cmds)
	}
}

func (c *counter) record(cmds ...redis.Cmder) {
	c.total.Add(int64(len(cmds)))
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.active {
		return
	}
	c.trips++
	for _, cmd := range cmds {
		var args []string
		for _, a := range cmd.Args() {
			if b, ok := a.([]byte); ok {
				a = fmt.Sprintf("<%d bytes>", len(b))
			}
			args = append(args, fmt.Sprint(a))
		}
		c.cmds = append(c.cmds, strings.Join(args, " "))
	}
}

// start clears what was recorded and starts recording.
func (c *counter) start() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.trips, c.cmds, c.active = 0, nil, true
}

// stop stops recording and returns the round trips and commands seen since
// start.
func (c *counter) stop() (int, []string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.active = false
	return c.trips, c.cmds
}
