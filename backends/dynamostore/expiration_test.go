package dynamostore

import (
	"math"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestParseExpiration(t *testing.T) {
	for _, c := range []struct {
		in        string
		sec, nsec int64
	}{
		{"1799237050", 1799237050, 0},
		{"1799237050.966393947601318359375", 1799237050, 966393947},
		{"1799237050.967", 1799237050, 967000000},
		{"1799237050.5", 1799237050, 500000000},
		{"+1799237050.", 1799237050, 0},
		{"1.799237050966393947E9", 1799237050, 966393947},
		{"1799237050966.393947e-3", 1799237050, 966393947},
		{"0.000000001", 0, 1},
		{"0", 0, 0},
		{"000000000001799237050.000", 1799237050, 0},
		{".5", 0, 500000000},
		{"-1.5", -1, -500000000},
		{"1E3", 1000, 0},
		{"999999999999.999999999", 999999999999, 999999999},
	} {
		got, err := parseExpiration(c.in)
		if err != nil {
			t.Errorf("parseExpiration(%q) = error %v; want %d.%09d", c.in, err, c.sec, c.nsec)
			continue
		}
		if want := time.Unix(c.sec, c.nsec); !got.Equal(want) {
			t.Errorf("parseExpiration(%q) = %v; want %v", c.in, got.UTC(), want.UTC())
		}
	}
	for _, bad := range []string{
		"", "-", ".", "1.2.3", "abc", "1e", "1e+", "1e999999999", "1x", " 1", "1 ", "0x10",
		"NaN", "Inf", "1000000000000", "1e12", strings.Repeat("9", 100), "1,5", "١٢",
	} {
		if got, err := parseExpiration(bad); err == nil {
			t.Errorf("parseExpiration(%q) = %v; want an error", bad, got)
		}
	}
}

func TestFormatExpiration(t *testing.T) {
	for _, c := range []struct {
		t    time.Time
		want string
	}{
		{time.Unix(1799237050, 966393947), "1799237050.966"},
		{time.Unix(1799237050, 0), "1799237050.000"},
		{time.Unix(0, 5e6), "0.005"},
		{time.Unix(-2, 0), "-2.000"},
	} {
		if got := formatExpiration(c.t); got != c.want {
			t.Errorf("formatExpiration(%v) = %q; want %q", c.t, got, c.want)
		}
	}
	// expirationAt rounds up to the millisecond, so a positive ttl never
	// makes an expired record.
	now := time.Unix(1799237050, 966393947)
	if got := expirationAt(now, time.Nanosecond); !got.After(now) || got.Nanosecond() != 967000000 {
		t.Errorf("expirationAt(%v, 1ns) = %v; want the next millisecond", now, got)
	}
}

// FuzzParseExpiration feeds the expiration parser arbitrary text, as an
// item written by another program may hold: it must never panic, must
// agree with strconv.ParseFloat on what it accepts (to float precision),
// and must read back what formatExpiration writes.
func FuzzParseExpiration(f *testing.F) {
	for _, s := range []string{
		"1799237050.966393947601318359375", "1799237050", "1.7992370509663939E9", "-1.5",
		"1e999999999", "0.000000001", ".", "", "1e-200", "9999999999999999999999",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := parseExpiration(s)
		if err != nil {
			return
		}
		if got.Unix() > maxExpirationSeconds || got.Unix() < -maxExpirationSeconds {
			t.Fatalf("parseExpiration(%q) = %v: beyond the accepted range", s, got)
		}
		f, ferr := strconv.ParseFloat(s, 64)
		if ferr != nil {
			t.Fatalf("parseExpiration(%q) accepted what ParseFloat rejects: %v", s, ferr)
		}
		secs := float64(got.Unix()) + float64(got.Nanosecond())/1e9
		if math.Abs(secs-f) > 1e-6*math.Max(1, math.Abs(f)) && math.Abs(secs-f) > 2e-9 {
			t.Fatalf("parseExpiration(%q) = %.9f; ParseFloat says %.9f", s, secs, f)
		}
		back, err := parseExpiration(formatExpiration(got))
		if err != nil || back.UnixMilli() != got.UnixMilli() {
			t.Fatalf("parseExpiration(formatExpiration(%v)) = %v, %v; want the same millisecond", got, back, err)
		}
	})
}
