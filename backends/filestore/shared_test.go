package filestore_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/serversession/serversession/backends/filestore"
	"github.com/serversession/serversession/sessions"
)

// openShared opens n Stores on one directory, as n processes of an app
// would.
func openShared(t *testing.T, n int) []*filestore.Store {
	t.Helper()
	dir := t.TempDir()
	stores := make([]*filestore.Store, n)
	for i := range stores {
		s, err := filestore.New(dir)
		if err != nil {
			t.Fatalf("New #%d on the shared directory: %v", i, err)
		}
		t.Cleanup(func() { _ = s.Close() })
		stores[i] = s
	}
	return stores
}

// raceShared runs write(w) in workers goroutines at once and returns the
// workers whose write succeeded; an error that is not a conflict fails t.
func raceShared(t *testing.T, r, workers int, op string, write func(w int) error) []int {
	t.Helper()
	var (
		mu      sync.Mutex
		winners []int
		wg      sync.WaitGroup
	)
	start := make(chan struct{})
	for w := range workers {
		wg.Go(func() {
			<-start
			err := write(w)
			switch {
			case err == nil:
				mu.Lock()
				winners = append(winners, w)
				mu.Unlock()
			case !errors.Is(err, sessions.ErrConflict):
				t.Errorf("round %d, worker %d: %s failed with an error that is not a conflict: %v", r, w, op, err)
			}
		})
	}
	close(start)
	wg.Wait()
	return winners
}

// wantEverywhere fails t unless every Store loads want at key.
func wantEverywhere(t *testing.T, stores []*filestore.Store, r int, key, want string) {
	t.Helper()
	for i, s := range stores {
		got, found, err := s.Load(t.Context(), key)
		if err != nil || !found || string(got.Data) != want {
			t.Fatalf("round %d: Load through Store #%d = (%q, %v, %v); want the winner's %q", r, i, got.Data, found, err, want)
		}
	}
}

// TestSharedDirectoryReplaceRace: two Stores on one directory (which
// exclude each other only through the lock files, as two processes do)
// race 16 Replaces of one key over the same record, round after round.
// Exactly one wins each round and the others conflict.
func TestSharedDirectoryReplaceRace(t *testing.T) {
	stores := openShared(t, 2)
	ctx := t.Context()
	const key, workers, rounds = "session:shared", 16, 30
	if err := stores[0].Create(ctx, key, []byte("created"), time.Hour); err != nil {
		t.Fatal(err)
	}
	for r := range rounds {
		rec, found, err := stores[r%2].Load(ctx, key)
		if err != nil || !found {
			t.Fatalf("round %d: Load = (found %v, err %v); want the record", r, found, err)
		}
		winners := raceShared(t, r, workers, "Replace", func(w int) error {
			return stores[w%2].Replace(ctx, key, rec, fmt.Appendf(nil, "round %d, worker %d", r, w), time.Hour)
		})
		if len(winners) != 1 {
			t.Fatalf("round %d: %d of %d Replaces over the same record succeeded (workers %v) across two Stores on one "+
				"directory; want exactly one", r, len(winners), workers, winners)
		}
		wantEverywhere(t, stores, r, key, fmt.Sprintf("round %d, worker %d", r, winners[0]))
	}
}

// TestSharedDirectoryCreateRace: 16 Creates of one fresh key, spread over
// two Stores on one directory, have exactly one winner.
func TestSharedDirectoryCreateRace(t *testing.T) {
	stores := openShared(t, 2)
	ctx := t.Context()
	const workers, rounds = 16, 30
	for r := range rounds {
		key := fmt.Sprint("session:fresh-", r)
		winners := raceShared(t, r, workers, "Create", func(w int) error {
			return stores[w%2].Create(ctx, key, []byte(strconv.Itoa(w)), time.Hour)
		})
		if len(winners) != 1 {
			t.Fatalf("round %d: %d of %d Creates of one fresh key succeeded (workers %v) across two Stores on one "+
				"directory; want exactly one", r, len(winners), workers, winners)
		}
		got, found, err := stores[(r+1)%2].Load(ctx, key)
		if err != nil || !found || string(got.Data) != strconv.Itoa(winners[0]) {
			t.Fatalf("round %d: Load = (%q, %v, %v); want the winner's %d", r, got.Data, found, err, winners[0])
		}
	}
}

// TestSharedDirectoryDeleteIfRace: two Stores on one directory race 16
// writes over the same record, half DeleteIf and half Replace, round after
// round. Exactly one wins each round: after a DeleteIf, neither Store finds
// the record (and the next round creates it again); after a Replace, both
// find the winner's bytes.
func TestSharedDirectoryDeleteIfRace(t *testing.T) {
	stores := openShared(t, 2)
	ctx := t.Context()
	const key, workers, rounds = "session:emptied", 16, 30
	if err := stores[0].Create(ctx, key, []byte("created"), time.Hour); err != nil {
		t.Fatal(err)
	}
	for r := range rounds {
		rec, found, err := stores[r%2].Load(ctx, key)
		if err != nil || !found {
			t.Fatalf("round %d: Load = (found %v, err %v); want the record", r, found, err)
		}
		deletes := func(w int) bool { return (w/2+r)%2 == 0 } // both kinds on both Stores
		winners := raceShared(t, r, workers, "DeleteIf or Replace", func(w int) error {
			if deletes(w) {
				return stores[w%2].DeleteIf(ctx, key, rec)
			}
			return stores[w%2].Replace(ctx, key, rec, fmt.Appendf(nil, "round %d, worker %d", r, w), time.Hour)
		})
		if len(winners) != 1 {
			t.Fatalf("round %d: %d of %d DeleteIfs and Replaces over the same record succeeded (workers %v) across two "+
				"Stores on one directory; want exactly one", r, len(winners), workers, winners)
		}
		if deletes(winners[0]) {
			for i, s := range stores {
				if got, found, err := s.Load(ctx, key); err != nil || found {
					t.Fatalf("round %d: Load through Store #%d after worker %d's DeleteIf won = (%q, %v, %v); want not found",
						r, i, winners[0], got.Data, found, err)
				}
			}
			if err := stores[r%2].Create(ctx, key, fmt.Appendf(nil, "created again after round %d", r), time.Hour); err != nil {
				t.Fatalf("round %d: Create after the DeleteIf: %v", r, err)
			}
			continue
		}
		wantEverywhere(t, stores, r, key, fmt.Sprintf("round %d, worker %d", r, winners[0]))
	}
}

// TestSharedDirectoryDeleteStaysDeleted: a record deleted through one Store
// is not brought back by a Replace, DeleteIf or LoadTouch through
// another.
func TestSharedDirectoryDeleteStaysDeleted(t *testing.T) {
	stores := openShared(t, 2)
	ctx := t.Context()
	const key = "session:logout"
	if err := stores[0].Create(ctx, key, []byte("logged in"), time.Hour); err != nil {
		t.Fatal(err)
	}
	rec, found, err := stores[1].Load(ctx, key)
	if err != nil || !found {
		t.Fatalf("Load through the second Store = (found %v, err %v); want the record", found, err)
	}
	if err := stores[0].Delete(ctx, key); err != nil {
		t.Fatal(err)
	}
	if err := stores[1].Replace(ctx, key, rec, []byte("written after logout"), time.Hour); !errors.Is(err, sessions.ErrConflict) {
		t.Errorf("Replace through the second Store after a Delete through the first returned %v; want a conflict", err)
	}
	if err := stores[1].DeleteIf(ctx, key, rec); !errors.Is(err, sessions.ErrConflict) {
		t.Errorf("DeleteIf through the second Store after a Delete through the first returned %v; want a conflict", err)
	}
	if got, found, err := stores[1].LoadTouch(ctx, key, time.Hour); err != nil || found {
		t.Errorf("LoadTouch of the deleted record = (%q, %v, %v); want not found", got.Data, found, err)
	}
	if got, found, err := stores[0].Load(ctx, key); err != nil || found {
		t.Errorf("Load after Delete, Replace, DeleteIf and LoadTouch = (%q, %v, %v); want not found", got.Data, found, err)
	}
}

// childDirEnv, when set, makes TestSharedDirectoryTwoProcesses the second
// process: it increments the counter in that directory.
const childDirEnv = "FILESTORE_TEST_CHILD_DIR"

// Each process increments the shared counter this many times, from
// incrementers goroutines.
const (
	increments    = 150
	incrementers  = 4
	counterKey    = "session:counter"
	maxIncAttempt = 100 * increments
)

// TestSharedDirectoryTwoProcesses: this test binary and a second copy of
// it, run as a child process, increment one counter record in a shared
// directory at the same time, each by load, add one, and Replace over the
// loaded record (reloading on a conflict). If any Replace of one process
// overwrote a write of the other, an increment would be lost and the
// final count would fall short.
func TestSharedDirectoryTwoProcesses(t *testing.T) {
	if dir := os.Getenv(childDirEnv); dir != "" {
		s, err := filestore.New(dir)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		fmt.Println("ready")
		if err := increment(t.Context(), s); err != nil {
			t.Fatal(err)
		}
		return
	}
	if testing.Short() {
		t.Skip("starts a second process")
	}
	dir := t.TempDir()
	s, err := filestore.New(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	ctx := t.Context()
	if err := s.Create(ctx, counterKey, []byte("0"), time.Hour); err != nil {
		t.Fatal(err)
	}

	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestSharedDirectoryTwoProcesses$", "-test.count=1")
	cmd.Env = append(os.Environ(), childDirEnv+"="+dir)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr lockedBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := bufio.NewScanner(stdout)
	var output []string
	ready := false
	for !ready && lines.Scan() {
		output = append(output, lines.Text())
		ready = lines.Text() == "ready"
	}
	if !ready {
		_ = cmd.Wait()
		t.Fatalf("the child process never said it was ready:\n%v\n%s", output, stderr.String())
	}
	parentErr := increment(ctx, s)
	for lines.Scan() {
		output = append(output, lines.Text())
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("the child process failed: %v\n%v\n%s", err, output, stderr.String())
	}
	if parentErr != nil {
		t.Fatal(parentErr)
	}
	rec, found, err := s.Load(ctx, counterKey)
	if err != nil || !found {
		t.Fatalf("Load of the counter = (found %v, err %v)", found, err)
	}
	want := 2 * increments * incrementers
	if got, err := strconv.Atoi(string(rec.Data)); err != nil || got != want {
		t.Fatalf("the counter is %q after %d increments in each of two processes; want %d: Replaces of the two "+
			"processes overwrote each other", rec.Data, increments*incrementers, want)
	}
}

// increment adds increments×incrementers to the counter in s, each by a
// Load and a Replace over the loaded record, retried on a conflict.
func increment(ctx context.Context, s *filestore.Store) error {
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
	)
	for range incrementers {
		wg.Go(func() {
			if err := incrementN(ctx, s, increments); err != nil {
				mu.Lock()
				if first == nil {
					first = err
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return first
}

// incrementN adds n to the counter in s.
func incrementN(ctx context.Context, s *filestore.Store, n int) error {
	for done, attempts := 0, 0; done < n; attempts++ {
		if attempts == maxIncAttempt {
			return fmt.Errorf("%d increments of %d done after %d attempts; want far fewer conflicts", done, n, attempts)
		}
		rec, found, err := s.Load(ctx, counterKey)
		if err != nil || !found {
			return fmt.Errorf("Load of the counter = (found %v, err %v)", found, err)
		}
		v, err := strconv.Atoi(string(rec.Data))
		if err != nil {
			return fmt.Errorf("the counter holds %q: %v", rec.Data, err)
		}
		err = s.Replace(ctx, counterKey, rec, []byte(strconv.Itoa(v+1)), time.Hour)
		switch {
		case err == nil:
			done++
		case !errors.Is(err, sessions.ErrConflict):
			return fmt.Errorf("Replace of the counter: %w", err)
		}
	}
	return nil
}

// lockedBuffer collects a child's stderr.
type lockedBuffer struct {
	mu  sync.Mutex
	buf []byte
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf = append(b.buf, p...)
	return len(p), nil
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return string(b.buf)
}
