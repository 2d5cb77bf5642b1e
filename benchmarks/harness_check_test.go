package benchmarks

import (
	"fmt"
	"net/http"
	"runtime"
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
