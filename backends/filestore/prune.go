package filestore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/serversession/serversession/internal/evict"
)

// staleTempAge is how old a temporary file must be before a scan removes
// it: it was left by a process that died between writing and renaming.
const staleTempAge = time.Hour

// liveFile is a session file that a scan found valid and unexpired.
type liveFile struct {
	name    string
	stripe  uint8
	expires int64
	named   bool // the session names a user: evicted after those that do not
}

// DeleteExpired removes every expired or corrupt session file, with its
// index entries, and temporary files left behind by a crash, and returns
// how many session files it removed. It then sweeps the index folders for
// entries whose record is gone (left by a process that died, or by one
// that does not keep the index). Call it on a schedule of your own
// (Flask-Session's SESSION_CLEANUP_N_REQUESTS), or let WithCleanupInterval
// call it. It stops early, returning an error that wraps ctx.Err(), when
// ctx ends.
func (s *Store) DeleteExpired(ctx context.Context) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("filestore: delete expired: %w", err)
	}
	live, removed, err := s.scan(ctx)
	if err != nil {
		return removed, fmt.Errorf("filestore: delete expired: %w", err)
	}
	s.count.Store(int64(len(live)))
	if err := s.sweepIndex(ctx); err != nil {
		return removed, fmt.Errorf("filestore: delete expired: index: %w", err)
	}
	return removed, nil
}

// prune runs after a Create has taken the file count past the threshold. It
// removes expired and corrupt files, then live sessions until 90% of the
// threshold is left, so that the next prune is a while away: those that
// name no user before those that do, and among each the least recently
// used (the soonest to expire, since each use sets the expiry a Lifetime
// ahead) first (see internal/evict). So anonymous traffic cannot push
// logged-in users out while anonymous sessions remain to evict. keep is the
// file just created, which is never evicted. Only
// one prune runs at a time; a Create that finds one running does not wait.
// Errors are dropped: the Create itself has succeeded, and the next one
// tries again.
func (s *Store) prune(ctx context.Context, keep string) {
	if !s.pruning.TryLock() {
		return
	}
	defer s.pruning.Unlock()
	live, _, err := s.scan(ctx)
	if ctx.Err() != nil || err != nil && len(live) == 0 {
		// A scan cut short has seen only part of the directory: its count
		// would be too low and put off the next prune.
		return
	}
	target := s.threshold - s.threshold/10
	remaining := len(live)
	if remaining > target {
		live = slices.DeleteFunc(live, func(f liveFile) bool { return f.name == keep })
		slices.SortFunc(live, func(a, b liveFile) int { return evict.Compare(a.named, a.expires, b.named, b.expires) })

		for _, f := range live {
			if remaining <= target || ctx.Err() != nil {
				break
			}
			if s.evict(ctx, f) {
				remaining--
			}
		}
	}
	s.count.Store(int64(remaining))
}

// scan reads the header of every session file in the directory, removes
// the expired and corrupt ones and stale temporary files, and returns the
// live ones. It returns an error if the directory cannot be listed, if ctx
// ends, or (after finishing) if some file could not be read.
func (s *Store) scan(ctx context.Context) ([]liveFile, int64, error) {
	entries, err := os.ReadDir(s.dir)
	if err != nil {
		return nil, 0, err
	}
	var (
		live     []liveFile
		removed  int64
		firstErr error
	)
	now := time.Now()
	for _, e := range entries {
		if err := ctx.Err(); err != nil {
			return live, removed, err
		}
		name := e.Name()
		if strings.HasPrefix(name, tempPrefix) {
			removeStaleTemp(s.dir, e, now)
			continue
		}
		stripe, ok := sessionFile(name)
		if !ok {
			continue
		}
		h, err := readHeader(filepath.Join(s.dir, name))
		switch {
		case errors.Is(err, fs.ErrNotExist):
			// Deleted since the listing.
		case err != nil:
			if firstErr == nil {
				firstErr = err
			}
		case h == nil || h.expires <= now.UnixNano():
			if s.removeIfDead(ctx, name, stripe, now.UnixNano()) {
				removed++
			} else {
				live = append(live, liveFile{name: name, stripe: stripe})
			}
		default:
			live = append(live, liveFile{name: name, stripe: stripe, expires: h.expires, named: h.named})
		}
	}
	return live, removed, firstErr
}

// countFiles counts the session files in the directory.
func (s *Store) countFiles() (int, error) {
	entries, err := os.ReadDir(s.dir)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, e := range entries {
		if _, ok := sessionFile(e.Name()); ok {
			n++
		}
	}
	return n, nil
}

// readHeader reads the header of the file at p. It returns a nil header,
// and no error, when the file is not a valid record (corrupt, truncated,
// unknown version, or a size that disagrees with the header).
func readHeader(p string) (*header, error) {
	f, size, err := openRegular(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var b [headerSize]byte
	if _, err := io.ReadFull(f, b[:]); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, nil
		}
		return nil, err
	}
	h, err := parseHeader(b[:])
	if err != nil || h.checkSize(size) != nil {
		return nil, nil
	}
	return &h, nil
}

// removeIfDead removes a session file that a scan found expired or
// corrupt, after checking again with its stripe locked (a Create may have
// written a new record since, or another process may have been rewriting
// the header). It reports whether the file is gone.
func (s *Store) removeIfDead(ctx context.Context, name string, stripe uint8, now int64) bool {
	p := filepath.Join(s.dir, name)
	lf, err := s.lock(ctx, stripe)
	if err != nil {
		return false
	}
	defer s.unlock(stripe, lf)
	h, err := readHeader(p)
	if errors.Is(err, fs.ErrNotExist) {
		return true
	}
	if err != nil || (h != nil && h.expires > now) {
		return false
	}
	s.removeLocked(p)
	return true
}

// evict removes a live session file to make room, unless it changed since
// the scan (touched or replaced, so no longer among the oldest). It
// reports whether the file is gone.
func (s *Store) evict(ctx context.Context, f liveFile) bool {
	p := filepath.Join(s.dir, f.name)
	lf, err := s.lock(ctx, f.stripe)
	if err != nil {
		return false
	}
	defer s.unlock(f.stripe, lf)
	h, err := readHeader(p)
	if errors.Is(err, fs.ErrNotExist) {
		return true
	}
	if err != nil || (h != nil && h.expires != f.expires) {
		return false
	}
	s.removeLocked(p)
	return true
}

// removeStaleTemp removes the temporary file e of dir if it is older than
// staleTempAge.
func removeStaleTemp(dir string, e fs.DirEntry, now time.Time) {
	fi, err := e.Info()
	if err != nil || now.Sub(fi.ModTime()) < staleTempAge {
		return
	}
	_ = os.Remove(filepath.Join(dir, e.Name()))
}
