package sessions

import (
	"crypto/rand"
	"encoding/base64"
)

// Session IDs are DefaultIDLength random bytes from crypto/rand, encoded as
// unpadded base64url: 43 characters for 32 bytes, as Flask-Session's
// secrets.token_urlsafe(32).
const (
	// DefaultIDLength is the number of random bytes in a session ID
	// (Flask-Session's SESSION_ID_LENGTH).
	DefaultIDLength = 32

	minIDLength = 16  // bytes; less is guessable
	maxIDChars  = 256 // characters accepted from a cookie
)

// newID returns a fresh random session ID of n bytes.
func newID(n int) string {
	b := make([]byte, n)
	rand.Read(b) // never returns an error; it crashes the program if the OS fails.
	return base64.RawURLEncoding.EncodeToString(b)
}

// validID reports whether id could have been made by newID (or by
// Flask-Session): base64url characters only, of a plausible length. It keeps
// client-chosen bytes out of store keys; readCookie also requires the exact
// length of Config.IDLength.
func validID(id string) bool {
	if len(id) < base64.RawURLEncoding.EncodedLen(minIDLength) || len(id) > maxIDChars {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}
