package storetest

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/serversession/serversession/sessions"
)

const (
	// workers is the number of goroutines of the concurrency subtest.
	workers = 16
	// opsPerWorker is how many operations each of them makes.
	opsPerWorker = 50
	// sharedKeys is how many keys all workers write to and read from.
	sharedKeys = 4
	// maxReported caps the failures reported, so a broken store gives a
	// readable report instead of 800 lines.
	maxReported = 10
)

// testConcurrency: 16 goroutines × 50 mixed operations, on keys of their own
// (where each must read back what it wrote, and its Create and Replace must
// never conflict) and on keys they share (where each loads and writes back,
// as requests do: a write may conflict, and a read must return one whole
// value some worker wrote, never a mix). Run it under -race to catch
// unsynchronized stores.
func testConcurrency(t *testing.T, e *env) {
	shared := make([]string, sharedKeys)
	for i := range shared {
		shared[i] = e.keys.key(fmt.Sprintf("shared-%d", i))
	}
	lt, canLoadTouch := e.store.(sessions.LoadToucher)

	var failures failureLog
	fail := failures.add

	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			own := e.keys.key(fmt.Sprintf("worker-%d", w))
			var last []byte // what own holds, nil when deleted or never saved
			for i := range opsPerWorker {
				sk := shared[(w+i)%sharedKeys]
				switch i % 8 {
				case 0, 3, 6:
					v := concValue(w, i)
					if last == nil {
						if err := e.store.Create(e.ctx, own, v, time.Hour); err != nil {
							fail("worker %d: Create(%q) of its own key, which no one else writes: %v", w, own, err)
							continue
						}
					} else if err := e.store.Replace(e.ctx, own, sessions.Record{Data: last}, v, time.Hour); err != nil {
						fail("worker %d: Replace(%q) of its own key over its own last write: %v", w, own, err)
						continue
					}
					last = v
				case 1, 4:
					rec, found, err := e.store.Load(e.ctx, own)
					switch {
					case err != nil:
						fail("worker %d: Load(%q): %v", w, own, err)
					case found != (last != nil):
						fail("worker %d: Load(%q) found=%v, want %v", w, own, found, last != nil)
					case !bytes.Equal(rec.Data, last):
						fail("worker %d: Load(%q): %s", w, own, diff(rec.Data, last))
					}
				case 2:
					// Load and write back, as a request does: a conflict
					// means another worker wrote in between, and is fine.
					rec, found, err := e.store.Load(e.ctx, sk)
					if err != nil {
						fail("worker %d: Load(%q): %v", w, sk, err)
						continue
					}
					if found && !validConcValue(rec.Data) {
						fail("worker %d: Load(%q) returned %s, which no worker wrote", w, sk, describe(rec.Data))
						continue
					}
					op := "Replace"
					if found {
						err = e.store.Replace(e.ctx, sk, rec, concValue(w, i), time.Hour)
					} else {
						op = "Create"
						err = e.store.Create(e.ctx, sk, concValue(w, i), time.Hour)
					}
					if err != nil && !errors.Is(err, sessions.ErrConflict) {
						fail("worker %d: %s(%q): %v", w, op, sk, err)
					}
				case 5:
					rec, found, err := e.store.Load(e.ctx, sk)
					if err != nil {
						fail("worker %d: Load(%q): %v", w, sk, err)
					} else if found && !validConcValue(rec.Data) {
						fail("worker %d: Load(%q) returned %s, which no worker wrote", w, sk, describe(rec.Data))
					}
				case 7:
					switch {
					case i%3 == 0:
						if err := e.store.Delete(e.ctx, own); err != nil {
							fail("worker %d: Delete(%q): %v", w, own, err)
							continue
						}
						last = nil
					case canLoadTouch:
						rec, found, err := lt.LoadTouch(e.ctx, sk, time.Hour)
						if err != nil {
							fail("worker %d: LoadTouch(%q): %v", w, sk, err)
						} else if found && !validConcValue(rec.Data) {
							fail("worker %d: LoadTouch(%q) returned %s, which no worker wrote", w, sk, describe(rec.Data))
						}
					}
				}
			}
		})
	}
	wg.Wait()
	failures.report(t)
}

// failureLog collects what the goroutines of a subtest found wrong,
// keeping the first maxReported, for the subtest to report once they are
// done.
type failureLog struct {
	mu      sync.Mutex
	list    []string
	dropped int
}

// add records one failure.
func (l *failureLog) add(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.list) < maxReported {
		l.list = append(l.list, fmt.Sprintf(format, args...))
	} else {
		l.dropped++
	}
}

// report fails t with what was recorded.
func (l *failureLog) report(t *testing.T) {
	t.Helper()
	for _, f := range l.list {
		t.Error(f)
	}
	if l.dropped > 0 {
		t.Errorf("... and %d more failures", l.dropped)
	}
}

// concValue is the value worker w writes at step i: a header naming both,
// then a body whose length and bytes follow from them, so that a reader can
// tell a whole value from a torn or mixed one.
func concValue(w, i int) []byte {
	v := fmt.Appendf(nil, "w%02d-i%02d:", w, i)
	return append(v, bytes.Repeat([]byte{byte('a' + w)}, 100+i)...)
}

// validConcValue reports whether b is exactly a value that concValue makes.
func validConcValue(b []byte) bool {
	if len(b) < 8 || b[0] != 'w' || b[3] != '-' || b[4] != 'i' || b[7] != ':' {
		return false
	}
	w, errW := strconv.Atoi(string(b[1:3]))
	i, errI := strconv.Atoi(string(b[5:7]))
	if errW != nil || errI != nil || w < 0 || w >= workers || i < 0 || i >= opsPerWorker {
		return false
	}
	return bytes.Equal(b, concValue(w, i))
}
