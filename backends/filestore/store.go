package filestore

import (
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
)

// Store is a sessions.Store that keeps one file per session in a directory.
// It is safe for concurrent use. Create it with New.
type Store struct {
	dir       string
	mode      fs.FileMode
	threshold int
	sync      bool

	// locks orders, within this process, the operations on one file: Load
	// reads under a read lock, while Save's rename, Touch's header rewrite
	// and removals take the write lock. A file's stripe is the first byte
	// of its name's hash.
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

// Load returns the record stored under key. A missing, expired or corrupt
// record is (nil, false, nil); an expired or corrupt file is removed.
func (s *Store) Load(ctx context.Context, key string) ([]byte, bool, error) {
	if err := ctx.Err(); err != nil {
		return nil, false, fmt.Errorf("filestore: load %q: %w", key, err)
	}
	p, stripe := s.path(key)
	lock := &s.locks[stripe]
	lock.RLock()
	raw, err := readFile(p)
	lock.RUnlock()
	if err != nil {
		if err := s.classify(err); err != nil {
			return nil, false, fmt.Errorf("filestore: load %q: %w", key, err)
		}
		return nil, false, nil
	}
	now := time.Now().UnixNano()
	if expires, data, err := parseRecord(raw); err == nil && expires > now {
		return data, true, nil
	}

	// Expired or unreadable. Look again under the write lock before
	// removing it: another process may have been rewriting the header
	// (a torn read), or replaced the file since.
	lock.Lock()
	defer lock.Unlock()
	raw, err = readFile(p)
	if err != nil {
		if err := s.classify(err); err != nil {
			return nil, false, fmt.Errorf("filestore: load %q: %w", key, err)
		}
		return nil, false, nil
	}
	if expires, data, err := parseRecord(raw); err == nil && expires > now {
		return data, true, nil
	}
	s.removeLocked(p)
	return nil, false, nil
}

// Save stores data under key, replacing any record, to expire after ttl.
// It writes a temporary file in the directory and renames it over the old
// one, so a reader sees either the old record or the new one, whole. A ttl
// of zero or less is an error.
func (s *Store) Save(ctx context.Context, key string, data []byte, ttl time.Duration) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("filestore: save %q: %w", key, err)
	}
	if ttl <= 0 {
		return fmt.Errorf("filestore: save %q: ttl %v is not positive", key, ttl)
	}
	p, stripe := s.path(key)
	tmp, err := s.writeTemp(data, expiry(time.Now(), ttl))
	if err != nil {
		return fmt.Errorf("filestore: save %q: %w", key, err)
	}
	lock := &s.locks[stripe]
	lock.Lock()
	_, statErr := os.Lstat(p)
	err = os.Rename(tmp, p)
	lock.Unlock()
	if err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("filestore: save %q: %w", key, err)
	}
	if s.sync {
		if err := syncDir(s.dir); err != nil {
			return fmt.Errorf("filestore: save %q: %w", key, err)
		}
	}
	if errors.Is(statErr, fs.ErrNotExist) {
		if n := s.count.Add(1); s.threshold > 0 && n > int64(s.threshold) {
			s.prune(ctx, filepath.Base(p))
		}
	}
	return nil
}

// Delete removes the record under key. A missing record is not an error,
// but a missing directory is.
func (s *Store) Delete(ctx context.Context, key string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("filestore: delete %q: %w", key, err)
	}
	p, stripe := s.path(key)
	s.locks[stripe].Lock()
	err := os.Remove(p)
	s.locks[stripe].Unlock()
	if err != nil {
		if err := s.classify(err); err != nil {
			return fmt.Errorf("filestore: delete %q: %w", key, err)
		}
		return nil
	}
	s.count.Add(-1)
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
// the store's mode, and returns its path.
func (s *Store) writeTemp(data []byte, expires int64) (path string, err error) {
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
	h := newHeader(data, expires).encode()
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
		return nil, 0, fmt.Errorf("%s is not a regular file", p)
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

// removeLocked removes the file at p. The caller holds its stripe's write
// lock. A file that is already gone is fine.
func (s *Store) removeLocked(p string) {
	if err := os.Remove(p); err == nil {
		s.count.Add(-1)
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
