package redisstore_test

import (
	"context"
	"fmt"
	"net"
	"strings"
	"sync"

	"github.com/redis/go-redis/v9"
)

// counter is a go-redis hook that records every command and every round trip
// (one per Process, one per pipeline) that the client sends.
type counter struct {
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
