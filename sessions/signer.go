package sessions

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"hash"
	"strings"
	"sync"
)

// signer signs session IDs in itsdangerous's shape:
//
//	value = sid + "." + base64url_nopad(HMAC(derived_key, sid))
//	derived_key = HMAC(secret, salt)
//
// With Flask-Session 0.8's settings (SHA-1, salt "flask-session") the cookie
// is byte-for-byte what Flask writes. Keys are derived once, at New; the
// first key signs and every key verifies (rotation).
type signer struct {
	sigLen int         // encoded signature length
	macs   []sync.Pool // one pool of keyed HMACs per derived key, signing key first
}

const (
	flaskSalt = "flask-session"
	ourSalt   = "serversession"
)

func newSigner(keys [][]byte, flask bool) *signer {
	h, salt := sha256.New, ourSalt
	if flask {
		h, salt = sha1.New, flaskSalt
	}
	s := &signer{
		sigLen: base64.RawURLEncoding.EncodedLen(h().Size()),
		macs:   make([]sync.Pool, len(keys)),
	}
	for i, key := range keys {
		d := hmac.New(h, key)
		d.Write([]byte(salt))
		derived := d.Sum(nil)
		s.macs[i].New = func() any { return hmac.New(h, derived) }
	}
	return s
}

// mac appends HMAC(key i, id) to dst.
func (s *signer) mac(dst []byte, i int, id string) []byte {
	m := s.macs[i].Get().(hash.Hash)
	m.Reset()
	m.Write([]byte(id))
	dst = m.Sum(dst)
	s.macs[i].Put(m)
	return dst
}

// sign returns id with its signature appended.
func (s *signer) sign(id string) string {
	var buf [64]byte
	sum := s.mac(buf[:0], 0, id)
	out := make([]byte, 0, len(id)+1+s.sigLen)
	out = append(out, id...)
	out = append(out, '.')
	out = base64.RawURLEncoding.AppendEncode(out, sum)
	return string(out)
}

// verify returns the ID carried by a signed value when any key's signature
// matches, comparing in constant time.
func (s *signer) verify(value string) (string, bool) {
	dot := strings.LastIndexByte(value, '.')
	if dot < 0 || len(value)-dot-1 != s.sigLen {
		return "", false
	}
	id, enc := value[:dot], value[dot+1:]
	var got, want [64]byte
	n, err := base64.RawURLEncoding.Strict().Decode(got[:], []byte(enc))
	if err != nil {
		return "", false
	}
	for i := range s.macs {
		if hmac.Equal(got[:n], s.mac(want[:0], i, id)) {
			return id, true
		}
	}
	return "", false
}
