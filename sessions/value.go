package sessions

import (
	"encoding/json"
	"math"
	"reflect"
	"strconv"
)

// Value returns the value under key as a T, converting what a Codec
// decodes: numbers to any numeric type that holds them, maps back to the
// struct (or map, or slice) they were encoded from. It reports false when
// the key is missing or the value cannot become a T.
//
//	id, ok := sessions.Value[int](s, "user_id")
//	cart, ok := sessions.Value[Cart](s, "cart")
func Value[T any](s *Session, key string) (T, bool) {
	var t T
	v, ok := s.Get(key)
	if !ok {
		return t, false
	}
	if tv, ok := v.(T); ok {
		return tv, true
	}
	if v == nil {
		return t, false
	}
	if n, ok := v.(int64); ok {
		// What msgpack decodes integers to, read as an int: no reflection.
		if p, ok := any(&t).(*int); ok {
			if int64(int(n)) != n {
				return t, false
			}
			*p = int(n)
			return t, true
		}
	}
	dst := reflect.ValueOf(&t).Elem()
	if isNumber(v) && isNumericKind(dst.Kind()) {
		// No codec round trip: msgpack would wrap 300 into an int8 as 44.
		return t, convertNumber(v, dst)
	}
	if s.m == nil {
		return t, false
	}
	codec := s.m.cfg.Codec
	data, err := codec.Marshal(v)
	if err != nil || codec.Unmarshal(data, &t) != nil {
		var zero T
		return zero, false
	}
	return t, true
}

// convertNumber sets dst, a numeric value, to the number v if it fits.
func convertNumber(v any, dst reflect.Value) bool {
	switch dst.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, ok := toInt64(v)
		if !ok || dst.OverflowInt(n) {
			return false
		}
		dst.SetInt(n)
		return true
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		n, ok := toUint64(v)
		if !ok || dst.OverflowUint(n) {
			return false
		}
		dst.SetUint(n)
		return true
	case reflect.Float32, reflect.Float64:
		f, ok := toFloat64(v)
		if !ok || dst.OverflowFloat(f) {
			return false
		}
		dst.SetFloat(f)
		return true
	}
	return false
}

// toUint64 converts a decoded non-negative integer (or integral float) to
// uint64, including those above math.MaxInt64.
func toUint64(v any) (uint64, bool) {
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
	i, ok := toInt64(v)
	return uint64(i), ok && i >= 0
}

func toFloat64(v any) (float64, bool) {
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
	i, ok := toInt64(v)
	return float64(i), ok
}

// isNumber reports whether v is a number as the codecs decode them.
func isNumber(v any) bool {
	switch v.(type) {
	case int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64,
		float32, float64, json.Number:
		return true
	}
	return false
}

func isNumericKind(k reflect.Kind) bool {
	return reflect.Int <= k && k <= reflect.Float64
}
