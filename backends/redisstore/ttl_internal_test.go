package redisstore

import (
	"testing"
	"time"
)

func TestMillis(t *testing.T) {
	for _, c := range []struct {
		ttl  time.Duration
		want int64
	}{
		{time.Nanosecond, 1},
		{time.Millisecond, 1},
		{time.Millisecond + 1, 2},
		{1500 * time.Microsecond, 2},
		{time.Second, 1000},
		{31 * 24 * time.Hour, 31 * 24 * 3600 * 1000},
	} {
		got, err := millis(c.ttl)
		if err != nil || got != c.want {
			t.Errorf("millis(%v) = %d, %v; want %d", c.ttl, got, err, c.want)
		}
	}
	for _, ttl := range []time.Duration{0, -time.Millisecond} {
		if _, err := millis(ttl); err == nil {
			t.Errorf("millis(%v): want an error", ttl)
		}
	}
}
