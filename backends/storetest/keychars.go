package storetest

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/serversession/serversession/sessions"
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
	owner := map[string]int{} // value -> index of the ID it was created under
	var wrong, caseFolded int
	// folded reports whether got is the record of another ID that differs
	// from ids[i] only in letter case.
	folded := func(i int, got []byte) bool {
		j, ok := owner[string(got)]
		return ok && j != i && strings.EqualFold(ids[j], ids[i])
	}
	for i, id := range ids {
		k := e.keys.key("session:" + id)
		err := e.store.Create(e.ctx, k, value(i), time.Hour)
		switch {
		case errors.Is(err, sessions.ErrConflict):
			// The key is fresh: the store found another key's record.
			wrong++
			got := e.mustLoad(t, k)
			if folded(i, got) {
				caseFolded++
			}
			if wrong <= maxKeyReports {
				t.Errorf("Create(%q) of a key never written reported a conflict with a record holding %s", k, describe(got))
			}
		case err != nil:
			t.Fatalf("Create(%q) returned error: %v", k, err)
		default:
			owner[string(value(i))] = i
		}
	}
	for i, id := range ids {
		k := e.keys.key("session:" + id)
		if _, ok := owner[string(value(i))]; !ok {
			continue // its Create conflicted, reported above
		}
		got := e.mustLoad(t, k)
		if bytes.Equal(got, value(i)) {
			continue
		}
		wrong++
		if folded(i, got) {
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
