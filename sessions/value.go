package sessions

import (
	"encoding/json"
	"math"
	"reflect"
	"strconv"
)

// Value returns the value under key as a T. It converts what a Codec
// decodes: integers and integral floats to any integer type that holds them,
// numbers to floats, and maps back to the struct (or map, or slice) they were
// encoded from, through the session's Codec. It reports false when the key
// is missing or the value cannot become a T.
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
	dst := reflect.ValueOf(&t).Elem()
	if convertNumber(v, dst) {
		return t, true
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
		var n uint64
		if u, ok := v.(uint64); ok {
			n = u
		} else if i, ok := toInt64(v); ok && i >= 0 {
			n = uint64(i)
		} else {
			return false
		}
		if dst.OverflowUint(n) {
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
