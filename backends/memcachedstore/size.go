package memcachedstore

import "fmt"

// itemHeader is what memcached (1.6, 64-bit) stores besides the key and the
// value in every item it holds, and counts against its item size limit:
// the 48-byte item header, the NUL after the key, the 8-byte CAS value and
// the value's trailing CRLF. Flags take no room while they are 0, as this
// package writes them.
//
// memcached refuses a value when header + key + value exceeds item_size_max
// (item_size_ok, then slabs_clsid); measured against memcached 1.6.18 with
// -I 1m, the largest value stored under a k-byte key is 1048576 - 59 - k
// bytes, one byte more is "SERVER_ERROR object too large for cache"
// (TestItemSizeLimitBoundary).
const itemHeader = 48 + 1 + 8 + 2

// itemSize returns the bytes that memcached counts against its item size
// limit for a value of valueLen bytes under key: the key, the value and the
// item header.
func itemSize(key string, valueLen int) int {
	return itemHeader + len(key) + valueLen
}

// checkSize returns an error wrapping ErrTooLarge when a value of n bytes
// under key would not fit in the Store's item size limit.
func (s *Store) checkSize(key string, n int) error {
	if size := itemSize(key, n); size > s.itemSizeLimit {
		return fmt.Errorf("%w: a %d-byte record under a %d-byte key makes a %d-byte item, over the %d-byte item size limit (refused before sending)",
			ErrTooLarge, n, len(key), size, s.itemSizeLimit)
	}
	return nil
}
