package sessions

import (
	"encoding/json"
	"math"
	"time"
)

// Keys of the record that hold session metadata rather than user values.
// "_permanent" is Flask's; "_created" is ours, kept only with an
// AbsoluteTimeout.
const (
	keyPermanent = "_permanent"
	keyCreated   = "_created"
)

// takeMeta removes the metadata keys from decoded values and returns them.
func takeMeta(values map[string]any) (permanent bool, created int64) {
	if v, ok := values[keyPermanent]; ok {
		permanent, _ = v.(bool)
		delete(values, keyPermanent)
	}
	if v, ok := values[keyCreated]; ok {
		created, _ = toInt64(v)
		delete(values, keyCreated)
	}
	return permanent, created
}

// encode returns the record for the session's values and metadata. The
// caller holds s.mu.
func (s *Session) encode() ([]byte, error) {
	if s.permanent {
		s.values[keyPermanent] = true
		defer delete(s.values, keyPermanent)
	}
	if s.created != 0 {
		s.values[keyCreated] = s.created
		defer delete(s.values, keyCreated)
	}
	return s.m.cfg.Codec.Marshal(s.values)
}

// hasMutable reports whether any value could change in place (a map, a
// slice, a pointer, a struct), which only comparing encodings can notice.
func hasMutable(values map[string]any) bool {
	for _, v := range values {
		switch v.(type) {
		case nil, bool, string, json.Number, time.Time,
			int, int8, int16, int32, int64,
			uint, uint8, uint16, uint32, uint64,
			float32, float64:
		default:
			return true
		}
	}
	return false
}

// toInt64 converts a decoded integer (or an integral float) to int64.
func toInt64(v any) (int64, bool) {
	switch n := v.(type) {
	case int64:
		return n, true
	case int:
		return int64(n), true
	case int32:
		return int64(n), true
	case int16:
		return int64(n), true
	case int8:
		return int64(n), true
	case uint64:
		if n > math.MaxInt64 {
			return 0, false
		}
		return int64(n), true
	case uint:
		if uint64(n) > math.MaxInt64 {
			return 0, false
		}
		return int64(n), true
	case uint32:
		return int64(n), true
	case uint16:
		return int64(n), true
	case uint8:
		return int64(n), true
	case float64:
		if n != math.Trunc(n) || n < math.MinInt64 || n >= math.MaxInt64 {
			return 0, false
		}
		return int64(n), true
	case float32:
		return toInt64(float64(n))
	case json.Number:
		i, err := n.Int64()
		return i, err == nil
	}
	return 0, false
}
