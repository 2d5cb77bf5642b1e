package filestore

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Locking. Every change to a session file (Create, Replace, DeleteIf,
// Delete and LoadTouch, and the removals made by Load, DeleteExpired and
// pruning) happens while its stripe is locked, as does every change to the index
// files of its record (Tie, Untie, and the removals of markers; see
// userindex.go), and a stripe's lock has two parts:
//
//   - within this process, the write lock of s.locks[stripe], a
//     sync.RWMutex whose read lock Load takes to read a file;
//   - across processes sharing the directory (and across Store values in
//     one process), an exclusive flock(2) on the stripe's lock file,
//     lockDir/<stripe in two hex digits>, through a descriptor opened for
//     the one operation and closed after it.
//
// The lock files are never renamed or removed by the store, so a stripe's
// lock stays the same file while session files are replaced by renaming a
// temporary file over them. A Replace therefore reads the current file,
// compares its data and renames the new one into place with no other
// writer of the stripe, in any process, in between; a Create checks that no
// live file is there and renames with the same guarantee, a DeleteIf
// reads, compares and removes the file with it too, and a Delete or an
// expiry can never fall between a Replace's check and its rename.
//
// Loads need no flock: a rename is atomic, so a reader sees the old file or
// the new one, whole. The one thing a reader in another process can see
// half done is LoadTouch's header rewrite; its checksum then fails, and
// Load looks again with the stripe locked, once that LoadTouch has
// finished.
//
// On systems without flock(2) (see flock_other.go), the lock is the
// in-process part alone, and conditional writes are atomic only among the
// goroutines of one Store.

// lockDir is the directory, inside the store's, that holds the lock files.
// Its name is neither a session file's nor a temporary file's, so scans
// and counts leave it alone.
const lockDir = ".locks"

// lock locks stripe for a change, waiting for other goroutines of this
// Store and then for other processes. It returns the lock file to pass to
// unlock (nil where flock is not used). It fails if the lock file cannot be
// opened or locked, or if ctx ends while it waits for another process.
func (s *Store) lock(ctx context.Context, stripe uint8) (*os.File, error) {
	mu := &s.locks[stripe]
	mu.Lock()
	if !useFlock {
		return nil, nil
	}
	f, err := s.openLockFile(stripe)
	if err == nil {
		err = flockExclusive(ctx, f)
		if err != nil {
			_ = f.Close()
		}
	}
	if err != nil {
		mu.Unlock()
		return nil, fmt.Errorf("lock: %w", err)
	}
	return f, nil
}

// unlock releases what lock took.
func (s *Store) unlock(stripe uint8, f *os.File) {
	if f != nil {
		// Closing the only descriptor releases the flock; funlock first
		// releases it even if a child process inherited a copy in the
		// instant between its fork and its exec.
		_ = funlock(f)
		_ = f.Close()
	}
	s.locks[stripe].Unlock()
}

// openLockFile opens stripe's lock file, creating it (and the lock
// directory, if someone removed it) when missing. When the store's
// directory itself is gone, it fails with checkDir's error rather than
// recreate anything.
func (s *Store) openLockFile(stripe uint8) (*os.File, error) {
	p := filepath.Join(s.dir, lockDir, fmt.Sprintf("%02x", stripe))
	f, err := os.OpenFile(p, os.O_RDONLY|os.O_CREATE, s.mode)
	if err == nil || !errors.Is(err, fs.ErrNotExist) {
		return f, err
	}
	if err := s.checkDir(); err != nil {
		return nil, err
	}
	if err := s.makeLockDir(); err != nil {
		return nil, err
	}
	return os.OpenFile(p, os.O_RDONLY|os.O_CREATE, s.mode)
}

// makeLockDir creates the lock directory if it is missing, with the
// directory permissions that match the file mode (0700 for 0600, 0770 for
// 0660), so that whoever may share the session files may share the locks.
func (s *Store) makeLockDir() error {
	p := filepath.Join(s.dir, lockDir)
	err := os.Mkdir(p, 0o700)
	switch {
	case errors.Is(err, fs.ErrExist):
		return nil
	case err != nil:
		return err
	}
	perm := s.mode | (s.mode&0o444)>>2
	return os.Chmod(p, perm)
}
