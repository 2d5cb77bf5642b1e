package memcachedstore

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"
)

func TestExpiration(t *testing.T) {
	now := time.Unix(1_800_000_000, 0) // 2027-01-15
	day := 24 * time.Hour
	for _, c := range []struct {
		ttl  time.Duration
		want int32
	}{
		{time.Nanosecond, 1},
		{time.Second, 1},
		{time.Second + 1, 2},
		{1500 * time.Millisecond, 2},
		{time.Hour, 3600},
		{30 * day, 2592000},                             // the last relative value
		{30*day + time.Second, 1_800_000_000 + 2592001}, // the first absolute one
		{30*day + 1, 1_800_000_000 + 2592001},           // rounded up, then absolute
		{31 * day, 1_800_000_000 + 2678400},             // the default lifetime
		{365 * day, 1_800_000_000 + 31536000},
	} {
		got, err := expiration(c.ttl, now)
		if err != nil || got != c.want {
			t.Errorf("expiration(%v) = %d, %v; want %d", c.ttl, got, err, c.want)
		}
	}
	for _, ttl := range []time.Duration{0, -time.Second} {
		if _, err := expiration(ttl, now); err == nil {
			t.Errorf("expiration(%v): want an error", ttl)
		}
	}
	// Past 2038-01-19 memcached's 32-bit time overflows.
	if _, err := expiration(time.Duration(math.MaxInt32-now.Unix()+1)*time.Second, now); err == nil {
		t.Errorf("expiration past 2038: want an error")
	}
	if got, err := expiration(time.Duration(math.MaxInt32-now.Unix())*time.Second, now); err != nil || got != math.MaxInt32 {
		t.Errorf("expiration up to 2038-01-19 = %d, %v; want MaxInt32", got, err)
	}
}

func TestCheckKey(t *testing.T) {
	// Bytes above 0x7f are allowed: memcached's text protocol only splits
	// on spaces and line ends.
	for _, k := range []string{"session:abc", "ключ", strings.Repeat("k", 250)} {
		if err := checkKey(k); err != nil {
			t.Errorf("checkKey(%q) = %v; want nil", k, err)
		}
	}
	for _, k := range []string{"", strings.Repeat("k", 251), "a b", "a\nb", "a\x00", "a\x7f", "\x1f"} {
		if err := checkKey(k); !errors.Is(err, ErrBadKey) {
			t.Errorf("checkKey(%q) = %v; want ErrBadKey", k, err)
		}
	}
}
