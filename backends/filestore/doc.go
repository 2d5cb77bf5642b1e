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
//     limit). Past it, Save removes expired files first, then the sessions
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
// record.go for the layout. A file that is truncated, damaged or from an
// unknown version is treated as missing and removed, never trusted.
//
// Save writes a temporary file in the same directory and renames it over
// the old one, so readers see a whole record or none. Touch and LoadTouch
// rewrite only the header, in place, so refreshing a session never copies
// its data and never undoes a concurrent Save (see touch.go for why).
//
// # Expiry and cleanup
//
// An expired record is never returned; reading it removes the file. Files
// nobody reads again are removed when a Save goes past the threshold, when
// DeleteExpired runs (call it on your own schedule) or by the background
// sweep.
//
// # Errors
//
// A missing file is "not found"; a missing or unreadable directory is an
// error, so that a misconfigured or unmounted volume shows up as a store
// failure instead of logging everybody out.
package filestore
