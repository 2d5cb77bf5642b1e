package memcachedstore

// Option configures a Store. No options are defined yet; New accepts them so
// that settings can be added later without breaking callers.
type Option func(*Store)
