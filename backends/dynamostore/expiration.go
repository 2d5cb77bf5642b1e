package dynamostore

import (
	"errors"
	"strconv"
	"time"
)

// The expiration attribute is a DynamoDB number (N): the Unix time in
// seconds at which the session ends, as DynamoDB's time to live reads it.
// Flask-Session 0.8 writes it with a fractional part, from a Python float
// turned into a Decimal, so it can carry up to 22 digits after the point
// ("1799237050.966393947601318359375"); this package writes milliseconds
// ("1799237050.967"). Either way it is parsed as a decimal, never as an
// integer.

// maxExpirationSeconds bounds the integer part of an expiration this
// package accepts: twelve digits, past the year 30000. An item beyond it is
// not one that this package or Flask-Session wrote.
const maxExpirationSeconds = 999_999_999_999

// maxExpiration is the first number beyond maxExpirationSeconds, as
// DynamoDB reads it, for conditions that must match only expirations in
// range.
const maxExpiration = "1000000000000"

// maxExponent bounds the exponent of a number in scientific notation, so
// that a hostile "1e999999999" costs nothing to reject. DynamoDB numbers
// have at most 38 significant digits and exponents within ±130.
const maxExponent = 200

// errBadExpiration is what parseExpiration returns for text that is not a
// decimal number within range.
var errBadExpiration = errors.New("expiration is not a Unix time in seconds")

// expirationAt is the moment a record saved at now with ttl ends, rounded
// up to the next millisecond (the precision written), so that a positive
// ttl never yields a record that has already expired.
func expirationAt(now time.Time, ttl time.Duration) time.Time {
	exp := now.Add(ttl)
	if t := exp.Truncate(time.Millisecond); t.Before(exp) {
		return t.Add(time.Millisecond)
	}
	return exp
}

// formatExpiration writes t, to the millisecond, as the decimal number of
// seconds since the Unix epoch: "1799237050.967".
func formatExpiration(t time.Time) string {
	ms := t.UnixMilli()
	sign := ""
	if ms < 0 {
		sign, ms = "-", -ms
	}
	frac := strconv.FormatInt(ms%1000, 10)
	for len(frac) < 3 {
		frac = "0" + frac
	}
	return sign + strconv.FormatInt(ms/1000, 10) + "." + frac
}

// parseExpiration reads a DynamoDB number holding Unix seconds, such as
// "1799237050", "1799237050.966393947601318359375", "-1.5" or
// "1.7992370509663939E9", to the nanosecond (further digits are dropped).
// It takes the number apart as text, so that no float rounding and no
// oversized exponent can get in, and rejects anything else: an empty
// string, other characters, more than one point, or seconds beyond
// maxExpirationSeconds.
func parseExpiration(s string) (time.Time, error) {
	i, neg := 0, false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	// digits holds the significant digits, without leading zeros; point is
	// how many of them stand before the decimal point (it may be negative,
	// or beyond len(digits), after the exponent is applied).
	var digits []byte
	point, seenPoint, sawDigit := 0, false, false
mantissa:
	for ; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			sawDigit = true
			if c == '0' && len(digits) == 0 {
				if seenPoint {
					point--
				}
				continue
			}
			if len(digits) < 64 {
				digits = append(digits, c)
				if !seenPoint {
					point++
				}
			} else if !seenPoint {
				return time.Time{}, errBadExpiration // far too many integer digits
			}
		case c == '.' && !seenPoint:
			seenPoint = true
		default:
			break mantissa
		}
	}
	if !sawDigit {
		return time.Time{}, errBadExpiration
	}
	if i < len(s) {
		if s[i] != 'e' && s[i] != 'E' {
			return time.Time{}, errBadExpiration
		}
		exp, err := strconv.Atoi(s[i+1:])
		if err != nil || exp > maxExponent || exp < -maxExponent {
			return time.Time{}, errBadExpiration
		}
		point += exp
	}
	if len(digits) == 0 {
		return time.Unix(0, 0), nil
	}
	// Seconds: the digits before the point (zeros past the last digit).
	if point > 12 {
		return time.Time{}, errBadExpiration
	}
	var sec, nsec int64
	for k := 0; k < point; k++ {
		d := int64(0)
		if k < len(digits) {
			d = int64(digits[k] - '0')
		}
		sec = sec*10 + d
	}
	if sec > maxExpirationSeconds {
		return time.Time{}, errBadExpiration
	}
	// Nanoseconds: the nine digits after the point.
	for k := point; k < point+9; k++ {
		d := int64(0)
		if k >= 0 && k < len(digits) {
			d = int64(digits[k] - '0')
		}
		nsec = nsec*10 + d
	}
	if neg {
		sec, nsec = -sec, -nsec
	}
	return time.Unix(sec, nsec), nil
}
