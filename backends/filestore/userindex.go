package filestore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/serversession/serversession/sessions"
)

// The index of sessions by user. Two kinds of files, in two folders of the
// store's directory, beside the session files and never read as ones (their
// names are not 64 hex characters):
//
//	.users/<user's hash>/<session file's name>   a marker, empty
//	.ties/<session file's name>                  the hashes of the users the
//	                                             record is tied to, one a line
//
// A user's hash is the SHA-256 of the user ID in lowercase hex, as a
// session file's name is of its key, so no user ID can name a path outside
// the folder, and a listing shows no session ID (nor a user ID, unless it
// is easy enough to guess from its hash). No index file holds a key
// either, as no session file does: whoever reads the directory, or a
// backup of it, finds no session ID to take over. So UserRecords knows a
// record by its file's name only, and returns its handle (see KeyHandle)
// where other stores return the key; Delete and Untie take the handle.
// A user's folder lists that user's sessions, for UserRecords; a record's
// ties file lists its users, so that whatever removes the record (Delete,
// DeleteIf, an expiry, a Create over a dead file, the sweep, the threshold
// prune) removes their markers with it, although the session file, whose
// format is fixed, does not name them. Markers and ties files are written
// to a temporary file in their folder and renamed into place, with the
// store's file mode.
//
// All of a record's index files change with the stripe of its session file
// locked (see lock.go), in this process and in every other process sharing
// the directory, so they change in step with the record: Tie writes only
// while the record is live, and the removal of a record clears its ties
// under the same lock. Tie writes the ties file first and the marker
// second, and Untie and the removals go the other way, so a marker always
// has its line in the ties file, even after a crash in between: a marker
// whose ties file does not name its user is none this store wrote, and
// UserRecords and DeleteExpired drop it. A crash after a record was
// removed and before its index files were can leave them behind: Tie,
// Untie and UserRecords drop the markers of dead records from the user's
// folder, the next Create under the key clears its ties file, and
// DeleteExpired sweeps both folders.
//
// A user's folder is removed when it is left empty, so that the folder of
// users does not keep one entry per user ever seen. A Tie of another key of
// that user, in another process, may then find the folder gone between
// creating it and writing into it, and creates it again.
const (
	usersDir = ".users"
	tiesDir  = ".ties"
)

// The Store lists a user's sessions without a scan.
var _ sessions.UserIndex = (*Store)(nil)

// userHash returns the name of user's folder in usersDir.
func userHash(user string) string {
	sum := sha256.Sum256([]byte(user))
	return hex.EncodeToString(sum[:])
}

// userDir returns the path of the folder of the user whose hash is u.
func (s *Store) userDir(u string) string { return filepath.Join(s.dir, usersDir, u) }

// markerPath returns the path of the marker of session file name in the
// folder of the user whose hash is u.
func (s *Store) markerPath(u, name string) string { return filepath.Join(s.dir, usersDir, u, name) }

// tiesPath returns the path of session file name's ties file.
func (s *Store) tiesPath(name string) string { return filepath.Join(s.dir, tiesDir, name) }

// Tie adds key to user's index, if a live record is stored under key: it
// writes the record's ties file and the user's marker (an empty file),
// with the key's stripe locked. The record keeps the tie through Replace
// and LoadTouch and loses it when it is removed, so ttl is not needed: the
// entry lasts as long as the record. A missing, expired or corrupt record
// is not an error and is not tied (the entry would end at once; an expired
// or corrupt file is removed). Tying a key already tied changes nothing.
// Tie then drops from user's folder the markers of records that are gone.
func (s *Store) Tie(ctx context.Context, user, key string, ttl time.Duration) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("filestore: tie %q: %w", key, err)
	}
	name, stripe := fileName(key)
	u := userHash(user)
	lf, err := s.lock(ctx, stripe)
	if err != nil {
		return fmt.Errorf("filestore: tie %q: %w", key, err)
	}
	err = s.tieLocked(u, name)
	s.unlock(stripe, lf)
	if err != nil {
		return fmt.Errorf("filestore: tie %q: %w", key, err)
	}
	s.pruneUser(ctx, u, name)
	return nil
}

// tieLocked is Tie with the stripe of session file name locked.
func (s *Store) tieLocked(u, name string) error {
	p := filepath.Join(s.dir, name)
	h, err := readHeader(p)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return s.checkDir()
	case err != nil:
		return err
	case h == nil || h.expires <= time.Now().UnixNano():
		s.removeLocked(p)
		return nil
	}
	users, _, err := s.readTies(name)
	if err != nil {
		return err
	}
	if slices.Contains(users, u) {
		if _, err := os.Lstat(s.markerPath(u, name)); err == nil {
			return nil
		}
	} else if err := s.writeIndexFile(filepath.Join(s.dir, tiesDir), name, tiesContent(append(users, u))); err != nil {
		return err
	}
	return s.writeIndexFile(s.userDir(u), name, nil)
}

// Untie removes key from user's index, with the key's stripe locked: the
// user's marker and its line in the record's ties file. key may be a
// handle that UserRecords returned (see KeyHandle) instead of a key. The
// record, if any, is left alone. A key not in user's index is not an
// error. Untie then drops from user's folder the markers of records that
// are gone.
func (s *Store) Untie(ctx context.Context, user, key string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("filestore: untie %q: %w", key, err)
	}
	name, stripe := target(key)
	u := userHash(user)
	lf, err := s.lock(ctx, stripe)
	if err != nil {
		return fmt.Errorf("filestore: untie %q: %w", key, err)
	}
	err = s.untieLocked(u, name)
	s.unlock(stripe, lf)
	if err != nil {
		return fmt.Errorf("filestore: untie %q: %w", key, err)
	}
	s.removeUserDirIfEmpty(u)
	s.pruneUser(ctx, u, "")
	return nil
}

// untieLocked is Untie with the stripe of session file name locked.
func (s *Store) untieLocked(u, name string) error {
	if err := os.Remove(s.markerPath(u, name)); err != nil {
		if err := s.classify(err); err != nil {
			return err
		}
	}
	users, _, err := s.readTies(name)
	if err != nil || !slices.Contains(users, u) {
		return err
	}
	return s.writeTies(name, slices.DeleteFunc(users, func(v string) bool { return v == u }))
}

// UserRecords returns the live records tied to user, each with its expiry
// and, in place of its key, which the index does not keep, its handle (see
// KeyHandle), in no particular order. It lists the user's folder and, for
// each marker, reads the record's ties file and loads the record as Load
// does: its cost is proportional to that user's sessions, never to the
// directory. The marker of a record that is gone (deleted, expired or
// corrupt) is removed and the record not returned, and so is a marker that
// the record's ties file does not name (none this store wrote).
func (s *Store) UserRecords(ctx context.Context, user string) ([]sessions.UserRecord, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("filestore: user records: %w", err)
	}
	u := userHash(user)
	dir := s.userDir(u)
	entries, err := os.ReadDir(dir)
	if err != nil {
		if err := s.classify(err); err != nil {
			return nil, fmt.Errorf("filestore: user records: %w", err)
		}
		return nil, nil
	}
	var (
		out     []sessions.UserRecord
		dropped bool
		now     = time.Now()
	)
	for _, e := range entries {
		name := e.Name()
		if strings.HasPrefix(name, tempPrefix) {
			removeStaleTemp(dir, e, now)
			continue
		}
		stripe, ok := sessionFile(name)
		if !ok {
			continue
		}
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("filestore: user records: %w", err)
		}
		if !e.Type().IsRegular() {
			continue // not the store's
		}
		users, _, err := s.readTies(name)
		if err != nil {
			return nil, fmt.Errorf("filestore: user records: %w", err)
		}
		if !slices.Contains(users, u) {
			// Untied since the listing, or not a marker this store wrote
			// (it writes a marker after its line in the ties file).
			s.dropMarker(ctx, u, name, stripe, true)
			dropped = true
			continue
		}
		data, expires, found, err := s.loadFile(ctx, filepath.Join(s.dir, name), stripe)
		if err != nil {
			return nil, fmt.Errorf("filestore: user records: load %s: %w", name, err)
		}
		if !found {
			s.dropMarker(ctx, u, name, stripe, false)
			dropped = true
			continue
		}
		// The marker was there before the record was read. If it is
		// still there, the record read is one it ties: a record's removal
		// clears its markers before the stripe's lock lets another record
		// be created under the key, so a marker that outlived a removal
		// was written again, by a Tie of the newer record.
		if _, err := os.Lstat(filepath.Join(dir, name)); err != nil {
			continue
		}
		out = append(out, sessions.UserRecord{
			Key:     handleOf(name),
			Record:  sessions.Record{Data: data},
			Expires: time.Unix(0, expires),
		})
	}
	if dropped {
		s.removeUserDirIfEmpty(u)
	}
	return out, nil
}

// pruneUser drops from the folder of the user whose hash is u the markers
// of records that are gone: missing, expired or corrupt. It reads the
// header of each marker's session file, and skips the marker named skip
// (the one just written). Errors are dropped: the call that prunes has
// done its work, and the next one prunes again.
func (s *Store) pruneUser(ctx context.Context, u, skip string) {
	dir := s.userDir(u)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	now := time.Now()
	dropped := false
	for _, e := range entries {
		name := e.Name()
		if strings.HasPrefix(name, tempPrefix) {
			removeStaleTemp(dir, e, now)
			continue
		}
		stripe, ok := sessionFile(name)
		if !ok || name == skip {
			continue
		}
		if ctx.Err() != nil {
			return
		}
		if live, err := s.recordLive(name); err != nil || live {
			continue
		}
		s.dropMarker(ctx, u, name, stripe, false)
		dropped = true
	}
	if dropped {
		s.removeUserDirIfEmpty(u)
	}
}

// recordLive reports whether session file name holds a live record, from
// its header. A missing file is not live; an error is an I/O error.
func (s *Store) recordLive(name string) (bool, error) {
	h, err := readHeader(filepath.Join(s.dir, name))
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return false, nil
	case err != nil:
		return false, err
	}
	return h != nil && h.expires > time.Now().UnixNano(), nil
}

// dropMarker removes the marker of session file name from the folder of
// the user whose hash is u if, with the stripe locked, the record is still
// gone (a dead file is removed, with all its index entries) or, with bad,
// the record's ties file still does not name the user.
func (s *Store) dropMarker(ctx context.Context, u, name string, stripe uint8, bad bool) {
	lf, err := s.lock(ctx, stripe)
	if err != nil {
		return
	}
	defer s.unlock(stripe, lf)
	mp := s.markerPath(u, name)
	if bad {
		if users, _, err := s.readTies(name); err == nil && !slices.Contains(users, u) {
			_ = os.Remove(mp)
		}
		return
	}
	live, err := s.recordLive(name)
	if err != nil || live {
		return
	}
	s.removeLocked(filepath.Join(s.dir, name)) // and its ties, wherever they are
	_ = os.Remove(mp)                          // in case the ties file lacked it
}

// clearTiesLocked removes the index entries of session file name's record:
// the markers its ties file names, then the ties file. The caller holds the
// stripe's lock and has removed the record, or is about to write a new one
// over a dead one. Errors are dropped: an entry left behind is a marker of a
// dead record, which Tie, Untie, UserRecords and the sweep drop.
func (s *Store) clearTiesLocked(name string) {
	users, exists, err := s.readTies(name)
	if err != nil || !exists {
		return
	}
	for _, u := range users {
		if os.Remove(s.markerPath(u, name)) == nil {
			s.removeUserDirIfEmpty(u)
		}
	}
	_ = os.Remove(s.tiesPath(name))
}

// readTies returns the user hashes in session file name's ties file, and
// whether the file exists. Lines that are not a hash are skipped.
func (s *Store) readTies(name string) (users []string, exists bool, err error) {
	raw, err := readFile(s.tiesPath(name))
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, false, nil
	case err != nil:
		return nil, false, err
	}
	for line := range strings.SplitSeq(string(raw), "\n") {
		if _, ok := sessionFile(line); ok && !slices.Contains(users, line) {
			users = append(users, line)
		}
	}
	return users, true, nil
}

// writeTies writes session file name's ties file with users, or removes it
// when there are none. The caller holds the stripe's lock.
func (s *Store) writeTies(name string, users []string) error {
	if len(users) == 0 {
		err := os.Remove(s.tiesPath(name))
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return err
	}
	return s.writeIndexFile(filepath.Join(s.dir, tiesDir), name, tiesContent(users))
}

// tiesContent returns the bytes of a ties file naming users.
func tiesContent(users []string) []byte {
	var b []byte
	for _, u := range users {
		b = append(append(b, u...), '\n')
	}
	return b
}

// writeIndexFile writes data to dir/name through a temporary file in dir,
// renamed into place, with the store's file mode, creating dir (and the
// index folder above it) when missing. A user's folder that another Store
// removed as empty in between is created again, a few times at most.
func (s *Store) writeIndexFile(dir, name string, data []byte) error {
	var err error
	for range 4 {
		err = s.mkdirIndex(dir)
		if err == nil {
			err = s.writeRename(dir, name, data)
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	return err
}

// writeRename is one attempt of writeIndexFile, once dir exists.
func (s *Store) writeRename(dir, name string, data []byte) (err error) {
	f, err := os.CreateTemp(dir, tempPrefix+"*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = f.Close()
			_ = os.Remove(f.Name())
		}
	}()
	if _, err := f.Write(data); err != nil {
		return err
	}
	if err := f.Chmod(s.mode); err != nil {
		return err
	}
	if s.sync {
		if err := f.Sync(); err != nil {
			return err
		}
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(f.Name(), filepath.Join(dir, name)); err != nil {
		_ = os.Remove(f.Name())
		return err
	}
	if s.sync {
		return syncDir(dir)
	}
	return nil
}

// mkdirIndex creates the index folder p if it is missing, and its parent
// when that is an index folder too, with the permissions of the lock
// folder (see makeLockDir). It never creates the store's directory: when
// that is gone, it fails with checkDir's error.
func (s *Store) mkdirIndex(p string) error {
	err := os.Mkdir(p, 0o700)
	if errors.Is(err, fs.ErrNotExist) && filepath.Dir(p) != s.dir {
		if err := s.mkdirIndex(filepath.Dir(p)); err != nil {
			return err
		}
		err = os.Mkdir(p, 0o700)
	}
	switch {
	case err == nil:
		return os.Chmod(p, s.mode|(s.mode&0o444)>>2)
	case errors.Is(err, fs.ErrExist):
		return nil
	case errors.Is(err, fs.ErrNotExist):
		if err := s.checkDir(); err != nil {
			return err
		}
	}
	return err
}

// removeUserDirIfEmpty removes the folder of the user whose hash is u if
// it holds nothing. A folder that is not empty stays (the removal fails).
func (s *Store) removeUserDirIfEmpty(u string) {
	_ = os.Remove(s.userDir(u))
}

// sweepIndex is the part of DeleteExpired that sweeps the index folders,
// after the session files: it removes the ties files of records that are
// gone, the markers of records that are gone or whose ties file does not
// name the marker's user, empty user folders, and temporary files left by
// a crash. Each removal is checked again with the record's stripe locked.
// It returns the first error met, after finishing, or ctx's.
func (s *Store) sweepIndex(ctx context.Context) error {
	now := time.Now()
	var firstErr error
	note := func(err error) {
		if err != nil && !errors.Is(err, fs.ErrNotExist) && firstErr == nil {
			firstErr = err
		}
	}
	ties := filepath.Join(s.dir, tiesDir)
	entries, err := os.ReadDir(ties)
	note(err)
	for _, e := range entries {
		if err := ctx.Err(); err != nil {
			return err
		}
		name := e.Name()
		if strings.HasPrefix(name, tempPrefix) {
			removeStaleTemp(ties, e, now)
			continue
		}
		stripe, ok := sessionFile(name)
		if !ok {
			continue
		}
		if _, err := os.Lstat(filepath.Join(s.dir, name)); !errors.Is(err, fs.ErrNotExist) {
			note(err)
			continue
		}
		note(s.withStripe(ctx, stripe, func() {
			if _, err := os.Lstat(filepath.Join(s.dir, name)); errors.Is(err, fs.ErrNotExist) {
				s.clearTiesLocked(name)
			}
		}))
	}

	users := filepath.Join(s.dir, usersDir)
	entries, err = os.ReadDir(users)
	note(err)
	for _, ue := range entries {
		u := ue.Name()
		if _, ok := sessionFile(u); !ok || !ue.IsDir() {
			continue
		}
		dir := s.userDir(u)
		markers, err := os.ReadDir(dir)
		note(err)
		for _, e := range markers {
			if err := ctx.Err(); err != nil {
				return err
			}
			name := e.Name()
			if strings.HasPrefix(name, tempPrefix) {
				removeStaleTemp(dir, e, now)
				continue
			}
			stripe, ok := sessionFile(name)
			if !ok {
				continue
			}
			if ok, err := s.markerValid(u, name); ok || err != nil {
				note(err)
				continue
			}
			note(s.withStripe(ctx, stripe, func() {
				if ok, err := s.markerValid(u, name); ok || err != nil {
					return
				}
				if live, err := s.recordLive(name); err == nil && !live {
					s.removeLocked(filepath.Join(s.dir, name))
				}
				_ = os.Remove(filepath.Join(dir, name))
			}))
		}
		s.removeUserDirIfEmpty(u)
	}
	return firstErr
}

// markerValid reports whether the marker of session file name in the
// folder of the user whose hash is u ties a live record: the record is
// live and its ties file names the user.
func (s *Store) markerValid(u, name string) (bool, error) {
	live, err := s.recordLive(name)
	if err != nil || !live {
		return false, err
	}
	users, _, err := s.readTies(name)
	return slices.Contains(users, u), err
}

// withStripe runs fn with stripe locked.
func (s *Store) withStripe(ctx context.Context, stripe uint8, fn func()) error {
	lf, err := s.lock(ctx, stripe)
	if err != nil {
		return err
	}
	defer s.unlock(stripe, lf)
	fn()
	return nil
}
