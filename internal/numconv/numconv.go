// Package numconv converts numbers as the session codecs decode them (Go
// integers and floats of any width, msgpack's int64 and uint64, JSON's
// json.Number) to the numeric type asked for, refusing any conversion that
// would lose the value.
package numconv

import (
	"encoding/json"
	"math"
	"reflect"
	"strconv"
	"strings"
)

// IsNumber reports whether v is a number as the codecs decode them.
func IsNumber(v any) bool {
	switch v.(type) {
	case int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64,
		float32, float64, json.Number:
		return true
	}
	return false
}

// IsNumericKind reports whether k is an integer or float kind, the kinds
// Set can fill.
func IsNumericKind(k reflect.Kind) bool {
	return reflect.Int <= k && k <= reflect.Float64
}

// Set sets dst, a numeric value, to the number v if it fits, and reports
// whether it did.
func Set(dst reflect.Value, v any) bool {
	switch dst.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, ok := Int64(v)
		if !ok || dst.OverflowInt(n) {
			return false
		}
		dst.SetInt(n)
		return true
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		n, ok := Uint64(v)
		if !ok || dst.OverflowUint(n) {
			return false
		}
		dst.SetUint(n)
		return true
	case reflect.Float32, reflect.Float64:
		f, ok := Float64(v)
		if !ok || dst.OverflowFloat(f) {
			return false
		}
		dst.SetFloat(f)
		return true
	}
	return false
}

// Int64 converts a decoded integer (or an integral float) to int64.
func Int64(v any) (int64, bool) {
	switch n := v.(type) {
	case int, int8, int16, int32, int64:
		return reflect.ValueOf(n).Int(), true
	case uint, uint8, uint16, uint32, uint64:
		if u := reflect.ValueOf(n).Uint(); u <= math.MaxInt64 {
			return int64(u), true
		}
		return 0, false
	case float64:
		if n != math.Trunc(n) || n < math.MinInt64 || n >= math.MaxInt64 {
			return 0, false
		}
		return int64(n), true
	case float32:
		return Int64(float64(n))
	case json.Number:
		if i, err := n.Int64(); err == nil {
			return i, true
		}
		if !strings.ContainsAny(string(n), ".eE") {
			return 0, false // an integer out of range
		}
		// A float, as Python writes an integral one (2.0).
		if f, err := strconv.ParseFloat(string(n), 64); err == nil {
			return Int64(f)
		}
	}
	return 0, false
}

// Uint64 converts a decoded non-negative integer (or integral float) to
// uint64, including those above math.MaxInt64.
func Uint64(v any) (uint64, bool) {
	switch n := v.(type) {
	case uint64:
		return n, true
	case uint:
		return uint64(n), true
	case json.Number:
		if u, err := strconv.ParseUint(string(n), 10, 64); err == nil {
			return u, true
		}
	}
	i, ok := Int64(v)
	return uint64(i), ok && i >= 0
}

// Float64 converts a decoded number to float64; a json.Number beyond
// float64's range is refused.
func Float64(v any) (float64, bool) {
	switch n := v.(type) {
	case float64:
		return n, true
	case float32:
		return float64(n), true
	case json.Number:
		f, err := strconv.ParseFloat(string(n), 64)
		return f, err == nil && !math.IsInf(f, 0)
	case uint64:
		return float64(n), true
	}
	i, ok := Int64(v)
	return float64(i), ok
}
