package sessions

import (
	"bytes"
	"encoding/json"
	"maps"
	"math"
	"slices"
	"strconv"
)

// JSON is the Codec for Flask-Session's "json" format: compact JSON.
// Numbers decode as json.Number, so large integers keep their precision.
// An integral float is written with a decimal point (2.0), as Python
// writes it, so that a Flask app reads a float back: held directly, within
// map[string]any and []any, or in []float64 and map[string]float64 (not
// inside structs). Everything else is written as json.Marshal writes it.
var JSON Codec = jsonCodec{}

type jsonCodec struct{}

func (jsonCodec) Marshal(v any) ([]byte, error) {
	if w, ok := pythonFloats(v, 0); ok {
		v = w
	}
	return json.Marshal(v)
}

func (jsonCodec) Unmarshal(data []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	if err := d.Decode(v); err != nil {
		return err
	}
	// More would accept a stray ']' or '}' after the object.
	if len(bytes.TrimLeft(data[d.InputOffset():], " \t\r\n")) != 0 {
		return errTrailingData
	}
	return nil
}

// maxFloatDepth bounds how deep pythonFloats looks, so that a cyclic value
// ends the walk (json.Marshal reports the cycle).
const maxFloatDepth = 1000

// pythonFloats returns v with each integral float replaced by a
// json.Number with a decimal point, and true; or false when there is none.
// The maps and slices on the way are copied, never changed.
func pythonFloats(v any, depth int) (any, bool) {
	switch x := v.(type) {
	case float64:
		return pythonFloat(x, 64)
	case float32:
		return pythonFloat(float64(x), 32)
	}
	if depth >= maxFloatDepth {
		return nil, false
	}
	switch x := v.(type) {
	case map[string]any:
		var out map[string]any
		for k, e := range x {
			if w, ok := pythonFloats(e, depth+1); ok {
				if out == nil {
					out = maps.Clone(x)
				}
				out[k] = w
			}
		}
		return out, out != nil
	case []any:
		var out []any
		for i, e := range x {
			if w, ok := pythonFloats(e, depth+1); ok {
				if out == nil {
					out = slices.Clone(x)
				}
				out[i] = w
			}
		}
		return out, out != nil
	case []float64: // as []any, copied only if it holds an integral float
		out := make([]any, len(x))
		for i, f := range x {
			out[i] = f
		}
		return pythonFloats(out, depth)
	case map[string]float64:
		out := make(map[string]any, len(x))
		for k, f := range x {
			out[k] = f
		}
		return pythonFloats(out, depth)
	}
	return nil, false
}

// pythonFloat returns f with ".0" added, when encoding/json would write it
// as an integer (NaN and infinities are json.Marshal's to reject; from
// 1e21 up it writes an exponent).
func pythonFloat(f float64, bits int) (json.Number, bool) {
	if f != math.Trunc(f) || math.IsInf(f, 0) || math.Abs(f) >= 1e21 {
		return "", false // NaN != Trunc(NaN)
	}
	var buf [32]byte // a sign, 21 digits and ".0" at most
	b := strconv.AppendFloat(buf[:0], f, 'f', -1, bits)
	return json.Number(append(b, '.', '0')), true
}
