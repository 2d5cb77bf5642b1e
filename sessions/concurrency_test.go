package sessions

import (
	"fmt"
	"net/http"
	"sync"
	"testing"

	"github.com/serversession/serversession/internal/numconv"
)

// A Session is safe for concurrent use within a request, where a session
// kept in a plain map crashes the process with "concurrent map writes" as
// soon as two goroutines of one request write to it. Run with -race.
// Goroutines read and write while the response is written, so the commit
// races with them too; whatever they set before Finish is saved.
func TestConcurrentUseWithinARequest(t *testing.T) {
	h := newHarness(t, withLoadTouch, nil)
	cookie := h.login(map[string]any{"seed": 1})
	const workers, rounds = 16, 50
	h.serve(func(w http.ResponseWriter, _ *http.Request, s *Session) {
		var wg sync.WaitGroup
		for g := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				key := fmt.Sprint("k", g)
				for i := range rounds {
					s.Set(key, i)
					s.Get("seed")
					Value[int](s, key)
					s.Has(key)
					s.Keys()
					s.Len()
					s.ID()
					s.Permanent()
					s.AddFlash(fmt.Sprint(g, "-", i), "c")
					if i%10 == 0 {
						s.Flashes("none")
						s.MarkModified()
					}
					s.Set("tmp", g)
					s.Delete("tmp")
					s.Pop("tmp")
				}
			}()
		}
		w.Write([]byte("streaming while the goroutines run"))
		wg.Wait()
	}, cookie)

	rec := h.record(cookie.Value)
	for g := range workers {
		if n, _ := numconv.Int64(rec[fmt.Sprint("k", g)]); n != rounds-1 {
			t.Errorf("k%d = %v, want %d", g, rec[fmt.Sprint("k", g)], rounds-1)
		}
	}
	if flashes, _ := rec["_flashes"].([]any); len(flashes) != workers*rounds {
		t.Errorf("%d flashes saved, want %d", len(flashes), workers*rounds)
	}
	if _, ok := rec["tmp"]; ok {
		t.Error("tmp saved")
	}
}

// Commit, Finish and Abandon may come from other goroutines than the
// handler's (a streaming handler flushing from a worker).
func TestConcurrentCommit(t *testing.T) {
	h := newHarness(t, nil, nil)
	h.serve(func(w http.ResponseWriter, _ *http.Request, s *Session) {
		var wg sync.WaitGroup
		for i := range 8 {
			wg.Add(2)
			go func() { defer wg.Done(); s.Set(fmt.Sprint(i), i) }()
			go func() { defer wg.Done(); s.h.Commit() }()
		}
		wg.Wait()
	})
	if h.store.count("save") > 2 {
		t.Errorf("store calls %v", h.store.order)
	}
}
