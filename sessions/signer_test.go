package sessions

import (
	"encoding/base64"
	"net/http"
	"strings"
	"testing"
	"time"
)

// A signature is accepted only in the canonical encoding sign
// writes. The last base64 character of a 32-byte HMAC carries two unused
// bits; a value differing only there decodes to the same bytes (a lenient
// decoder would accept it) but is not what we signed.
func TestVerifyRejectsNonCanonicalSignature(t *testing.T) {
	for _, flask := range []bool{false, true} {
		s := newSigner([][]byte{testKey}, flask)
		id := newID(32)
		good := s.sign(id)
		if got, ok := s.verify(good); !ok || got != id {
			t.Fatalf("flask=%v: own signature rejected", flask)
		}
		const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
		last := strings.IndexByte(alphabet, good[len(good)-1])
		for delta := 1; delta < 4; delta++ {
			twin := good[:len(good)-1] + string(alphabet[last^delta])
			sig := twin[strings.LastIndexByte(twin, '.')+1:]
			decoded, err := base64.RawURLEncoding.DecodeString(sig)
			want, _ := base64.RawURLEncoding.DecodeString(good[strings.LastIndexByte(good, '.')+1:])
			if err != nil || string(decoded) != string(want) {
				continue // this twin does not alias the signature
			}
			if _, ok := s.verify(twin); ok {
				t.Errorf("flask=%v: accepted non-canonical twin %q of %q", flask, twin, good)
			}
		}
		for _, bad := range []string{"", ".", id, id + ".", good + "A", good[:len(good)-1], "x" + good, strings.Replace(good, ".", "", 1)} {
			if _, ok := s.verify(bad); ok {
				t.Errorf("flask=%v: accepted %q", flask, bad)
			}
		}
	}
}

// Signing and verifying are on every request's path; they
// allocate only the signed string.
func TestSignerAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are not meaningful under -race")
	}
	s := newSigner([][]byte{testKey, []byte("fallback-key-0123456789")}, false)
	id := newID(32)
	value := s.sign(id)
	old := newSigner([][]byte{[]byte("fallback-key-0123456789")}, false).sign(id)
	if n := testing.AllocsPerRun(100, func() { s.verify(value) }); n != 0 {
		t.Errorf("verify allocates %v times", n)
	}
	if n := testing.AllocsPerRun(100, func() { s.verify(old) }); n != 0 {
		t.Errorf("verify with a fallback key allocates %v times", n)
	}
	if n := testing.AllocsPerRun(100, func() { s.sign(id) }); n != 1 {
		t.Errorf("sign allocates %v times, want 1", n)
	}
}

// verify is verifyKey without the key index, for tests.
func (s *signer) verify(value string) (string, bool) {
	id, _, ok := s.verifyKey(value)
	return id, ok
}

// A cookie signed in the other signer's shape (Flask's HMAC-SHA1 where
// HMAC-SHA256 is expected, or the reverse) is still rejected, and logs one
// warning that names Signing.Flask, at most once a minute per Manager, with
// neither the cookie nor its ID. Garbage and good cookies log nothing.
func TestOtherSignerWarning(t *testing.T) {
	id := newID(32)
	for _, tc := range []struct {
		flask bool
		other string // a cookie value from the other signer
	}{
		{false, newSigner([][]byte{testKey}, true).sign(id)},
		{true, newSigner([][]byte{testKey}, false).sign(id)},
	} {
		var log strings.Builder
		m := MustNew(Config{Store: newTestStore(), Signing: Signing{Key: testKey, Flask: tc.flask}, Logger: newTextLogger(&log)})
		now := time.Unix(1700000000, 0)
		m.now = func() time.Time { return now }
		read := func(value string) string {
			r, _ := http.NewRequest(http.MethodGet, "/", nil)
			r.Header.Set("Cookie", "session="+value)
			got, _, _ := m.readCookie(r)
			return got
		}
		good := m.signer.sign(id)
		for _, v := range []string{good, "garbage", id, id + "." + strings.Repeat("A", 30), id + "." + strings.Repeat("!", len(tc.other)-len(id)-1), ""} {
			read(v)
		}
		if log.Len() != 0 {
			t.Fatalf("flask=%v: logged for good or garbage cookies: %s", tc.flask, log.String())
		}
		for range 100 {
			if got := read(tc.other); got != "" {
				t.Fatalf("flask=%v: accepted the other signer's cookie", tc.flask)
			}
			other := newSigner([][]byte{[]byte("another-key-0123456789")}, !tc.flask).sign(newID(32))
			read(other)
		}
		if n := strings.Count(log.String(), "level=WARN"); n != 1 || !strings.Contains(log.String(), "Signing.Flask") {
			t.Fatalf("flask=%v: want one warning naming Signing.Flask, got %d:\n%s", tc.flask, n, log.String())
		}
		if strings.Contains(log.String(), id) {
			t.Fatalf("flask=%v: the warning carries the ID: %s", tc.flask, log.String())
		}
		now = now.Add(59 * time.Second)
		read(tc.other)
		if n := strings.Count(log.String(), "level=WARN"); n != 1 {
			t.Fatalf("flask=%v: warned again within the minute", tc.flask)
		}
		now = now.Add(2 * time.Second)
		read(tc.other)
		if n := strings.Count(log.String(), "level=WARN"); n != 2 {
			t.Fatalf("flask=%v: no new warning after a minute: %d", tc.flask, n)
		}
	}
}
