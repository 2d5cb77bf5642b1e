package filestore

import (
	"crypto/sha256"
	"encoding/hex"
	"path/filepath"
	"strings"
)

// A session's file is named by the SHA-256 of its key, in lowercase hex.
// Whatever the key holds (slashes, "..", NUL, any length), the name is 64
// hex characters, so it can neither leave the directory nor collide with
// the store's temporary files, and a directory listing reveals no session
// IDs.
const nameLength = sha256.Size * 2

// tempPrefix starts the name of every temporary file, which the store
// writes before renaming it into place.
const tempPrefix = ".tmp-"

// fileName returns the file name of key and the index of its lock stripe.
func fileName(key string) (name string, stripe uint8) {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:]), sum[0]
}

// path returns the full path of key's file and its lock stripe.
func (s *Store) path(key string) (string, uint8) {
	name, stripe := fileName(key)
	return filepath.Join(s.dir, name), stripe
}

// A handle is what UserRecords returns in place of a key (see
// sessions.KeyHandler): the name of the key's session file between
// handlePrefix and handleSuffix. It ends with a NUL, so no key the Manager
// writes (its KeyPrefix and a session ID of base64url characters) is ever a
// handle, whatever the prefix; and it tells no more of the key than the
// file's name does.
const (
	handlePrefix = "\x00filestore:"
	handleSuffix = "\x00"
)

// handleOf returns the handle of the record in session file name.
func handleOf(name string) string { return handlePrefix + name + handleSuffix }

// KeyHandle returns the handle that UserRecords returns for key, in place
// of the key (see sessions.KeyHandler): Delete and Untie take it in the
// key's place. The index keeps no key in the clear, so UserRecords cannot
// return keys; the handle names the key's session file, which the key's
// SHA-256 names.
func (s *Store) KeyHandle(key string) string {
	name, _ := fileName(key)
	return handleOf(name)
}

// target returns the name of the session file that key names, and its
// lock stripe, for Delete and Untie, which take a handle too: a handle
// names its file, anything else is a key.
func target(key string) (name string, stripe uint8) {
	if n, ok := strings.CutPrefix(key, handlePrefix); ok {
		if n, ok := strings.CutSuffix(n, handleSuffix); ok {
			if stripe, ok := sessionFile(n); ok {
				return n, stripe
			}
		}
	}
	return fileName(key)
}

// sessionFile reports whether name is a session file's name, and if so
// the index of its lock stripe.
func sessionFile(name string) (stripe uint8, ok bool) {
	if len(name) != nameLength || strings.ToLower(name) != name {
		return 0, false
	}
	b, err := hex.DecodeString(name)
	if err != nil {
		return 0, false
	}
	return b[0], true
}
