package benchmarks

import (
	"context"
	"fmt"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// redisAddr is the Redis server the redis rows use:
// $SERVERSESSION_REDIS_ADDR, or 127.0.0.1:6379.
func redisAddr() string {
	if a := os.Getenv("SERVERSESSION_REDIS_ADDR"); a != "" {
		return a
	}
	return "127.0.0.1:6379"
}

var (
	redisOnce sync.Once
	redisErr  error
)

// requireRedis skips tb unless Redis answers, and schedules the deletion of
// every key under prefix when tb ends. It never flushes the server: each
// benchmark owns its prefix.
func requireRedis(tb testing.TB, prefix string) {
	tb.Helper()
	redisOnce.Do(func() {
		rdb := redis.NewClient(&redis.Options{Addr: redisAddr(), DialTimeout: time.Second})
		defer rdb.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		redisErr = rdb.Ping(ctx).Err()
	})
	if redisErr != nil {
		msg := fmt.Sprintf("redis rows skipped: no Redis at %s (%v); start it with scripts/test-servers.sh or set SERVERSESSION_REDIS_ADDR", redisAddr(), redisErr)
		if os.Getenv("SERVERSESSION_REQUIRE_SERVERS") != "" {
			tb.Fatal(msg)
		}
		tb.Skip(msg)
	}
	tb.Cleanup(func() {
		if err := deletePrefix(prefix); err != nil {
			tb.Errorf("delete keys %s*: %v", prefix, err)
		}
	})
}

// deletePrefix removes the keys under prefix, in batches.
func deletePrefix(prefix string) error {
	rdb := redis.NewClient(&redis.Options{Addr: redisAddr()})
	defer rdb.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var cursor uint64
	for {
		keys, next, err := rdb.Scan(ctx, cursor, prefix+"*", 1000).Result()
		if err != nil {
			return err
		}
		if len(keys) > 0 {
			if err := rdb.Unlink(ctx, keys...).Err(); err != nil {
				return err
			}
		}
		if cursor = next; cursor == 0 {
			return nil
		}
	}
}

// newCountedClient returns a go-redis client whose commands are counted on
// its connections, as the server receives them: every command written,
// pipelined or not, and every write that carries whole commands (a round
// trip; a pipeline is one). edit, if set, changes the client's options.
//
// The count is taken on the wire, not in a go-redis hook, because a read
// that go-redis's client-side cache serves passes through the hooks but
// never reaches a connection. A connection's handshake (HELLO, and CLIENT
// TRACKING with the cache) is counted too; the harness's checks request
// before they count, so the pool's connection is already open.
func newCountedClient(tb testing.TB, edit ...func(*redis.Options)) (*redis.Client, commandCounter) {
	c := commandCounter{n: new(atomic.Int64), trips: new(atomic.Int64)}
	opt := &redis.Options{Addr: redisAddr()}
	for _, f := range edit {
		f(opt)
	}
	dialer := &net.Dialer{Timeout: 5 * time.Second, KeepAlive: 5 * time.Minute}
	opt.Dialer = func(ctx context.Context, network, addr string) (net.Conn, error) {
		conn, err := dialer.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return &countedConn{Conn: conn, counter: c}, nil
	}
	rdb := redis.NewClient(opt)
	tb.Cleanup(func() { rdb.Close() })
	return rdb, c
}

// commandCounter counts the commands and round trips of a client's
// connections.
type commandCounter struct{ n, trips *atomic.Int64 }

// countedConn is a connection that counts the RESP commands written to it.
// A command split over several writes counts once, when it is whole; a
// write that leaves no part of a command pending counts as a round trip.
type countedConn struct {
	net.Conn
	counter commandCounter
	mu      sync.Mutex
	pending []byte // the start of a command not yet written whole
}

func (c *countedConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	buf := p
	if len(c.pending) > 0 {
		buf = append(c.pending, p...)
	}
	cmds, rest := countCommands(buf)
	c.pending = append(c.pending[:0], rest...)
	c.counter.n.Add(int64(cmds))
	if len(c.pending) == 0 {
		c.counter.trips.Add(1)
	}
	c.mu.Unlock()
	return c.Conn.Write(p)
}

// countCommands counts the whole RESP commands (arrays of bulk strings, as
// go-redis writes them) at the start of b, and returns what follows them:
// the start of a command not yet whole. Bytes that are not a command count
// as one, so that nothing sent goes uncounted.
func countCommands(b []byte) (n int, rest []byte) {
	for len(b) > 0 {
		size, ok, whole := commandSize(b)
		switch {
		case !ok:
			return n + 1, nil
		case !whole:
			return n, b
		}
		n++
		b = b[size:]
	}
	return n, nil
}

// commandSize returns the length of the RESP command at the start of b;
// ok is false if b does not start with one, whole false if b ends first.
func commandSize(b []byte) (size int, ok, whole bool) {
	count, i, ok, whole := respLength(b, '*')
	if !ok || !whole {
		return 0, ok, whole
	}
	for range count {
		n, j, ok, whole := respLength(b[i:], '$')
		if !ok || !whole {
			return 0, ok, whole
		}
		i += j + n + 2
		if i > len(b) {
			return 0, true, false
		}
	}
	return i, true, true
}

// respLength parses a RESP header, kind then a decimal length then CRLF, at
// the start of b: the length and the header's size.
func respLength(b []byte, kind byte) (n, size int, ok, whole bool) {
	if len(b) == 0 {
		return 0, 0, true, false
	}
	if b[0] != kind {
		return 0, 0, false, false
	}
	for i := 1; i < len(b); i++ {
		switch c := b[i]; {
		case c >= '0' && c <= '9':
			n = n*10 + int(c-'0')
		case c == '\r':
			if i+1 == len(b) {
				return 0, 0, true, false
			}
			return n, i + 2, i > 1 && b[i+1] == '\n', true
		default:
			return 0, 0, false, false
		}
	}
	return 0, 0, true, false
}
