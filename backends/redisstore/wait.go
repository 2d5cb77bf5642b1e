package redisstore

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/serversession/serversession/internal/retry"
)

// write sends the write command args, whose key is key, and returns it once
// answered. Without WithWaitReplicas it is one command, as go-redis routes
// it. With it, the command and a WAIT go to key's master in one pipeline,
// and a write that succeeded but was not acknowledged by enough replicas
// comes back with an error wrapping ErrNotReplicated.
func (s *Store) write(ctx context.Context, key string, args ...any) *redis.Cmd {
	return s.writeAgain(ctx, key, args, nil)
}

// writeAgain is write with again, the command that a Cluster retry sends
// instead of args once a try's reply was lost (see lostReply): that try's
// write may have been applied, and args, a conditional write, would then
// answer as though another request's write stood in its way. again must
// answer as args does, counting args's own write, found in place, as its
// success, and must write even then, so that the WAIT after it covers the
// lost try's write too. A nil again sends args every time.
func (s *Store) writeAgain(ctx context.Context, key string, args, again []any) *redis.Cmd {
	cmd := redis.NewCmd(ctx, args...)
	if s.waitReplicas == 0 {
		_ = s.client.Process(ctx, cmd)
		return cmd
	}
	if _, ring := s.client.(*redis.Ring); ring {
		cmd.SetErr(errRingWait)
		return cmd
	}
	cc, cluster := s.client.(*redis.ClusterClient)
	if !cluster {
		return s.writeWait(ctx, s.client, args)
	}
	// WAIT names no key, so a ClusterClient pipeline would send it to a
	// master of its choosing, not necessarily the one that took the write.
	// The pipeline goes to key's master itself instead; a MOVED or ASK
	// answer (a failover or resharding the client has not seen yet) or a
	// lost connection reloads the slot map and sends it again, as the
	// ClusterClient does for its own commands: up to MaxRetries more
	// times, 50 ms longer apart each time.
	attempts, tries := max(cc.Options().MaxRetries, 0)+1, 0
	lost := false // a try's reply was lost: its write may be in place
	_ = retry.Do(ctx, retry.Policy{
		Attempts: attempts,
		Delay:    func(n int) time.Duration { return time.Duration(n) * 50 * time.Millisecond },
		Retry:    clusterRetryable,
	}, func() error {
		tries++
		send := args
		if lost && again != nil {
			send = again
		}
		node, err := cc.MasterForKey(ctx, key)
		if err != nil {
			cmd = redis.NewCmd(ctx, send...)
			cmd.SetErr(err)
		} else {
			cmd = s.writeWait(ctx, node, send)
			err = cmd.Err()
			lost = lost || lostReply(err)
		}
		if tries < attempts && clusterRetryable(err) && ctx.Err() == nil {
			cc.ReloadState(ctx) // during the wait before the next try
		}
		return err
	})
	return cmd
}

// errRingWait refuses waited writes through a redis.Ring, which would send
// the keyless WAIT to a shard of its own choosing, not the write's.
var errRingWait = errors.New("redisstore: WithWaitReplicas does not work with a redis.Ring client (WAIT names no key, so the Ring would send it to another shard than the write); use a Cluster, a Sentinel (failover) client or a single node")

// writeWait pipelines the write args and WAIT on c, one round trip, and
// returns the write's command, its error wrapping ErrNotReplicated when the
// write succeeded but WAIT did not confirm it. A refused write (a conflict,
// an error) is returned as it is: WAIT's answer does not matter then.
func (s *Store) writeWait(ctx context.Context, c redis.Cmdable, args []any) *redis.Cmd {
	cmd := redis.NewCmd(ctx, args...)
	wait := redis.NewIntCmd(ctx, "wait", s.waitReplicas, s.waitTimeout.Milliseconds())
	pipe := c.Pipeline()
	_ = pipe.Process(ctx, cmd)
	_ = pipe.Process(ctx, wait)
	_, _ = pipe.Exec(ctx)
	if cmd.Err() != nil {
		return cmd
	}
	if err := wait.Err(); err != nil {
		cmd.SetErr(fmt.Errorf("%w: WAIT %d %d: %v", ErrNotReplicated, s.waitReplicas, s.waitTimeout.Milliseconds(), err))
		return cmd
	}
	if n := wait.Val(); n < int64(s.waitReplicas) {
		cmd.SetErr(fmt.Errorf("%w: %d of %d replicas acknowledged it within %v", ErrNotReplicated, n, s.waitReplicas, s.waitTimeout))
	}
	return cmd
}

// luaScript is one of the Store's Lua scripts: the go-redis Script that
// runs it with EVALSHA, and its text, for EVAL when the server does not
// know it yet.
type luaScript struct {
	*redis.Script
	src string
	// again, if not empty, is the text of the script that a Cluster retry
	// runs instead after a lost reply (see writeAgain).
	again string
}

// newScript returns the luaScript of the Lua text src.
func newScript(src string) *luaScript {
	return &luaScript{Script: redis.NewScript(src), src: src}
}

// runScript runs script on key with args, as script.Run does: EVALSHA,
// and EVAL with the script's text when the server answers NOSCRIPT (two
// round trips, that once). Writes go through write, so that they wait for
// replicas when asked to.
func (s *Store) runScript(ctx context.Context, script *luaScript, key string, args ...any) *redis.Cmd {
	if s.waitReplicas == 0 {
		return script.Run(ctx, s.client, []string{key}, args...)
	}
	head := []any{"evalsha", script.Hash(), 1, key}
	var again []any // what a Cluster retry sends after a lost reply
	if _, cluster := s.client.(*redis.ClusterClient); cluster && script.again != "" {
		again = append([]any{"eval", script.again, 1, key}, args...)
	}
	cmd := s.writeAgain(ctx, key, append(head, args...), again)
	if err := cmd.Err(); err != nil && strings.HasPrefix(err.Error(), "NOSCRIPT") {
		head[0], head[1] = "eval", script.src
		cmd = s.writeAgain(ctx, key, append(head, args...), again)
	}
	return cmd
}

// lostReply reports whether err, a try's error, leaves the try's write
// possibly applied: no answer came back (a dropped connection, a timeout),
// though the command may have gone out. A Redis error answer (MOVED, ASK,
// READONLY and the like) means the node refused the write.
func lostReply(err error) bool {
	var rerr redis.Error
	return clusterRetryable(err) && !errors.As(err, &rerr)
}

// clusterRetryable reports whether a write sent to a Cluster node by hand
// should be sent again after reloading the slot map: the node said the slot
// lives elsewhere, is read-only (a demoted master), or could not be reached.
func clusterRetryable(err error) bool {
	if err == nil || errors.Is(err, redis.Nil) || errors.Is(err, ErrNotReplicated) {
		return false
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var rerr redis.Error
	if errors.As(err, &rerr) {
		msg := rerr.Error()
		for _, p := range []string{"MOVED ", "ASK ", "CLUSTERDOWN", "READONLY", "TRYAGAIN", "LOADING", "MASTERDOWN"} {
			if strings.HasPrefix(msg, p) {
				return true
			}
		}
		return false
	}
	return true // a network error: the node is gone, or going
}
