package storetest

import (
	"bytes"
	"fmt"
	"strings"
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
	value := func(i int) []byte { return fmt.Appendf(nil, "record %d of %s", i, ids[i]) }
	owner := map[string]int{} // value -> index of the ID it was saved under
	for i, id := range ids {
		e.mustCreate(t, e.keys.key("session:"+id), value(i), time.Hour)
		owner[string(value(i))] = i
	}
	var wrong, caseFolded int
	for i, id := range ids {
		k := e.keys.key("session:" + id)
		got := e.mustLoad(t, k)
		if bytes.Equal(got, value(i)) {
			continue
		}
		wrong++
		if j, ok := owner[string(got)]; ok && strings.EqualFold(ids[j], id) {
			caseFolded++
		}
		if wrong <= maxKeyReports {
			t.Errorf("Load(%q) returned the wrong data: %s", k, diff(got, value(i)))
		}
	}
	if wrong > maxKeyReports {
		t.Errorf("... %d keys of %d returned the wrong data in all", wrong, len(ids))
	}
	if caseFolded > 0 {
		t.Errorf("%d keys returned the record of a key that differs only in letter case: the store compares keys "+
			"case-insensitively (on MySQL/MariaDB, a *_ci collation on the key column), so two users' session IDs can "+
			"share one record; session IDs are case-sensitive", caseFolded)
	}
}

// maxKeyReports caps the per-key failures printed by testKeyCharacters.
const maxKeyReports = 3
