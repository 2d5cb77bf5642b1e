package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/serversession/serversession/sessions"
)

// raceRounds is how many rounds each race subtest runs.
const raceRounds = 10

// raceResult is what the racers of one round did.
type raceResult struct {
	winners []int    // the workers whose write succeeded
	others  []string // errors that were not conflicts
}

// race runs write(w) in workers goroutines at once (as near as a channel
// close can make it), and sorts out their answers.
func race(write func(w int) error) raceResult {
	var (
		mu  sync.Mutex
		res raceResult
		wg  sync.WaitGroup
	)
	start := make(chan struct{})
	for w := range workers {
		wg.Go(func() {
			<-start
			err := write(w)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				res.winners = append(res.winners, w)
			case !errors.Is(err, sessions.ErrConflict):
				res.others = append(res.others, fmt.Sprintf("worker %d: %v", w, err))
			}
		})
	}
	close(start)
	wg.Wait()
	return res
}

// raceValue is what worker w writes in round r.
func raceValue(op string, r, w int) []byte {
	return fmt.Appendf(nil, "%s round %d, worker %d", op, r, w)
}

// check reports the round's failures and returns the winner, or false when
// there was not exactly one.
func (res raceResult) check(t *testing.T, op, key string, round int) (int, bool) {
	t.Helper()
	for i, o := range res.others {
		if i == maxReported {
			t.Errorf("... and %d more", len(res.others)-i)
			break
		}
		t.Errorf("round %d: %s(%q) failed with an error that is not a conflict: %s", round, op, key, o)
	}
	switch len(res.winners) {
	case 1:
		return res.winners[0], true
	case 0:
		if len(res.others) == 0 {
			t.Errorf("round %d: all %d racing %s(%q) calls reported a conflict; want exactly one to succeed", round, workers, op, key)
		}
	default:
		t.Errorf("round %d: %d of %d racing %s(%q) calls succeeded (workers %v); want exactly one, the rest failing "+
			"with sessions.ErrConflict: the check and the write must be one atomic step (one lock, one transaction "+
			"or one conditional command), or concurrent requests silently overwrite each other",
			round, len(res.winners), workers, op, key, res.winners)
	}
	return 0, false
}

// testReplaceRace: 16 goroutines Replace one key over the same record at
// once, round after round. Exactly one wins each round, the others get
// sessions.ErrConflict, and the record is then the winner's. Even rounds
// race over the record Load returned, odd ones over Record{Data} of the
// previous winner's bytes.
func testReplaceRace(t *testing.T, e *env) {
	k := e.keys.key("k")
	last := []byte("created before the race")
	e.mustCreate(t, k, last, time.Hour)
	for r := range raceRounds {
		old := sessions.Record{Data: last}
		if r%2 == 0 {
			old = e.mustLoadRecord(t, k)
		}
		res := race(func(w int) error {
			return e.store.Replace(e.ctx, k, old, raceValue("Replace", r, w), time.Hour)
		})
		winner, ok := res.check(t, "Replace", k, r)
		if !ok {
			t.FailNow()
		}
		last = raceValue("Replace", r, winner)
		checkData(t, fmt.Sprintf("Load after round %d, won by worker %d,", r, winner), e.mustLoad(t, k), last)
		if t.Failed() {
			t.FailNow()
		}
	}
}

// testCreateRace: 16 goroutines Create one fresh key at once, on a new key
// each round. Exactly one wins each round, the others get
// sessions.ErrConflict, and the record is the winner's.
func testCreateRace(t *testing.T, e *env) {
	for r := range raceRounds {
		k := e.keys.key(fmt.Sprintf("round-%d", r))
		res := race(func(w int) error {
			return e.store.Create(e.ctx, k, raceValue("Create", r, w), time.Hour)
		})
		winner, ok := res.check(t, "Create", k, r)
		if !ok {
			t.FailNow()
		}
		checkData(t, fmt.Sprintf("Load after round %d, won by worker %d,", r, winner), e.mustLoad(t, k), raceValue("Create", r, winner))
		if t.Failed() {
			t.FailNow()
		}
	}
}
