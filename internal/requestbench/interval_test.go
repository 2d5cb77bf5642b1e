package requestbench

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/serversession/serversession/sessions"
)

// methods is a store that records the name of each store call it passes
// on, keeping LoadTouch when the store has it.
type methods struct {
	sessions.Store
	mu    sync.Mutex
	names []string
}

func (m *methods) note(name string) {
	m.mu.Lock()
	m.names = append(m.names, name)
	m.mu.Unlock()
}

// take returns the calls recorded since the last take.
func (m *methods) take() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	s := strings.Join(m.names, " ")
	m.names = nil
	return s
}

func (m *methods) Load(ctx context.Context, key string) (sessions.Record, bool, error) {
	m.note("Load")
	return m.Store.Load(ctx, key)
}

func (m *methods) Create(ctx context.Context, key string, data []byte, ttl time.Duration) error {
	m.note("Create")
	return m.Store.Create(ctx, key, data, ttl)
}

func (m *methods) Replace(ctx context.Context, key string, old sessions.Record, data []byte, ttl time.Duration) error {
	m.note("Replace")
	return m.Store.Replace(ctx, key, old, data, ttl)
}

func (m *methods) DeleteIf(ctx context.Context, key string, old sessions.Record) error {
	m.note("DeleteIf")
	return m.Store.DeleteIf(ctx, key, old)
}

func (m *methods) Delete(ctx context.Context, key string) error {
	m.note("Delete")
	return m.Store.Delete(ctx, key)
}

type loadTouchMethods struct{ *methods }

func (m loadTouchMethods) LoadTouch(ctx context.Context, key string, ttl time.Duration) (sessions.Record, bool, error) {
	m.note("LoadTouch")
	return m.Store.(sessions.LoadToucher).LoadTouch(ctx, key, ttl)
}

// TestRefreshInterval asserts, on every store, the store calls of a read
// within the RefreshInterval (a plain Load: nothing written, no
// Set-Cookie) and after it (one LoadTouch, the cookie re-sent), and for
// Redis the commands that reach the server: one each.
func TestRefreshInterval(t *testing.T) {
	// Long enough that the reads within it are within it on a slow machine
	// too; whatever the machine, the read after the sleep is due.
	const interval = 2 * time.Second
	for _, st := range stores {
		t.Run(st.name, func(t *testing.T) {
			prefix := "requestbench:" + random() + ":"
			raw, commands := st.open(t, prefix)
			m := &methods{Store: raw}
			var store sessions.Store = m
			if _, ok := raw.(sessions.LoadToucher); ok {
				store = loadTouchMethods{m}
			}
			h := app(store, prefix, nil, func(c *sessions.Config) { c.RefreshInterval = interval })
			cookie := login(t, h)
			if got := m.take(); got != "Create" {
				t.Fatalf("login: store calls %q, want Create", got)
			}
			read := func(what, want string, cookieSent bool) {
				t.Helper()
				var before int64
				if commands != nil {
					before = commands()
				}
				w := serve(h, "/read", cookie)
				if w.Code != http.StatusOK || w.Body.String() != "1" {
					t.Fatalf("%s: %d %q", what, w.Code, w.Body)
				}
				if got := m.take(); got != want {
					t.Errorf("%s: store calls %q, want %q", what, got, want)
				}
				if sent := w.Header().Get("Set-Cookie") != ""; sent != cookieSent {
					t.Errorf("%s: Set-Cookie %q, want one: %v", what, w.Header().Get("Set-Cookie"), cookieSent)
				}
				if commands != nil {
					if got := commands() - before; got != 1 {
						t.Errorf("%s: %d Redis commands, want 1", what, got)
					}
				}
			}
			read("a read within the interval", "Load", false)
			read("another read within the interval", "Load", false)
			time.Sleep(interval + 50*time.Millisecond)
			read("a read after the interval", "LoadTouch", true)
			read("a read right after the refresh", "Load", false)
		})
	}
}

// TestWritesPerThousandReads counts, on every store, the writes (store
// calls other than Load) that 1,000 reads of one session make: refreshed
// on every read, as before the RefreshInterval (an interval of a
// nanosecond), each read is a LoadTouch or a Load and a write: 1,000;
// within one RefreshInterval of the session's creation (the default, a
// minute), none.
func TestWritesPerThousandReads(t *testing.T) {
	for _, st := range stores {
		t.Run(st.name, func(t *testing.T) {
			var counts []string
			for _, tc := range []struct {
				name     string
				interval time.Duration
				want     int
			}{
				{"refreshed on every read", time.Nanosecond, 1000},
				{"within the RefreshInterval", 0, 0},
			} {
				prefix := "requestbench:" + random() + ":"
				raw, _ := st.open(t, prefix)
				m := &methods{Store: raw}
				var store sessions.Store = m
				if _, ok := raw.(sessions.LoadToucher); ok {
					store = loadTouchMethods{m}
				}
				h := app(store, prefix, nil, func(c *sessions.Config) { c.RefreshInterval = tc.interval })
				cookie := login(t, h)
				m.take()
				for range 1000 {
					w := serve(h, "/read", cookie)
					if sent := w.Header().Get("Set-Cookie") != ""; w.Code != http.StatusOK || sent != (tc.want > 0) {
						t.Fatalf("%s: read: %d, Set-Cookie %q", tc.name, w.Code, w.Header().Get("Set-Cookie"))
					}
				}
				writes := 0
				for _, call := range strings.Fields(m.take()) {
					if call != "Load" {
						writes++
					}
				}
				counts = append(counts, fmt.Sprintf("%d %s", writes, tc.name))
				if writes != tc.want {
					t.Errorf("%s: %d writes per 1,000 reads, want %d", tc.name, writes, tc.want)
				}
			}
			t.Logf("%s: writes per 1,000 reads: %s", st.name, strings.Join(counts, ", "))
		})
	}
}
