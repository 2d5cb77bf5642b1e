package benchmarks

import (
	"bytes"
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/redis/go-redis/v9"
)

// The Redis floor: a bare Gin handler that makes, on the same kind of
// go-redis client as our Redis rows (newCountedClient), exactly the round
// trips a session needs and nothing else. No cookie is parsed, no ID
// checked, nothing encoded: what these rows cost is the framework, the
// harness and Redis on loopback, the physical limit of a session store on
// Redis. Our Redis rows divided by these are our overhead.
//
//	store=redis      read: GETEX key PX ms                  (1 round trip)
//	                 rmw:  GETEX key PX ms, SET key val PX ms (2 round trips)
//	store=redis-cas  rmw:  GETEX key PX ms, EVALSHA of a compare-and-set
//	                       script (2 round trips), as redisstore's Replace
//
// The record is one key holding floorRecordSize bytes, the size of our
// session record in these scenarios, whose head is the counter in decimal.

var (
	floorGinRedis = target{lib: "floor-gin", fw: "gin", store: "redis", bare: true, floor: true,
		open: floorOpen(false), only: []string{"read", "rmw"}}
	floorGinRedisCAS = target{lib: "floor-gin", fw: "gin", store: "redis-cas", bare: true, floor: true,
		open: floorOpen(true), only: []string{"rmw"}}
)

// floorRecordSize is the length of serversession's encoded record in the
// read and rmw scenarios (msgpack of _permanent, user_id and n).
const floorRecordSize = 25

// floorTTL is our default session lifetime, sent as PX on every write and
// refresh, as ours does.
const floorTTL = 31 * 24 * time.Hour

// floorRecord returns the record holding counter n.
func floorRecord(n int) []byte {
	b := strconv.AppendInt(make([]byte, 0, floorRecordSize), int64(n), 10)
	b = append(b, ':')
	for len(b) < floorRecordSize {
		b = append(b, 'x')
	}
	return b
}

// floorCounter parses the counter at the head of a record.
func floorCounter(rec []byte) (int, bool) {
	i := bytes.IndexByte(rec, ':')
	if i < 0 {
		return 0, false
	}
	n, err := strconv.Atoi(string(rec[:i]))
	return n, err == nil
}

// floorCASScript is a compare-and-set equivalent to redisstore's Replace:
// GET, compare with the old bytes (ARGV[1]), SET the new ones (ARGV[2])
// with PX (ARGV[3]) only if equal.
var floorCASScript = redis.NewScript(`local cur = redis.call('GET', KEYS[1])
if not cur then
	return 0
end
if cur ~= ARGV[1] then
	return -1
end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return 1
`)

// floorOpen returns the open function of a floor row: a client like our
// rows', the record seeded (counter 0) under the benchmark's prefix, and
// the handlers. /read answers 42 as the bare handler does, once it has
// checked that the record came back; /rmw answers the new counter, so the
// harness's check sees n then n+1.
func floorOpen(cas bool) func(testing.TB, string) instance {
	return func(tb testing.TB, prefix string) instance {
		requireRedis(tb, prefix)
		rdb, counter := newCountedClient(tb)
		key := prefix + strings.Repeat("F", 43) // as long as our session keys
		ms := floorTTL.Milliseconds()
		ctx := context.Background()
		if err := rdb.Process(ctx, redis.NewStatusCmd(ctx, "set", key, floorRecord(0), "px", ms)); err != nil {
			tb.Fatalf("seed the floor record: %v", err)
		}
		if cas {
			// Load the script now, as the first Replace of a long-running
			// process has, so that the timed EVALSHAs never fall back.
			if err := floorCASScript.Load(ctx, rdb).Err(); err != nil {
				tb.Fatalf("load the compare-and-set script: %v", err)
			}
		}
		// getex is the read of both routes: the record, refreshed.
		getex := func(ctx context.Context) ([]byte, int, bool) {
			cmd := redis.NewStringCmd(ctx, "getex", key, "px", ms)
			if err := rdb.Process(ctx, cmd); err != nil {
				return nil, 0, false
			}
			rec, _ := cmd.Bytes()
			n, ok := floorCounter(rec)
			return rec, n, ok
		}
		r := gin.New()
		r.GET("/read", func(c *gin.Context) {
			if _, _, ok := getex(c.Request.Context()); !ok {
				c.AbortWithStatus(http.StatusInternalServerError)
				return
			}
			var buf [20]byte
			c.Data(http.StatusOK, textPlain, appendInt(buf[:0], 42))
		})
		r.GET("/rmw", func(c *gin.Context) {
			ctx := c.Request.Context()
			rec, n, ok := getex(ctx)
			if !ok {
				c.AbortWithStatus(http.StatusInternalServerError)
				return
			}
			n++
			next := floorRecord(n)
			if cas {
				res, err := floorCASScript.Run(ctx, rdb, []string{key}, rec, next, ms).Int64()
				if err != nil || res != 1 {
					c.AbortWithStatus(http.StatusInternalServerError)
					return
				}
			} else if err := rdb.Process(ctx, redis.NewStatusCmd(ctx, "set", key, next, "px", ms)); err != nil {
				c.AbortWithStatus(http.StatusInternalServerError)
				return
			}
			var buf [20]byte
			c.Data(http.StatusOK, textPlain, appendInt(buf[:0], n))
		})
		return instance{h: r, cmds: counter.n, trips: counter.trips}
	}
}

// TestFloorRoundTrips checks that the floor rows make exactly the round
// trips they stand for (1 for a read, 2 for a read-modify-write), so that
// a floor that skipped one could not pass for a low one.
func TestFloorRoundTrips(t *testing.T) {
	const requests = 5
	for _, tg := range []target{floorGinRedis, floorGinRedisCAS} {
		for _, sc := range scenarios {
			if !tg.has(sc.name) {
				continue
			}
			t.Run(tg.name()+"/scenario="+sc.name, func(t *testing.T) {
				inst := tg.open(t, keyPrefix(tg.lib+"-test", sc.name))
				verify(t, tg, inst.h, sc)
				cmds, trips := inst.cmds.Load(), inst.trips.Load()
				for range requests {
					get(t, inst.h, sc.path, nil)
				}
				gotCmds := float64(inst.cmds.Load()-cmds) / requests
				gotTrips := float64(inst.trips.Load()-trips) / requests
				if want := float64(wantRedis[sc.name]); gotCmds != want || gotTrips != want {
					t.Errorf("%.1f Redis commands in %.1f round trips per request; want %.0f and %.0f", gotCmds, gotTrips, want, want)
				}
			})
		}
	}
}
