// Package signing signs session IDs in itsdangerous's shape:
//
//	value = id + "." + base64url_nopad(HMAC(derived_key, id))
//	derived_key = HMAC(secret, salt)
//
// With Flask-Session 0.8's settings (SHA-1, salt "flask-session") a signed
// value is byte-for-byte the cookie Flask writes; otherwise it is
// HMAC-SHA256 with the salt "serversession".
package signing

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"hash"
	"strings"
	"sync"
)

// The encoded lengths of HMAC-SHA1 and HMAC-SHA256 signatures.
const (
	sha1SigLen   = 27
	sha256SigLen = 43
)

const (
	flaskSalt = "flask-session"
	ourSalt   = "serversession"
)

// Signer signs and verifies IDs. Keys are derived once, by New; the first
// key signs and every key verifies (rotation). It is safe for concurrent
// use.
type Signer struct {
	sigLen int         // encoded signature length
	macs   []sync.Pool // one pool of *macState per derived key, signing key first
}

// macState is a keyed HMAC with scratch space, pooled so that signing and
// verifying allocate nothing but the signed string.
type macState struct {
	h   hash.Hash
	msg []byte // the message, then its sum
	sig []byte // the encoded signature
	got []byte // the signature being verified
}

// New returns a Signer for keys, the first of which signs. flask selects
// Flask-Session's HMAC-SHA1 and salt instead of HMAC-SHA256.
func New(keys [][]byte, flask bool) *Signer {
	h, salt := sha256.New, ourSalt
	if flask {
		h, salt = sha1.New, flaskSalt
	}
	s := &Signer{
		sigLen: base64.RawURLEncoding.EncodedLen(h().Size()),
		macs:   make([]sync.Pool, len(keys)),
	}
	for i, key := range keys {
		d := hmac.New(h, key)
		d.Write([]byte(salt))
		derived := d.Sum(nil)
		s.macs[i].New = func() any { return &macState{h: hmac.New(h, derived)} }
	}
	return s
}

// signature returns the encoded HMAC of id, in st's scratch space.
func (st *macState) signature(id string) []byte {
	st.msg = append(st.msg[:0], id...)
	st.h.Reset()
	st.h.Write(st.msg)
	st.msg = st.h.Sum(st.msg[:0])
	st.sig = base64.RawURLEncoding.AppendEncode(st.sig[:0], st.msg)
	return st.sig
}

// Sign returns id with its signature appended.
func (s *Signer) Sign(id string) string {
	st := s.macs[0].Get().(*macState)
	defer s.macs[0].Put(st)
	sig := st.signature(id)
	var b strings.Builder
	b.Grow(len(id) + 1 + len(sig))
	b.WriteString(id)
	b.WriteByte('.')
	b.Write(sig)
	return b.String()
}

// SignedLen returns the length of the signed value of an ID of idLen
// characters, so that a value of another length is refused without an
// HMAC.
func (s *Signer) SignedLen(idLen int) int { return idLen + 1 + s.sigLen }

// Verify returns the ID of a signed value when a key's signature matches
// (in constant time), and which key: 0 signs, the others are fallbacks.
// Only the canonical encoding Sign writes is accepted.
func (s *Signer) Verify(value string) (id string, key int, ok bool) {
	dot := strings.LastIndexByte(value, '.')
	if dot < 0 || len(value)-dot-1 != s.sigLen {
		return "", 0, false
	}
	id, enc := value[:dot], value[dot+1:]
	for i := range s.macs {
		st := s.macs[i].Get().(*macState)
		st.got = append(st.got[:0], enc...)
		match := hmac.Equal(st.got, st.signature(id))
		s.macs[i].Put(st)
		if match {
			return id, i, true
		}
	}
	return "", 0, false
}

// OtherShape reports whether value is signed in the other Signer's shape
// (HMAC-SHA1 where this one writes HMAC-SHA256, or the reverse).
func (s *Signer) OtherShape(value string) bool {
	other := sha1SigLen
	if s.sigLen == sha1SigLen {
		other = sha256SigLen
	}
	dot := strings.LastIndexByte(value, '.')
	if dot <= 0 || len(value)-dot-1 != other {
		return false
	}
	for _, c := range []byte(value[dot+1:]) {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}
