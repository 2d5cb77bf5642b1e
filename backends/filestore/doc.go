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
//     that name no user, then those that do, the least recently used first
//     within each (see Threshold below).
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
// rename it over the old one, so readers see a whole record or none.
// LoadTouch rewrites only the header, in place, so refreshing a session
// never copies its data and never undoes a concurrent Replace (see
// loadtouch.go for why).
//
// # Corrupt files
//
// The header frames the data, and the store checks that framing on every
// read: the magic, the version, the header's checksum, a file size equal
// to the header's plus the length it announces and, wherever the data is
// read, the data's checksum. A file that fails any of these (truncated,
// damaged, torn, from an unknown version, or not written by this store at
// all) cannot be any service's session record, so it is "corrupt": it is
// treated as missing and removed, by Load, LoadTouch, Create,
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
// # Threshold
//
// The store learns which sessions name a user from the sessions package:
// it marks the context of each Create and Replace of a logged-in session
// (sessions.HasUserHint), and the store keeps that mark in the record's
// header (LoadTouch keeps it too). Past the threshold, anonymous sessions
// are evicted before logged-in ones, so anonymous traffic alone cannot log
// anyone out. What a threshold can still evict: logged-in sessions, least
// recently used first, once no anonymous session is left to evict (more
// logged-in users than the threshold, or anonymous sessions that keep
// coming faster than they age); and, among the anonymous ones, the least
// recently used, such as a cart of a visitor who has not logged in. Size
// the threshold for the logged-in users you expect, or set 0.
//
// # Interfaces
//
// The Store implements sessions.Store; sessions.LoadToucher, so a read that
// refreshes the session reads the file and rewrites its header in one call,
// never the data; and sessions.UserIndex (see Sessions of a user). Close
// and DeleteExpired are for the app: the session middleware never calls
// them.
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
// succeeds wherever they come from. Delete, LoadTouch and the
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
// # Sessions of a user
//
// The Store implements sessions.UserIndex, so Config.Users can list
// and revoke a user's sessions. The session files stay as they are; the
// index lives in two folders beside them, created at the first Tie with the
// permissions of the lock folder, and never read as session files:
//
//	.users/<SHA-256 of the user ID>/<session file's name>   a marker, an empty file
//	.ties/<session file's name>                             the hashed users of that record, one a line
//
// User IDs are hashed as keys are, so no user ID, whatever its bytes or
// length, names a path outside the folder. A listing shows hashes, not
// session IDs; a user ID that is easy to guess (a small number) can be
// found from its hash. No file of the directory holds a storage key or a
// session ID, the index's included: whoever can read the directory, or a
// backup of it, cannot take a session over. So UserRecords cannot return
// keys: it returns in UserRecord.Key a handle of each key instead (the
// name of its session file between "\x00filestore:" and a NUL; see
// KeyHandle and sessions.KeyHandler), which Delete and Untie take in the
// key's place, and the Manager uses as it would the key. Markers and ties
// files get the session files' mode, are written to a temporary file and
// renamed into place, and change only with the stripe of their session
// file locked, across processes too: Tie writes them only while the
// record is live, and whatever removes the record removes them under the
// same lock. A Tie of a key with no live record ties nothing.
//
// Costs, in file operations:
//
//	Tie          read the session file's header; read the ties file, then write it and the marker
//	             (a temporary file and a rename each); then list the user's folder and read the
//	             header of each of the user's other session files, to drop the markers of dead ones
//	Untie        remove the marker, rewrite or remove the ties file; then as Tie, list the
//	             user's folder and drop the markers of dead records
//	UserRecords  list the user's folder; for each marker read the record's ties file, read its
//	             session file as Load does, and check that the marker is still there
//	Create, Delete and every removal of a session file
//	             one more open, of its ties file: none there for an untied record; for a tied
//	             one, one removal per marker and one of the ties file
//	DeleteExpired
//	             after the session files, a walk of both index folders: a stat per ties file,
//	             a header and a ties file read per marker
//
// Tie, Untie and UserRecords thus cost in proportion to that user's
// sessions, never to the directory.
//
// Entries end with their records. Delete, DeleteIf, a Create over an
// expired or corrupt file, and the removal of an expired or corrupt file by
// Load, LoadTouch, Replace, Tie, UserRecords, DeleteExpired, the
// background sweep or the threshold prune each remove the record's markers
// and ties file with it; Replace and LoadTouch keep them. A record
// that expired but whose file is still there keeps its entries until its
// file goes, or until the user's index is next written or listed: Tie,
// Untie and UserRecords drop the markers of the user's dead records.
// UserRecords never returns an expired record. A user's folder is removed
// once it is empty. What a process that died midway, or a process that does
// not keep the index, left behind (markers and ties files of session files
// that are gone) is dropped by the next listing of that user, by the next
// Create under that key, and by DeleteExpired.
//
// # Errors
//
// A missing file is "not found", and so is a corrupt one (after it is
// removed); a missing or unreadable directory is an error, so that a
// misconfigured or unmounted volume shows up as a store failure instead of
// logging everybody out.
package filestore
