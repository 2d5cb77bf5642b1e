package filestore

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/serversession/serversession/sessions"
)

// LoadTouch returns the record under key, with a zero Version, and sets it
// to expire after ttl, opening the file once. A missing, expired or corrupt
// record is (Record{}, false, nil) and stays missing.
//
// It extends the session by rewriting the 29-byte header of its file in
// place (one WriteAt at offset 0), not by writing a new file.
//
// Why in place rather than a temporary file and a rename, as Create and
// Replace do:
//
//   - It costs one small write whatever the session's size, where a rename
//     would copy all of the data.
//   - It cannot lose an update, nor bring back a deleted record. A rewrite
//     would read the data, then write it back under a new expiry; a Replace
//     or Delete that landed in between (another request of the same user)
//     would be undone, a known flaw of Flask-Session's file backend.
//     LoadTouch holds the stripe's lock (in-process and flock, see
//     lock.go) from opening the file to writing its header, so no Replace
//     or Delete of any process falls in between, and it only ever writes
//     into a file that exists: a missing file stays missing.
//   - A torn header is detected. Within this process, readers of the file
//     wait on its lock. Another process could read the header half written;
//     the header checksum then fails, and that reader looks again with the
//     stripe locked before it gives up on the file.
func (s *Store) LoadTouch(ctx context.Context, key string, ttl time.Duration) (sessions.Record, bool, error) {
	if err := ctx.Err(); err != nil {
		return sessions.Record{}, false, fmt.Errorf("filestore: load-touch %q: %w", key, err)
	}
	if ttl <= 0 {
		return sessions.Record{}, false, fmt.Errorf("filestore: load-touch %q: ttl %v is not positive", key, ttl)
	}
	data, found, err := s.touch(ctx, key, ttl)
	if err != nil {
		return sessions.Record{}, false, fmt.Errorf("filestore: load-touch %q: %w", key, err)
	}
	if !found {
		return sessions.Record{}, false, nil
	}
	return sessions.Record{Data: data}, true, nil
}

// touch reads and checks key's record, rewrites the header of its file
// with a new expiry and returns the data. A missing file answers not found
// (or the directory's error, when the directory is gone), and is never
// created: the file is opened without O_CREATE.
func (s *Store) touch(ctx context.Context, key string, ttl time.Duration) (data []byte, found bool, err error) {
	p, stripe := s.path(key)
	lf, err := s.lock(ctx, stripe)
	if err != nil {
		return nil, false, err
	}
	defer s.unlock(stripe, lf)
	f, err := os.OpenFile(p, os.O_RDWR, 0)
	if err != nil {
		return nil, false, s.classify(err)
	}
	h, data, live, err := readForTouch(f)
	if err != nil {
		_ = f.Close()
		return nil, false, err
	}
	if !live {
		_ = f.Close()
		s.removeLocked(p)
		return nil, false, nil
	}
	h.expires = expiry(time.Now(), ttl)
	b := h.encode()
	_, err = f.WriteAt(b[:], 0)
	if err == nil && s.sync {
		err = f.Sync()
	}
	if closeErr := f.Close(); err == nil {
		err = closeErr
	}
	if err != nil {
		return nil, false, err
	}
	return data, true, nil
}

// readForTouch reads the whole record in f and reports whether it is live.
// An error is an I/O error; a corrupt or expired record is live == false.
func readForTouch(f *os.File) (h header, data []byte, live bool, err error) {
	fi, err := f.Stat()
	if err != nil {
		return header{}, nil, false, err
	}
	if !fi.Mode().IsRegular() {
		return header{}, nil, false, fmt.Errorf("%s is %w", f.Name(), errNotRegular)
	}
	buf := make([]byte, fi.Size())
	n, err := io.ReadFull(f, buf)
	if err != nil && err != io.ErrUnexpectedEOF {
		return header{}, nil, false, err
	}
	expires, data, err := parseRecord(buf[:n])
	if err != nil || expires <= time.Now().UnixNano() {
		return header{}, nil, false, nil
	}
	h, _ = parseHeader(buf) // cannot fail: parseRecord checked it
	return h, data, true, nil
}
