package memcachedstore

// Option configures a Store.
type Option func(*Store)

// DefaultItemSizeLimit is memcached's default item size limit (-I 1m):
// 1 MiB, which an item's key and header count against as well as its value.
const DefaultItemSizeLimit = 1 << 20

// WithItemSizeLimit tells the Store the item size limit n, in bytes, that
// memcached runs with: its -I option, shown as item_size_max by
// "stats settings". Without it the Store assumes DefaultItemSizeLimit.
//
// Create and Replace refuse, before sending anything, a record whose item
// would be larger than n, with an error wrapping
// ErrTooLarge. An item is the value, the key and 59 bytes of item header
// (memcached 1.6 on 64-bit), so under the default limit the largest record
// under a 44-byte key is 1048576 - 59 - 44 = 1048473 bytes. They must not
// leave it to memcached: a memcached that refuses
// an oversized set also deletes the item stored under its key, which would
// log the user out. Give the smallest limit of all the servers the client
// spreads keys over. A non-positive n keeps the default.
func WithItemSizeLimit(n int) Option {
	return func(s *Store) {
		if n > 0 {
			s.itemSizeLimit = n
		}
	}
}
