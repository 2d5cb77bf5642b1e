package sessions

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
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

// encode returns the record for the session's values and metadata. A value
// the Codec cannot encode is reported as ErrEncode, never as a failure of
// the store. The caller holds s.mu.
func (s *Session) encode() ([]byte, error) {
	data, err := encodeRecord(s.m.cfg.Codec, s.values, s.permanent, s.created)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrEncode, err)
	}
	return data, nil
}

// decode returns the values and metadata of a stored record.
func (s *Session) decode(data []byte) (values map[string]any, permanent bool, created int64, err error) {
	values, err = decodeRecord(s.m.cfg.Codec, data)
	if err != nil {
		return nil, false, 0, err
	}
	permanent, created = takeMeta(values)
	return values, permanent, created, nil
}

// encodeRecord encodes values with the metadata keys added for the call.
func encodeRecord(c Codec, values map[string]any, permanent bool, created int64) ([]byte, error) {
	if permanent {
		values[keyPermanent] = true
		defer delete(values, keyPermanent)
	}
	if created != 0 {
		values[keyCreated] = created
		defer delete(values, keyCreated)
	}
	return c.Marshal(values)
}

// hasMutable reports whether any value could change in place.
func hasMutable(values map[string]any) bool {
	for _, v := range values {
		if mutable(v) {
			return true
		}
	}
	return false
}

// mutable reports whether v could change in place (a map, a slice, a
// pointer, a struct), which only comparing encodings can notice.
func mutable(v any) bool {
	switch v.(type) {
	case nil, bool, string, json.Number, time.Time,
		int, int8, int16, int32, int64,
		uint, uint8, uint16, uint32, uint64,
		float32, float64:
		return false
	}
	return true
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
		if i, err := n.Int64(); err == nil {
			return i, true
		}
		if !strings.ContainsAny(string(n), ".eE") {
			return 0, false // an integer out of range
		}
		// A float, as Python writes an integral one (2.0): converted as the
		// float64 msgpack would have decoded.
		f, err := strconv.ParseFloat(string(n), 64)
		if err != nil {
			return 0, false
		}
		return toInt64(f)
	}
	return 0, false
}
