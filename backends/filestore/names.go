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
