package memcachedstore

import (
	"errors"
	"fmt"
)

// ErrBadKey reports a key that memcached cannot store: empty, longer than
// 250 bytes, or holding a space, a control character or DEL. Errors that
// wrap it say which operation, key and byte.
var ErrBadKey = errors.New("key not allowed by memcached")

// maxKeyLen is memcached's limit on key length, in bytes.
const maxKeyLen = 250

// checkKey returns an error wrapping ErrBadKey when memcached would refuse
// key. The rules are the text protocol's, which gomemcache also enforces.
func checkKey(key string) error {
	if key == "" {
		return fmt.Errorf("%w: key is empty", ErrBadKey)
	}
	if len(key) > maxKeyLen {
		return fmt.Errorf("%w: key is %d bytes long, over memcached's %d", ErrBadKey, len(key), maxKeyLen)
	}
	for i := 0; i < len(key); i++ {
		if c := key[i]; c <= ' ' || c == 0x7f {
			return fmt.Errorf("%w: byte %d is %q (spaces, control characters and DEL are not allowed)", ErrBadKey, i, c)
		}
	}
	return nil
}
