package sessions

import (
	"net/http"
	"testing"
)

// A cookie that verified once is remembered, and only that exact value: a
// value one character off is checked, and rejected, in full.
func TestVerifiedCacheRemembersExactValues(t *testing.T) {
	m := MustNew(Config{Store: newTestStore(), SecretKey: testKey})
	id := newID(DefaultIDLength)
	value := m.signer.sign(id)
	cookie := &http.Cookie{Name: DefaultCookieName, Value: value}

	for i := range 2 {
		got, raw, _ := m.readCookie(requestWith(cookie))
		if got != id || raw != value {
			t.Fatalf("read %d: readCookie = %q, %q; want %q, %q", i, got, raw, id, value)
		}
	}
	if got, ok := m.verified.lookup(value); !ok || got != id {
		t.Fatalf("the verified value is not remembered: %q, %v", got, ok)
	}
	for i := range value {
		forged := []byte(value)
		forged[i] ^= 1
		if _, ok := m.verified.lookup(string(forged)); ok {
			t.Fatalf("lookup accepted the value with byte %d changed", i)
		}
		c := &http.Cookie{Name: DefaultCookieName, Value: string(forged)}
		if got, _, _ := m.readCookie(requestWith(c)); got != "" && got == id {
			t.Fatalf("readCookie accepted the value with byte %d changed", i)
		}
	}
}

// A cookie signed with a fallback key is not remembered: it must be
// re-signed with the current key, which the empty raw value asks for.
func TestVerifiedCacheSkipsFallbackKeys(t *testing.T) {
	old := []byte("an-older-key-of-at-least-16-bytes")
	id := newID(DefaultIDLength)
	value := MustNew(Config{Store: newTestStore(), SecretKey: old}).signer.sign(id)
	m := MustNew(Config{Store: newTestStore(), SecretKey: testKey, SecretKeyFallbacks: [][]byte{old}})
	cookie := &http.Cookie{Name: DefaultCookieName, Value: value}
	for range 2 {
		got, raw, _ := m.readCookie(requestWith(cookie))
		if got != id || raw != "" {
			t.Fatalf("readCookie = %q, %q; want %q and an empty raw value", got, raw, id)
		}
	}
	if _, ok := m.verified.lookup(value); ok {
		t.Fatal("a fallback-signed value was remembered")
	}
}

func TestConstantTimeEqual(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want bool
	}{{"", "", true}, {"abc", "abc", true}, {"abc", "abd", false}, {"abc", "ab", false}, {"b", "a", false}} {
		if got := constantTimeEqual(c.a, c.b); got != c.want {
			t.Errorf("constantTimeEqual(%q, %q) = %v", c.a, c.b, got)
		}
	}
}
