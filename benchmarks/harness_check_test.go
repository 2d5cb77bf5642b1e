package benchmarks

import (
	"fmt"
	"net"
	"net/http"
	"runtime"
	"sync/atomic"
	"testing"
)

// TestScenariosWork runs the pre-timing check of every scenario on every
// target, so that a plain `go test` proves the harness before anyone reads
// its numbers.
func TestScenariosWork(t *testing.T) {
	for _, tg := range targets() {
		for _, sc := range scenarios {
			if !tg.has(sc.name) {
				continue
			}
			t.Run(tg.name()+"/scenario="+sc.name, func(t *testing.T) {
				if why, ok := tg.cannot[sc.name]; ok {
					t.Skip(why)
				}
				inst := tg.open(t, keyPrefix(tg.lib+"-check", sc.name))
				verify(t, tg, inst.h, sc)
			})
		}
	}
}

// TestVerifyRejectsBrokenHandlers makes sure the check fails handlers that
// answer 200 without doing the session work, so they cannot post fast
// numbers.
func TestVerifyRejectsBrokenHandlers(t *testing.T) {
	broken := map[string]http.Handler{
		// Answers everything, sets no cookie, stores nothing.
		"no session": http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			writeBody(w, []byte(map[string]string{"/read": "42", "/rmw": "1", "/large": "1"}[r.URL.Path]+"ok"))
		}),
		// Sets a cookie but forgets every value.
		"forgetful": http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.SetCookie(w, &http.Cookie{Name: cookieName, Value: "x"})
			writeBody(w, map[bool][]byte{true: []byte("1"), false: okBody}[r.URL.Path == "/rmw" || r.URL.Path == "/large"])
		}),
	}
	tg := target{lib: "broken", store: "none"}
	for name, h := range broken {
		for _, sc := range scenarios {
			if sc.name == "untouched" {
				continue // nothing to get wrong but the status
			}
			t.Run(fmt.Sprintf("%s/%s", name, sc.name), func(t *testing.T) {
				ft := &failTB{TB: t}
				done := make(chan struct{})
				go func() {
					defer close(done)
					verify(ft, tg, h, sc)
				}()
				<-done
				if !ft.failed {
					t.Errorf("verify accepted a %s handler for %s", name, sc.name)
				}
			})
		}
	}
}

// failTB records a Fatalf instead of failing the test.
type failTB struct {
	testing.TB
	failed bool
}

func (f *failTB) Helper() {}

func (f *failTB) Fatalf(string, ...any) {
	f.failed = true
	runtime.Goexit()
}

// TestCountCommands checks the wire count of Redis commands: a pipeline
// is one write of several commands, a command may arrive in pieces, and
// bulk strings may hold anything, RESP headers included.
func TestCountCommands(t *testing.T) {
	get := "*2\r\n$3\r\nget\r\n$3\r\nkey\r\n"
	tricky := "*3\r\n$3\r\nset\r\n$1\r\nk\r\n$12\r\n*1\r\n$4\r\nping\r\n"
	for _, tc := range []struct {
		name          string
		writes        []string
		cmds, trips   int64
		pendingAtLast bool
	}{
		{"one command", []string{get}, 1, 1, false},
		{"a pipeline", []string{get + tricky + get}, 3, 1, false},
		{"a command in three writes", []string{get[:3], get[3:15], get[15:]}, 1, 1, false},
		{"a pipeline's end in a second write", []string{get + tricky[:20], tricky[20:]}, 2, 1, false},
		{"a command not yet whole", []string{tricky[:30]}, 0, 0, true},
		{"not RESP", []string{"PING\r\n"}, 1, 1, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := commandCounter{n: new(atomic.Int64), trips: new(atomic.Int64)}
			conn := &countedConn{Conn: discardConn{}, counter: c}
			for _, w := range tc.writes {
				if _, err := conn.Write([]byte(w)); err != nil {
					t.Fatal(err)
				}
			}
			if c.n.Load() != tc.cmds || c.trips.Load() != tc.trips || (len(conn.pending) > 0) != tc.pendingAtLast {
				t.Errorf("%d commands in %d round trips, %d bytes pending; want %d in %d, pending %v",
					c.n.Load(), c.trips.Load(), len(conn.pending), tc.cmds, tc.trips, tc.pendingAtLast)
			}
		})
	}
}

// discardConn is a connection that takes every write.
type discardConn struct{ net.Conn }

func (discardConn) Write(p []byte) (int, error) { return len(p), nil }
