package numconv

import (
	"encoding/json"
	"math"
	"testing"
)

func TestNumberConversions(t *testing.T) {
	for _, tc := range []struct {
		in any
		i  int64
		ok bool
	}{
		{int(-3), -3, true}, {int8(-3), -3, true}, {int16(-3), -3, true}, {int32(-3), -3, true},
		{uint(3), 3, true}, {uint8(3), 3, true}, {uint16(3), 3, true}, {uint32(3), 3, true},
		{uint64(math.MaxUint64), 0, false}, {uint(math.MaxUint64), 0, false},
		{float32(2), 2, true}, {2.5, 0, false}, {math.NaN(), 0, false}, {math.Inf(1), 0, false},
		{math.Inf(-1), 0, false}, {float64(1 << 63), 0, false}, {float64(-1 << 63), -1 << 63, true},
		{json.Number("7"), 7, true}, {json.Number("7.0"), 7, true}, {json.Number("7.5"), 0, false}, {json.Number("1e19"), 0, false}, {"7", 0, false}, {nil, 0, false},
	} {
		if i, ok := Int64(tc.in); i != tc.i || ok != tc.ok {
			t.Errorf("Int64(%T %v) = %d, %v; want %d, %v", tc.in, tc.in, i, ok, tc.i, tc.ok)
		}
	}
	for _, tc := range []struct {
		in any
		f  float64
		ok bool
	}{
		{float32(1.5), 1.5, true}, {uint64(math.MaxUint64), math.MaxUint64, true}, {int8(-2), -2, true},
		{json.Number("1e400"), 0, false}, {json.Number("x"), 0, false}, {"1", 0, false},
	} {
		if f, ok := Float64(tc.in); ok != tc.ok || (ok && f != tc.f) {
			t.Errorf("Float64(%T %v) = %v, %v; want %v, %v", tc.in, tc.in, f, ok, tc.f, tc.ok)
		}
	}
}
