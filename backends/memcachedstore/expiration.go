package memcachedstore

import (
	"fmt"
	"math"
	"time"
)

// maxRelative is the longest expiration memcached reads as seconds from now
// (30 days); anything larger it reads as an absolute Unix time.
const maxRelative = 30 * 24 * 60 * 60

// expiration converts a TTL into memcached's exptime field at time now:
// whole seconds rounded up, relative up to 30 days and an absolute Unix time
// beyond. A TTL that is not positive, or that ends past memcached's 32-bit
// time, is an error.
func expiration(ttl time.Duration, now time.Time) (int32, error) {
	if ttl <= 0 {
		return 0, fmt.Errorf("ttl %v is not positive", ttl)
	}
	secs := int64(ttl / time.Second)
	if ttl%time.Second != 0 {
		secs++
	}
	if secs <= maxRelative {
		return int32(secs), nil
	}
	abs := now.Unix() + secs
	if abs > math.MaxInt32 {
		return 0, fmt.Errorf("ttl %v ends after %v, past memcached's 32-bit expiration time", ttl, time.Unix(math.MaxInt32, 0).UTC())
	}
	return int32(abs), nil
}
