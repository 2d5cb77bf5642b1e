package benchmarks

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// wantRedis is serversession's budget of Redis commands per request for each
// scenario (the large scenario is a read-modify-write). Every command is
// its own round trip.
var wantRedis = map[string]int64{"untouched": 0, "read": 1, "rmw": 2, "create": 1, "large": 2}

// wantRedisIndexed is the budget with the user index, the user under the
// scenarios' user_id: creating a session of a user ties it (one command
// more); reads and writes of an indexed session cost what they cost
// without the index.
var wantRedisIndexed = map[string]int64{"untouched": 0, "read": 1, "rmw": 2, "create": 2, "large": 2}

// wantRedisCached is the budget with the client-side cache: a warm read
// reaches no connection; a read-modify-write loads past the cache (it
// wrote the key within the last CacheMaxStaleness) and writes, as without
// the cache.
var wantRedisCached = map[string]int64{"read": 0, "rmw": 2}

// TestRedisCommandsPerRequest checks serversession's Redis commands and
// round trips per request, on every adapter, for every scenario, with and
// without the client-side cache: counted on the client's connections over
// several requests of an already verified (and, with the cache, warmed)
// scenario.
func TestRedisCommandsPerRequest(t *testing.T) {
	const requests = 5
	for _, tg := range append(append(oursAllTargets, oursGinIndexedRedis), oursCachedTargets...) {
		if tg.store != storeRedis && tg.store != storeRedisCached {
			continue
		}
		for _, sc := range scenarios {
			if !tg.has(sc.name) {
				continue
			}
			t.Run(tg.name()+"/scenario="+sc.name, func(t *testing.T) {
				inst := tg.open(t, keyPrefix(tg.lib+"-test", sc.name))
				cookie := verify(t, tg, inst.h, sc)
				warmUp(t, tg, inst.h, sc, cookie)
				cmds, trips := inst.cmds.Load(), inst.trips.Load()
				for range requests {
					r := httptest.NewRequest(http.MethodGet, sc.path, nil)
					if cookie != nil {
						r.AddCookie(cookie)
					}
					w := httptest.NewRecorder()
					inst.h.ServeHTTP(w, r)
					if w.Code != http.StatusOK {
						t.Fatalf("GET %s answered %d: %s", sc.path, w.Code, w.Body)
					}
				}
				gotCmds := float64(inst.cmds.Load()-cmds) / requests
				gotTrips := float64(inst.trips.Load()-trips) / requests
				want := float64(wantRedis[sc.name])
				switch {
				case tg.lib == oursGinIndexedRedis.lib:
					want = float64(wantRedisIndexed[sc.name])
				case tg.cached:
					want = float64(wantRedisCached[sc.name])
				}
				if gotCmds != want || gotTrips != want {
					t.Errorf("%s: %.1f Redis commands in %.1f round trips per request; want %.0f and %.0f (the round-trip budget)",
						sc.name, gotCmds, gotTrips, want, want)
				}
			})
		}
	}
}
