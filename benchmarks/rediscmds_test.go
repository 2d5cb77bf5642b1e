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

// TestRedisCommandsPerRequest checks serversession's Redis commands and
// round trips per request, on every adapter, for every scenario: counted by
// a go-redis hook over several requests of an already verified scenario.
func TestRedisCommandsPerRequest(t *testing.T) {
	const requests = 5
	for _, tg := range append(oursAllTargets, oursGinIndexedRedis) {
		if tg.store != "redis" {
			continue
		}
		for _, sc := range scenarios {
			t.Run(tg.name()+"/scenario="+sc.name, func(t *testing.T) {
				inst := tg.open(t, keyPrefix(tg.lib+"-test", sc.name))
				cookie := verify(t, tg, inst.h, sc)
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
				if tg.lib == oursGinIndexedRedis.lib {
					want = float64(wantRedisIndexed[sc.name])
				}
				if gotCmds != want || gotTrips != want {
					t.Errorf("%s: %.1f Redis commands in %.1f round trips per request; want %.0f and %.0f (the round-trip budget)",
						sc.name, gotCmds, gotTrips, want, want)
				}
			})
		}
	}
}
