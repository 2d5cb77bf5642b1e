package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"
)

const (
	// indexCycles is how many sessions the cycle subtests start and end
	// for one user.
	indexCycles = 1000
	// sampleEvery is how often, in cycles, they count the user's index
	// entries (and always in the first few cycles and the last).
	sampleEvery = 10
	// listEvery is how often, in cycles, UserIndexRevokeCycles lists the
	// user's sessions.
	listEvery = 50
	// revokeLive is how many sessions UserIndexRevokeCycles keeps live at
	// once.
	revokeLive = 2
)

// entrySampler counts a user's index entries during the cycle subtests,
// and keeps the figures they report.
type entrySampler struct {
	e       *env
	user    string
	what    string // the cycles, for the messages: "login/logout cycles"
	samples int
	most    int
}

// sampled reports whether cycle i is one where the entries are counted.
func sampled(i int) bool { return i < 5 || i%sampleEvery == 0 || i == indexCycles-1 }

// check counts the entries after done cycles, and fails the subtest if
// there are more than most. when says what happened last.
func (s *entrySampler) check(t *testing.T, done, most int, when string) int {
	t.Helper()
	n := s.e.indexEntries(t, s.e.store, s.user)
	s.samples++
	s.most = max(s.most, n)
	if n > most {
		t.Fatalf("after %d of %d %s, IndexEntries(%q) = %d %s; want at most %d, the user's live sessions: %s",
			done, indexCycles, s.what, s.user, n, when, most, lingerRule)
	}
	return n
}

// testUserIndexLogoutCycles: 1,000 logins and logouts of one user, each a
// Create and a Tie, then a Delete and an Untie, as the lifecycle makes
// them. The user's index holds at most the one live session after each
// Tie, and nothing after each logout.
func testUserIndexLogoutCycles(t *testing.T, e *env) {
	e.needIndex(t)
	e.needEntries(t)
	user := e.keys.user("u")
	s := &entrySampler{e: e, user: user, what: "login/logout cycles"}
	start := time.Now()
	for i := range indexCycles {
		k := e.keys.key(fmt.Sprintf("session-%d", i))
		e.mustCreate(t, k, fmt.Appendf(nil, "login %d", i), time.Hour)
		e.mustTie(t, user, k, time.Hour)
		if sampled(i) {
			s.check(t, i, 1, "right after the Tie of its one live session")
		}
		e.mustDelete(t, k)
		e.mustUntie(t, user, k)
		if sampled(i) {
			s.check(t, i+1, 0, "right after a logout (Delete, then Untie) of its one session")
		}
	}
	elapsed := time.Since(start)
	e.expect(t, user, nil, nil, "after every session logged out", "")
	end := s.check(t, indexCycles, 0, "after every session logged out and UserRecords")
	t.Logf("%d login/logout cycles (Create, Tie, Delete, Untie) of one user in %v: at most %d index entries "+
		"seen (counted %d times), %d at the end", indexCycles, elapsed.Round(time.Millisecond), s.most, s.samples, end)
}

// testUserIndexRevokeCycles: 1,000 sessions of one user, each revoked by
// another program, which deletes the record and does not Untie; only Tie
// and UserRecords touch the index, with two sessions live at any time.
// Between listings the entries of the deleted records may linger; right
// after each listing (every 50 cycles), the index holds no more entries
// than the user's live sessions, and it is empty once every session was
// deleted and UserRecords listed none. The most entries seen between
// listings is logged.
func testUserIndexRevokeCycles(t *testing.T, e *env) {
	e.needIndex(t)
	e.needEntries(t)
	user := e.keys.user("u")
	s := &entrySampler{e: e, user: user, what: "revoke cycles"}
	key := func(i int) string { return e.keys.key(fmt.Sprintf("session-%d", i)) }
	value := func(i int) []byte { return fmt.Appendf(nil, "login %d", i) }
	start := time.Now()
	for i := range indexCycles {
		if i >= revokeLive {
			e.mustDelete(t, key(i-revokeLive))
		}
		e.mustCreate(t, key(i), value(i), time.Hour)
		e.mustTie(t, user, key(i), time.Hour)
		live := min(i+1, revokeLive)
		if sampled(i) {
			s.check(t, i, live+listEvery, fmt.Sprintf("right after a Tie, with %d live sessions and at most %d "+
				"deleted since the last listing", live, listEvery))
		}
		if i%listEvery == listEvery-1 {
			want := map[string][]byte{}
			for j := i + 1 - live; j <= i; j++ {
				want[key(j)] = value(j)
			}
			e.expect(t, user, want, nil, fmt.Sprintf("after %d revoke cycles", i+1), "")
			s.check(t, i+1, live, fmt.Sprintf("right after UserRecords listed %d live sessions", live))
		}
	}
	elapsed := time.Since(start)
	for j := indexCycles - revokeLive; j < indexCycles; j++ {
		e.mustDelete(t, key(j))
	}
	e.expect(t, user, nil, nil, "after every session was revoked", "")
	end := s.check(t, indexCycles, 0, "after every session was revoked and UserRecords listed none")
	t.Logf("%d revoke cycles (Delete of an older session, Create, Tie; UserRecords every %d) of one user in %v: "+
		"at most %d index entries seen (counted %d times), %d at the end",
		indexCycles, listEvery, elapsed.Round(time.Millisecond), s.most, s.samples, end)
}

// indexRaceKeys is how many keys each goroutine of UserIndexRace ties.
const indexRaceKeys = 8

// testUserIndexRace: 16 goroutines tie keys of their own to one user at
// once, untie half of them again and list the user's sessions as they go,
// while entries of deleted records wait to be pruned. The listing is then
// exactly the keys tied and not untied: racing calls never lose each
// other's writes. Run under -race.
func testUserIndexRace(t *testing.T, e *env) {
	ix := e.needIndex(t)
	user := e.keys.user("u")
	// Records tied and deleted without Untie, so that the racing calls
	// find entries to prune.
	for i := range workers {
		k := e.keys.key(fmt.Sprintf("deleted-%d", i))
		e.mustCreate(t, k, []byte("deleted before the race"), time.Hour)
		e.mustTie(t, user, k, time.Hour)
		e.mustDelete(t, k)
	}
	key := func(w, j int) string { return e.keys.key(fmt.Sprintf("worker-%d-%d", w, j)) }
	value := func(w, j int) []byte { return fmt.Appendf(nil, "session %d of worker %d", j, w) }
	own := map[string]bool{}
	for w := range workers {
		for j := range indexRaceKeys {
			e.mustCreate(t, key(w, j), value(w, j), time.Hour)
			own[key(w, j)] = true
		}
	}

	var failures failureLog
	fail := failures.add
	var wg sync.WaitGroup
	begin := make(chan struct{})
	for w := range workers {
		wg.Go(func() {
			<-begin
			for j := range indexRaceKeys {
				if err := ix.Tie(e.ctx, user, key(w, j), time.Hour); err != nil {
					fail("worker %d: Tie(%q, %q): %v", w, user, key(w, j), err)
				}
				if j%4 != 3 {
					continue
				}
				recs, err := ix.UserRecords(e.ctx, user)
				if err != nil {
					fail("worker %d: UserRecords(%q): %v", w, user, err)
				}
				for _, r := range recs {
					if !own[e.keyOf(r.Key)] {
						fail("worker %d: UserRecords(%q) returned %q, which is not a live record tied to the user", w, user, r.Key)
					}
				}
			}
			for j := 1; j < indexRaceKeys; j += 2 {
				if err := ix.Untie(e.ctx, user, key(w, j)); err != nil {
					fail("worker %d: Untie(%q, %q): %v", w, user, key(w, j), err)
				}
			}
		})
	}
	close(begin)
	wg.Wait()
	failures.report(t)

	want := map[string][]byte{}
	not := map[string]string{}
	for w := range workers {
		for j := range indexRaceKeys {
			if j%2 == 0 {
				want[key(w, j)] = value(w, j)
			} else {
				not[key(w, j)] = "which was untied; racing Tie, Untie and UserRecords calls must not undo each other's writes"
			}
		}
	}
	e.expect(t, user, want, not, fmt.Sprintf("after %d goroutines raced Tie, Untie and UserRecords", workers),
		"racing Tie, Untie and UserRecords calls must not lose each other's writes: each must be one atomic step "+
			"of the store (one lock, one transaction or one script)")
	e.checkEntries(t, user, len(want), "after the race and UserRecords")
}

// testUserIndexCanceledContext: with a canceled context, or one whose
// deadline has passed, Tie, Untie and UserRecords return an error that
// wraps the context's error, UserRecords returns no records with it, and
// the index is left as it was.
func testUserIndexCanceledContext(t *testing.T, e *env) {
	ix := e.needIndex(t)
	for _, c := range e.endedContexts(t) {
		t.Run(c.name, func(t *testing.T) {
			user := e.keys.user(c.name)
			tied, fresh := e.keys.key(c.name+"-tied"), e.keys.key(c.name+"-fresh")
			e.mustCreate(t, tied, []byte("tied before the context ended"), time.Hour)
			e.mustCreate(t, fresh, []byte("not tied"), time.Hour)
			e.mustTie(t, user, tied, time.Hour)

			check := func(call string, err error) {
				t.Helper()
				if !errors.Is(err, c.want) {
					t.Errorf("%s with a %s context returned error %v; want an error wrapping %v", call, c.name, err, c.want)
				}
			}
			check(fmt.Sprintf("Tie(%q, %q)", user, fresh), ix.Tie(c.ctx, user, fresh, time.Hour))
			check(fmt.Sprintf("Untie(%q, %q)", user, tied), ix.Untie(c.ctx, user, tied))
			recs, err := ix.UserRecords(c.ctx, user)
			check(fmt.Sprintf("UserRecords(%q)", user), err)
			if len(recs) != 0 {
				t.Errorf("UserRecords(%q) with a %s context returned %d records; want none with the error", user, c.name, len(recs))
			}
			e.expect(t, user, map[string][]byte{tied: []byte("tied before the context ended")}, map[string]string{
				fresh: "which was tied with a " + c.name + " context; Tie must not write when its context has ended",
			}, "after Tie, Untie and UserRecords with a "+c.name+" context", "Untie must not write when its context has ended")
		})
	}
}
