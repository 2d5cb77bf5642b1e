package benchmarks

import (
	"net/http"
	"testing"

	"github.com/alexedwards/scs/goredisstore"
	"github.com/alexedwards/scs/v2"
	scsmemstore "github.com/alexedwards/scs/v2/memstore"
)

// alexedwards/scs v2 on net/http, as its README sets it up: a
// SessionManager whose LoadAndSave wraps the mux, saving automatically.
// Its cookie is a bare random token (no signature), and it loads the
// session at the start of every request, touched or not.

var (
	scsMem   = target{lib: "scs", fw: "http", store: "mem", open: scsOpen(false)}
	scsRedis = target{lib: "scs", fw: "http", store: "redis", open: scsOpen(true)}
)

// scsOpen builds scs on its memstore, or on goredisstore (go-redis v9) with
// a counted client.
func scsOpen(useRedis bool) func(testing.TB, string) instance {
	return func(tb testing.TB, prefix string) instance {
		sm := scs.New()
		sm.Cookie.Name = cookieName
		var inst instance
		if useRedis {
			requireRedis(tb, prefix)
			rdb, counter := newCountedClient(tb)
			sm.Store = goredisstore.NewWithPrefix(rdb, prefix)
			inst.cmds, inst.trips = counter.n, counter.trips
		} else {
			store := scsmemstore.New()
			tb.Cleanup(store.StopCleanup)
			sm.Store = store
		}
		inst.h = scsHandler(sm)
		return inst
	}
}

func scsHandler(sm *scs.SessionManager) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /untouched", func(w http.ResponseWriter, r *http.Request) { writeBody(w, okBody) })
	mux.HandleFunc("GET /read", func(w http.ResponseWriter, r *http.Request) {
		var buf [20]byte
		writeBody(w, appendInt(buf[:0], sm.GetInt(r.Context(), "user_id")))
	})
	rmw := func(large bool) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			ctx := r.Context()
			if large && sm.GetString(ctx, lastLargeKey) != largeValue {
				w.WriteHeader(http.StatusInternalServerError)
				return
			}
			n := sm.GetInt(ctx, "n") + 1
			sm.Put(ctx, "n", n)
			var buf [20]byte
			writeBody(w, appendInt(buf[:0], n))
		}
	}
	mux.HandleFunc("GET /rmw", rmw(false))
	mux.HandleFunc("GET /large", rmw(true))
	mux.HandleFunc("GET /create", func(w http.ResponseWriter, r *http.Request) {
		sm.Put(r.Context(), "user_id", 42)
		writeBody(w, okBody)
	})
	seed := func(large bool) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			ctx := r.Context()
			sm.Put(ctx, "user_id", 42)
			sm.Put(ctx, "n", 0)
			if large {
				for i := range largeKeys {
					sm.Put(ctx, largeKey(i), largeValue)
				}
			}
			writeBody(w, okBody)
		}
	}
	mux.HandleFunc("GET /seed", seed(false))
	mux.HandleFunc("GET /seedlarge", seed(true))
	return sm.LoadAndSave(mux)
}
