package filestore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/serversession/serversession/internal/sweep"
	"github.com/serversession/serversession/sessions"
)

// Store is a sessions.Store that keeps one file per session in a directory.
// It is safe for concurrent use, and its conditional writes stay atomic when
// other processes (or other Stores) use the same directory. Create it with
// New.
type Store struct {
	dir       string
	mode      fs.FileMode
	threshold int
	sync      bool

	// locks orders, within this process, the operations on one file: Load
	// reads under a read lock, while every change takes the write lock and
	// then the stripe's flock (see lock.go). A file's stripe is the first
	// byte of its name's hash.
	locks [256]sync.RWMutex

	count   atomic.Int64 // session files in dir, as far as this process knows
	pruning sync.Mutex   // held by the one prune that runs at a time

	sweeper *sweep.Sweeper // nil unless WithCleanupInterval was given
}

// New returns a Store that keeps its files in dir, creating dir with mode
// 0700 if it does not exist. It fails if dir cannot be created, is not a
// directory, or cannot be listed and written to, and if an option is
// invalid.
func New(dir string, opts ...Option) (*Store, error) {
	o := defaultOptions()
	for _, opt := range opts {
		opt(&o)
	}
	if dir == "" {
		return nil, errors.New("filestore: New: empty directory name; pass the directory that should hold the session files, e.g. \"./sessions\"")
	}
	if o.threshold < 0 {
		return nil, fmt.Errorf("filestore: New: WithThreshold(%d) is negative; use 0 for no limit", o.threshold)
	}
	if o.mode&^fs.ModePerm != 0 || o.mode&0o600 != 0o600 {
		return nil, fmt.Errorf("filestore: New: WithFileMode(%v) must be permission bits that let the owner read and write, such as 0600", o.mode)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("filestore: New: directory %q: %w", dir, err)
	}
	s := &Store{dir: abs, mode: o.mode, threshold: o.threshold, sync: o.sync}
	if err := s.prepareDir(); err != nil {
		return nil, fmt.Errorf("filestore: New: directory %q is not usable: %w", abs, err)
	}
	if o.cleanupInterval > 0 {
		// An error (a directory that cannot be listed) is retried at the
		// next tick; the methods report it to their callers.
		s.sweeper = sweep.Start(o.cleanupInterval, func(ctx context.Context) { _, _ = s.DeleteExpired(ctx) })
	}
	return s, nil
}

// prepareDir creates the directory if needed, checks that files can be
// created in it and listed, and counts the session files already there.
func (s *Store) prepareDir() error {
	if err := os.MkdirAll(s.dir, 0o700); err != nil {
		return err
	}
	if err := s.checkDir(); err != nil {
		return err
	}
	if useFlock {
		if err := s.makeLockDir(); err != nil {
			return err
		}
	}
	f, err := os.CreateTemp(s.dir, tempPrefix+"probe-*")
	if err != nil {
		return err
	}
	probe := f.Name()
	closeErr := f.Close()
	if err := os.Remove(probe); err != nil {
		return err
	}
	if closeErr != nil {
		return closeErr
	}
	n, err := s.countFiles()
	if err != nil {
		return err
	}
	s.count.Store(int64(n))
	return nil
}

// checkDir returns an error unless the store's directory exists and is a
// directory. The methods call it when a file is missing, to tell "no such
// session" from "no such directory".
func (s *Store) checkDir() error {
	fi, err := os.Stat(s.dir)
	if err != nil {
		return err
	}
	if !fi.IsDir() {
		return fmt.Errorf("%s is not a directory", s.dir)
	}
	return nil
}

// Load returns the record stored under key, with a zero Version: Replace
// compares bytes. A missing, expired or corrupt record is (Record{}, false,
// nil); an expired or corrupt file is removed. Corrupt means the file's
// framing fails (header, size or data checksum): such a file is no
// service's record. The data is never decoded here, so a well-framed record
// is returned even if the caller's codec cannot read it, and the file is
// left in place.
func (s *Store) Load(ctx context.Context, key string) (sessions.Record, bool, error) {
	if err := ctx.Err(); err != nil {
		return sessions.Record{}, false, fmt.Errorf("filestore: load %q: %w", key, err)
	}
	p, stripe := s.path(key)
	data, _, found, err := s.loadFile(ctx, p, stripe)
	if err != nil {
		return sessions.Record{}, false, fmt.Errorf("filestore: load %q: %w", key, err)
	}
	if !found {
		return sessions.Record{}, false, nil
	}
	return sessions.Record{Data: data}, true, nil
}

// loadFile returns the data of the live record in the session file at p,
// whose lock stripe is stripe, and its expiry in Unix nanoseconds. Load and
// UserRecords share it; UserRecords knows records by their file's name.
func (s *Store) loadFile(ctx context.Context, p string, stripe uint8) (data []byte, expires int64, found bool, err error) {
	mu := &s.locks[stripe]
	mu.RLock()
	raw, err := readFile(p)
	mu.RUnlock()
	if err != nil {
		return nil, 0, false, s.classify(err)
	}
	now := time.Now().UnixNano()
	if expires, data, err := parseRecord(raw); err == nil && expires > now {
		return data, expires, true, nil
	}

	// Expired or unreadable. Look again with the stripe locked before
	// removing it: another process may have been rewriting the header
	// (a torn read), or replaced the file since.
	lf, err := s.lock(ctx, stripe)
	if err != nil {
		return nil, 0, false, err
	}
	defer s.unlock(stripe, lf)
	return s.readLive(p)
}

// readLive reads the record at p, with its stripe locked, and returns its
// data and expiry if it is live. An expired or corrupt file is removed; a
// missing file is not live; an error is the store failing to answer
// (including a directory that is gone).
func (s *Store) readLive(p string) (data []byte, expires int64, live bool, err error) {
	raw, err := readFile(p)
	if err != nil {
		return nil, 0, false, s.classify(err)
	}
	if expires, data, err := parseRecord(raw); err == nil && expires > time.Now().UnixNano() {
		return data, expires, true, nil
	}
	s.removeLocked(p)
	return nil, 0, false, nil
}

// Create stores data under key, to expire after ttl, if no live record is
// stored there (an expired or corrupt file counts as absent and is written
// over). Otherwise it changes nothing and returns an error wrapping
// sessions.ErrConflict. The check and the rename that puts the new file in
// place happen with the key's stripe locked, against other goroutines and
// other processes alike. A ttl of zero or less is an error.
func (s *Store) Create(ctx context.Context, key string, data []byte, ttl time.Duration) error {
	return s.write(ctx, "create", key, nil, data, ttl)
}

// Replace stores data under key, to expire after ttl, if the live record
// under key holds exactly old.Data (old.Version is not used: this store
// compares bytes). If the record changed, expired or was deleted, it
// changes nothing, creates nothing and returns an error wrapping
// sessions.ErrConflict. The new record is written to a temporary file
// first; reading and comparing the current file and renaming the new one
// over it happen with the key's stripe locked, against other goroutines and
// other processes alike. A ttl of zero or less is an error.
func (s *Store) Replace(ctx context.Context, key string, old sessions.Record, data []byte, ttl time.Duration) error {
	return s.write(ctx, "replace", key, &old, data, ttl)
}

// write is Create (old == nil) and Replace.
func (s *Store) write(ctx context.Context, op, key string, old *sessions.Record, data []byte, ttl time.Duration) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("filestore: %s %q: %w", op, key, err)
	}
	if ttl <= 0 {
		return fmt.Errorf("filestore: %s %q: ttl %v is not positive", op, key, ttl)
	}
	p, stripe := s.path(key)
	tmp, err := s.writeTemp(data, expiry(time.Now(), ttl), sessions.HasUserHint(ctx))
	if err != nil {
		return fmt.Errorf("filestore: %s %q: %w", op, key, err)
	}
	created, err := s.renameIf(ctx, p, stripe, tmp, old)
	if err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("filestore: %s %q: %w", op, key, err)
	}
	if s.sync {
		if err := syncDir(s.dir); err != nil {
			return fmt.Errorf("filestore: %s %q: %w", op, key, err)
		}
	}
	if created {
		if n := s.count.Add(1); s.threshold > 0 && n > int64(s.threshold) {
			s.prune(ctx, filepath.Base(p))
		}
	}
	return nil
}

// renameIf renames tmp over p if p's record is as old says: absent or dead
// when old is nil, live and holding old.Data otherwise. It holds the
// stripe's lock from the check to the rename. It reports whether p did
// not exist before, and returns an error wrapping sessions.ErrConflict when
// the condition fails.
func (s *Store) renameIf(ctx context.Context, p string, stripe uint8, tmp string, old *sessions.Record) (created bool, err error) {
	lf, err := s.lock(ctx, stripe)
	if err != nil {
		return false, err
	}
	defer s.unlock(stripe, lf)
	raw, err := readFile(p)
	switch {
	case err == nil:
	case errors.Is(err, fs.ErrNotExist):
		if err := s.checkDir(); err != nil {
			return false, err
		}
		if old != nil {
			return false, errGone
		}
		// No file, so no record is tied; an index entry left by a process
		// that died while it removed a tied record would tie the new one.
		s.clearTiesLocked(filepath.Base(p))
		return true, os.Rename(tmp, p)
	default:
		return false, err
	}
	expires, current, perr := parseRecord(raw)
	live := perr == nil && expires > time.Now().UnixNano()
	switch {
	case old == nil && live:
		return false, errExists
	case old != nil && !live:
		s.removeLocked(p)
		return false, errGone
	case old != nil && !bytes.Equal(current, old.Data):
		return false, errChanged
	}
	if old == nil {
		// A dead file that Create writes over is neither counted nor
		// uncounted: one file replaces another. Its index entries end
		// with it: the new record starts untied. Replace keeps them.
		s.clearTiesLocked(filepath.Base(p))
	}
	return false, os.Rename(tmp, p)
}

// The conditions that Create, Replace and DeleteIf find failed.
var (
	errExists  = fmt.Errorf("a live record exists: %w", sessions.ErrConflict)
	errGone    = fmt.Errorf("no live record (deleted or expired): %w", sessions.ErrConflict)
	errChanged = fmt.Errorf("the record changed: %w", sessions.ErrConflict)
)

// DeleteIf removes the record under key if the live record under key holds
// exactly old.Data (old.Version is not used: this store compares bytes).
// If the record changed, expired or was deleted, it changes nothing and
// returns an error wrapping sessions.ErrConflict; an expired or corrupt
// file it finds is removed, as Load would. Reading and comparing the file
// and removing it happen with the key's stripe locked, against other
// goroutines and other processes alike, so of a DeleteIf and a Replace
// over the same record exactly one succeeds. A missing directory is an
// error, not a conflict.
func (s *Store) DeleteIf(ctx context.Context, key string, old sessions.Record) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("filestore: delete-if %q: %w", key, err)
	}
	p, stripe := s.path(key)
	lf, err := s.lock(ctx, stripe)
	if err != nil {
		return fmt.Errorf("filestore: delete-if %q: %w", key, err)
	}
	defer s.unlock(stripe, lf)
	if err := s.removeIf(p, old); err != nil {
		return fmt.Errorf("filestore: delete-if %q: %w", key, err)
	}
	return nil
}

// removeIf removes the file at p if its record is live and holds old.Data,
// and returns an error wrapping sessions.ErrConflict if it is not. The
// caller holds p's stripe's lock.
func (s *Store) removeIf(p string, old sessions.Record) error {
	raw, err := readFile(p)
	if err != nil {
		if err := s.classify(err); err != nil {
			return err
		}
		return errGone
	}
	expires, current, perr := parseRecord(raw)
	switch {
	case perr != nil || expires <= time.Now().UnixNano():
		s.removeLocked(p)
		return errGone
	case !bytes.Equal(current, old.Data):
		return errChanged
	}
	if err := os.Remove(p); err != nil {
		if err := s.classify(err); err != nil {
			return err
		}
		// Gone between the read and the removal, which the stripe's lock
		// rules out for this store's writers: someone else removed it.
		s.clearTiesLocked(filepath.Base(p))
		return errGone
	}
	s.count.Add(-1)
	s.clearTiesLocked(filepath.Base(p))
	return nil
}

// Delete removes the record under key, and its index entries. key may be
// a handle that UserRecords returned (see KeyHandle) instead of a key. A
// missing record is not an error, but a missing directory is.
func (s *Store) Delete(ctx context.Context, key string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("filestore: delete %q: %w", key, err)
	}
	name, stripe := target(key)
	p := filepath.Join(s.dir, name)
	lf, err := s.lock(ctx, stripe)
	if err != nil {
		return fmt.Errorf("filestore: delete %q: %w", key, err)
	}
	err = os.Remove(p)
	if err == nil {
		s.count.Add(-1)
	} else {
		err = s.classify(err)
	}
	if err == nil {
		s.clearTiesLocked(filepath.Base(p))
	}
	s.unlock(stripe, lf)
	if err != nil {
		return fmt.Errorf("filestore: delete %q: %w", key, err)
	}
	return nil
}

// classify turns the error of opening or removing a session file into
// what the method should report: nil when the file is simply not there,
// and otherwise an error, including when the whole directory is gone (then
// the store cannot answer, and saying "not found" would log users out).
func (s *Store) classify(err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		return s.checkDir()
	}
	return err
}

// writeTemp writes a record to a new temporary file in the directory, with
// the store's mode, and returns its path. named: the session names a user.
func (s *Store) writeTemp(data []byte, expires int64, named bool) (path string, err error) {
	f, err := os.CreateTemp(s.dir, tempPrefix+"*")
	if err != nil {
		return "", err
	}
	defer func() {
		if err != nil {
			_ = f.Close()
			_ = os.Remove(f.Name())
		}
	}()
	h := newHeader(data, expires, named).encode()
	if _, err := f.Write(h[:]); err != nil {
		return "", err
	}
	if _, err := f.Write(data); err != nil {
		return "", err
	}
	if err := f.Chmod(s.mode); err != nil {
		return "", err
	}
	if s.sync {
		if err := f.Sync(); err != nil {
			return "", err
		}
	}
	if err := f.Close(); err != nil {
		return "", err
	}
	return f.Name(), nil
}

// errNotRegular is what openRegular wraps for a path that is not a regular
// file.
var errNotRegular = errors.New("not a regular file")

// openRegular opens the file at p for reading, and fails unless it is a
// regular file. It returns the file's size, as Stat gave it.
func openRegular(p string) (*os.File, int64, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, 0, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, err
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, 0, fmt.Errorf("%s is %w", p, errNotRegular)
	}
	return f, fi.Size(), nil
}

// readFile reads the whole file at p.
func readFile(p string) ([]byte, error) {
	f, size, err := openRegular(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	buf := make([]byte, size)
	n, err := io.ReadFull(f, buf)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
		return nil, err
	}
	// A file that shrank while it was read comes back short, and the
	// parser finds it truncated.
	return buf[:n], nil
}

// removeLocked removes the session file at p, and the index entries of its
// record. The caller holds its stripe's lock. A file that is already gone
// is fine.
func (s *Store) removeLocked(p string) {
	err := os.Remove(p)
	if err == nil {
		s.count.Add(-1)
	}
	if err == nil || errors.Is(err, fs.ErrNotExist) {
		s.clearTiesLocked(filepath.Base(p))
	}
}

// expiry returns the Unix nanosecond time ttl after now, saturating
// instead of overflowing for absurdly long TTLs.
func expiry(now time.Time, ttl time.Duration) int64 {
	n := now.UnixNano()
	if int64(ttl) > math.MaxInt64-n {
		return math.MaxInt64
	}
	return n + int64(ttl)
}

// syncDir flushes the directory entry of a rename to disk.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if closeErr := d.Close(); err == nil {
		err = closeErr
	}
	return err
}
