package sessions

import (
	"hash/maphash"
	"strings"
	"sync/atomic"
)

// verifiedCache remembers cookie values whose signature checked out with
// the signing key, so that a returning client's cookie is not hashed twice
// with HMAC on every request. It is a fixed, direct-mapped table: a new
// value simply replaces whatever shared its slot, so it never grows past
// verifiedSlots entries, and an attacker can only fill it with values that
// really verified.
//
// A hit compares the whole value in constant time, so response times tell
// nothing about how close a guess came to a remembered cookie.
type verifiedCache struct {
	seed  maphash.Seed
	slots [verifiedSlots]atomic.Pointer[verifiedValue]
}

const verifiedSlots = 1024 // a power of two

type verifiedValue struct {
	value string // the cookie value
	id    string // the session ID it carries
}

func newVerifiedCache() *verifiedCache { return &verifiedCache{seed: maphash.MakeSeed()} }

func (c *verifiedCache) slot(value string) *atomic.Pointer[verifiedValue] {
	return &c.slots[maphash.String(c.seed, value)&(verifiedSlots-1)]
}

// lookup returns the ID carried by value if value verified before.
func (c *verifiedCache) lookup(value string) (string, bool) {
	v := c.slot(value).Load()
	if v == nil || !constantTimeEqual(v.value, value) {
		return "", false
	}
	return v.id, true
}

// remember records that value verified and carries id, the start of value.
// It keeps a copy: value is a substring of the request's Cookie header,
// which the cache must not hold on to.
func (c *verifiedCache) remember(value, id string) {
	value = strings.Clone(value)
	c.slot(value).Store(&verifiedValue{value: value, id: value[:len(id)]})
}

// constantTimeEqual compares a and b in time that depends only on their
// lengths.
func constantTimeEqual(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	var d byte
	for i := 0; i < len(a); i++ {
		d |= a[i] ^ b[i]
	}
	return d == 0
}
