// Package filestore is a sessions.Store that keeps one file per session in
// a directory, like Flask-Session's filesystem backend: no server to run,
// sessions survive restarts, and several processes on one machine can share
// the directory.
//
// # Setup
//
//	store, err := filestore.New("./sessions") // created with mode 0700 if missing
//	if err != nil {
//		log.Fatal(err) // says why the directory is unusable
//	}
//	defer store.Close()
//	cfg := sessions.Config{Store: store}
//
// # Options
//
// The defaults are Flask-Session's:
//
//   - WithThreshold(n): at most about n session files (default 500, 0 for no
//     limit). Past it, Create removes expired files first, then the sessions
//     that expire soonest.
//   - WithFileMode(m): permission of session files (default 0600).
//   - WithCleanupInterval(d): a background sweep of expired files every d
//     (default off), stopped by Close.
//   - WithSync(true): fsync every write (default off).
//
// # Files
//
// A session's file is named by the SHA-256 of its key in hex, so that no
// key, whatever its characters, can name a path outside the directory.
// Each file holds a small versioned header (magic, version, expiry in Unix
// nanoseconds, length and checksums) and then the session data; see
// record.go for the layout.
//
// Create and Replace write a temporary file in the same directory and
// rename it over the old one, so readers see a whole record or none. Touch
// and LoadTouch rewrite only the header, in place, so refreshing a session
// never copies its data and never undoes a concurrent Replace (see
// touch.go for why).
//
// # Corrupt files
//
// The header frames the data, and the store checks that framing on every
// read: the magic, the version, the header's checksum, a file size equal
// to the header's plus the length it announces and, wherever the data is
// read, the data's checksum. A file that fails any of these (truncated,
// damaged, torn, from an unknown version, or not written by this store at
// all) cannot be any service's session record, so it is "corrupt": it is
// treated as missing and removed, by Load, LoadTouch, Touch, Create,
// Replace, DeleteIf, DeleteExpired and the pruning alike, and never
// trusted.
//
// The store never decodes the data itself. A well-framed file whose data
// the sessions codec cannot decode (another codec's service may share the
// directory) is a valid record to this store: Load returns it, and it is
// the sessions package that logs it and leaves the file alone. It goes the
// way of any live record: it is removed when it expires, is deleted, or is
// evicted past the threshold.
//
// # Conditional writes
//
// Create writes only where no live file is (an expired or corrupt one
// counts as absent and is written over), and Replace and DeleteIf only
// over a live file whose data still equals the Record the caller loaded
// (Versions are always zero: this store compares bytes); otherwise they change nothing and return an error
// wrapping sessions.ErrConflict. The check and the rename (or, for
// DeleteIf, the removal) happen with the key's lock stripe locked, both
// within the process and, through flock(2) on a lock file in the
// directory's .locks subdirectory, across every process and Store sharing
// the directory, so that of concurrent writes over one record exactly one
// succeeds wherever they come from. Delete, Touch, LoadTouch and the
// removals of expired files take the same lock, so a deleted record is
// never brought back. See lock.go for the design. On systems without
// flock(2) (Windows, Plan 9, Solaris) only the in-process lock exists, and
// only one process should use a directory.
//
// # Expiry and cleanup
//
// An expired record is never returned; reading it removes the file. Files
// nobody reads again are removed when a Create goes past the threshold, when
// DeleteExpired runs (call it on your own schedule) or by the background
// sweep.
//
// # Errors
//
// A missing file is "not found", and so is a corrupt one (after it is
// removed); a missing or unreadable directory is an error, so that a
// misconfigured or unmounted volume shows up as a store failure instead of
// logging everybody out.
package filestore
