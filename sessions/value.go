package sessions

import (
	"reflect"

	"github.com/serversession/serversession/internal/numconv"
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
	if numconv.IsNumber(v) && numconv.IsNumericKind(dst.Kind()) {
		// No codec round trip: msgpack would wrap 300 into an int8 as 44.
		return t, numconv.Set(dst, v)
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
