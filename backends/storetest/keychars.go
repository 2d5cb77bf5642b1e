package storetest

import (
	"fmt"
	"testing"
	"time"
)

// idAlphabet is every character a session ID can hold: base64url without
// padding.
const idAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

// idLength is the length of a session ID: 32 random bytes, base64url.
const idLength = 43

// testKeyCharacters: keys shaped like real ones ("session:" + a 43-character
// ID) work with every ID character, and keys that differ only in one
// character, or only in case, are different records. That catches stores
// that escape, trim or case-fold keys (a case-insensitive SQL collation
// would merge "…A" and "…a", and with it two users' sessions).
func testKeyCharacters(t *testing.T, e *env) {
	var ids []string
	// Two IDs that between them hold the whole alphabet.
	ids = append(ids, idAlphabet[:idLength], idAlphabet[idLength:]+idAlphabet[:2*idLength-len(idAlphabet)])
	// One ID per character, all sharing the same first 42 characters, so
	// the last character alone tells them apart.
	base := idAlphabet[10:52]
	for _, c := range idAlphabet {
		ids = append(ids, base+string(c))
	}
	for _, id := range ids {
		if len(id) != idLength {
			t.Fatalf("storetest bug: ID %q has length %d, want %d", id, len(id), idLength)
		}
	}
	for i, id := range ids {
		e.mustSave(t, e.keys.key("session:"+id), fmt.Appendf(nil, "record %d of %s", i, id), time.Hour)
	}
	for i, id := range ids {
		k := e.keys.key("session:" + id)
		checkData(t, fmt.Sprintf("Load(%q)", k), e.mustLoad(t, k), fmt.Appendf(nil, "record %d of %s", i, id))
	}
}
