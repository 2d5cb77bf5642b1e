package redisstore

import (
	"strconv"
	"strings"
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

// TestNoExpirySpelled checks that pruneScript writes the score that the
// listing takes for "no TTL".
func TestNoExpirySpelled(t *testing.T) {
	if want := strconv.FormatInt(1<<53-1, 10); want != strconv.FormatInt(noExpiry, 10) || !strings.Contains(pruneSource, "'"+want+"'") {
		t.Errorf("pruneSource and noExpiry (%d) disagree on the score of a record without a TTL (want %s)", int64(noExpiry), want)
	}
}
