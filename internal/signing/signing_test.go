package signing

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"hash"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var testKey = []byte("0123456789abcdef0123456789abcdef")

// newID returns a random 32-byte ID, as the sessions package makes them.
func newID() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// verify is Verify without the key index.
func (s *Signer) verify(value string) (string, bool) {
	id, _, ok := s.Verify(value)
	return id, ok
}

// A signature is accepted only in the canonical encoding Sign
// writes. The last base64 character of a 32-byte HMAC carries two unused
// bits; a value differing only there decodes to the same bytes (a lenient
// decoder would accept it) but is not what we signed.
func TestVerifyRejectsNonCanonicalSignature(t *testing.T) {
	for _, flask := range []bool{false, true} {
		s := New([][]byte{testKey}, flask)
		id := newID()
		good := s.Sign(id)
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
	s := New([][]byte{testKey, []byte("fallback-key-0123456789")}, false)
	id := newID()
	value := s.Sign(id)
	old := New([][]byte{[]byte("fallback-key-0123456789")}, false).Sign(id)
	if n := testing.AllocsPerRun(100, func() { s.verify(value) }); n != 0 {
		t.Errorf("verify allocates %v times", n)
	}
	if n := testing.AllocsPerRun(100, func() { s.verify(old) }); n != 0 {
		t.Errorf("verify with a fallback key allocates %v times", n)
	}
	if n := testing.AllocsPerRun(100, func() { s.Sign(id) }); n != 1 {
		t.Errorf("sign allocates %v times, want 1", n)
	}
}

// Verify names the key that matched: 0 for the signing key, i for
// fallback i.
func TestVerifyKeyIndex(t *testing.T) {
	old := []byte("fallback-key-0123456789")
	s := New([][]byte{testKey, []byte("unrelated-key-0123456789"), old}, false)
	id := newID()
	for value, want := range map[string]int{s.Sign(id): 0, New([][]byte{old}, false).Sign(id): 2} {
		if got, key, ok := s.Verify(value); !ok || got != id || key != want {
			t.Errorf("Verify(%q) = %q, %d, %v; want key %d", value, got, key, ok, want)
		}
	}
}

// OtherShape recognises a well-formed signature of the other algorithm's
// length, and nothing else.
func TestOtherShape(t *testing.T) {
	id := newID()
	for _, flask := range []bool{false, true} {
		s, other := New([][]byte{testKey}, flask), New([][]byte{testKey}, !flask)
		if !s.OtherShape(other.Sign(id)) || s.OtherShape(s.Sign(id)) {
			t.Errorf("flask=%v: OtherShape does not tell the two shapes apart", flask)
		}
		bad := other.Sign(id)
		for _, v := range []string{bad[:len(bad)-1] + "!", bad[strings.IndexByte(bad, '.'):], id, ""} {
			if s.OtherShape(v) {
				t.Errorf("flask=%v: OtherShape(%q)", flask, v)
			}
		}
	}
}

// A Go service and a Flask-Session 0.8 service sign the same cookie. The
// fixture in testdata/flask is what Flask-Session writes; see its README.
type flaskCookie struct {
	SecretKey string `json:"secret_key"`
	SID       string `json:"sid"`
	Cookie    string `json:"cookie"`
}

func loadFlaskCookie(t *testing.T) flaskCookie {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "testdata", "flask", "cookie.json"))
	if err != nil {
		t.Fatal(err)
	}
	var fc flaskCookie
	if err := json.Unmarshal(data, &fc); err != nil {
		t.Fatal(err)
	}
	return fc
}

// itsdangerous computes an itsdangerous Signer signature with
// key_derivation="hmac", independently of signing.go.
func itsdangerous(newHash func() hash.Hash, secret, salt, value string) string {
	d := hmac.New(newHash, []byte(secret))
	d.Write([]byte(salt))
	m := hmac.New(newHash, d.Sum(nil))
	m.Write([]byte(value))
	return value + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// The golden cookie, made by itsdangerous as Flask-Session 0.8 does, is
// what crypto/hmac computes by the spec, what our Flask signer writes, and
// what it verifies.
func TestFlaskSignedCookieGolden(t *testing.T) {
	fc := loadFlaskCookie(t)
	if got := itsdangerous(sha1.New, fc.SecretKey, "flask-session", fc.SID); got != fc.Cookie {
		t.Fatalf("fixture disagrees with the spec: HMAC-SHA1 gives %q, fixture %q", got, fc.Cookie)
	}
	s := New([][]byte{[]byte(fc.SecretKey)}, true)
	if got := s.Sign(fc.SID); got != fc.Cookie {
		t.Errorf("sign = %q, Flask writes %q", got, fc.Cookie)
	}
	if id, ok := s.verify(fc.Cookie); !ok || id != fc.SID {
		t.Errorf("verify(Flask's cookie) = %q, %v", id, ok)
	}
	// The default signer is a different one: it rejects Flask's cookie.
	if _, ok := New([][]byte{[]byte(fc.SecretKey)}, false).verify(fc.Cookie); ok {
		t.Error("the SHA-256 signer verified a SHA-1 cookie")
	}
}

// The default signer has the same shape with HMAC-SHA256 and our salt.
func TestSignerDefaultSHA256(t *testing.T) {
	id := newID()
	got := New([][]byte{testKey}, false).Sign(id)
	if want := itsdangerous(sha256.New, string(testKey), "serversession", id); got != want {
		t.Errorf("sign = %q, want %q", got, want)
	}
	if len(got) != len(id)+1+43 {
		t.Errorf("signed length %d", len(got))
	}
}

// FuzzVerify checks the signer: it never panics, and a value it accepts is
// exactly what it would sign for that ID (no malleable encodings).
//
//	go test ./internal/signing -run '^$' -fuzz FuzzVerify -fuzztime 10s
func FuzzVerify(f *testing.F) {
	id := newID()
	sha256Signer := New([][]byte{testKey}, false)
	flaskSigner := New([][]byte{testKey}, true)
	for _, seed := range []string{
		sha256Signer.Sign(id), flaskSigner.Sign(id), sha256Signer.Sign(""), flaskSigner.Sign("a.b"),
		id, id + ".", "." + strings.Repeat("A", 43), strings.Repeat(".", 50), "\x00.\xff",
		sha256Signer.Sign(id)[:len(sha256Signer.Sign(id))-1] + "B",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, value string) {
		for _, s := range []*Signer{sha256Signer, flaskSigner} {
			if got, ok := s.verify(value); ok && s.Sign(got) != value {
				t.Fatalf("verify(%q) accepted ID %q, which signs as %q", value, got, s.Sign(got))
			}
		}
	})
}
