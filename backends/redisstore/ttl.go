package redisstore

import (
	"fmt"
	"time"
)

// millis converts a TTL to whole milliseconds for PX and PEXPIRE, rounding
// up so that a record never lives shorter than asked. A TTL that is not
// positive is an error: Redis would reject it, and a zero TTL would mean
// "never expire" to some commands.
func millis(ttl time.Duration) (int64, error) {
	if ttl <= 0 {
		return 0, fmt.Errorf("ttl %v is not positive", ttl)
	}
	ms := int64(ttl / time.Millisecond)
	if ttl%time.Millisecond != 0 {
		ms++
	}
	return ms, nil
}
