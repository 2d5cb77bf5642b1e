package sessions

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/vmihailenco/msgpack/v5"
)

// msgpackReference is the Msgpack codec without its hand-written fast
// paths: vmihailenco/msgpack alone, as the codec was before them. The fast
// paths are held to it.
var msgpackReference Codec = msgpackCodec{reflectOnly: true}

// msgpackSame reports whether two decoded or encodable values are equal as
// reflect.DeepEqual sees them, except that floats are compared by their
// bits, so that a NaN equals the same NaN.
func msgpackSame(a, b any) bool {
	switch a := a.(type) {
	case float64:
		b, ok := b.(float64)
		return ok && math.Float64bits(a) == math.Float64bits(b)
	case float32:
		b, ok := b.(float32)
		return ok && math.Float32bits(a) == math.Float32bits(b)
	case []any:
		b, ok := b.([]any)
		if !ok || (a == nil) != (b == nil) || len(a) != len(b) {
			return false
		}
		for i := range a {
			if !msgpackSame(a[i], b[i]) {
				return false
			}
		}
		return true
	case map[string]any:
		b, ok := b.(map[string]any)
		if !ok || (a == nil) != (b == nil) || len(a) != len(b) {
			return false
		}
		for k, av := range a {
			bv, ok := b[k]
			if !ok || !msgpackSame(av, bv) {
				return false
			}
		}
		return true
	}
	return reflect.DeepEqual(a, b)
}

// sameErr reports whether two errors are both nil, or both not nil with
// the same message.
func sameErr(a, b error) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Error() == b.Error()
}

// checkFastEncode encodes v through the hand-written encoder, which must
// not fall back, and through vmihailenco, and reports any difference.
func checkFastEncode(t *testing.T, name string, v any) []byte {
	t.Helper()
	want, wantErr := marshalMsgpackReflect(v)
	got, err := marshalMsgpackFast(v)
	if err != nil || wantErr != nil {
		t.Errorf("%s: fast path: %v; vmihailenco: %v", name, err, wantErr)
		return nil
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s: fast path encodes\n%x\nvmihailenco encodes\n%x", name, got, want)
	}
	return got
}

// checkFastDecode decodes data through the hand-written decoder, which must
// not give up, and through vmihailenco, and reports any difference.
func checkFastDecode(t *testing.T, name string, data []byte) map[string]any {
	t.Helper()
	var want map[string]any
	wantErr := msgpackReference.Unmarshal(data, &want)
	got, ok := unmarshalMsgpackFast(data)
	if !ok || wantErr != nil {
		t.Errorf("%s: fast path ok=%v; vmihailenco: %v (%x)", name, ok, wantErr, data)
		return nil
	}
	if !msgpackSame(got, want) {
		t.Errorf("%s: fast path decodes %#v\nvmihailenco decodes %#v", name, got, want)
	}
	return got
}

// msgpackBoundaryValues returns values at every width and length boundary
// of the msgpack formats, and the other shapes the fast encoder handles.
func msgpackBoundaryValues() map[string]any {
	vals := map[string]any{
		"nil": nil, "true": true, "false": false,
		"duration": 1500 * time.Millisecond, "negative duration": -time.Hour,
		"json.Number": json.Number("12.50"), "json.Number empty": json.Number(""),
		"empty string": "", "utf8": "héllo, 世界 😀", "invalid utf8": "\xff\xfe",
		"nil bytes": []byte(nil), "empty bytes": []byte{},
		"nil slice": []any(nil), "empty slice": []any{},
		"nil map": map[string]any(nil), "empty map": map[string]any{},
		"nested": map[string]any{
			"b": []any{1, "x", map[string]any{"z": nil, "a": []any{}}, []any{[]any{2.5}}},
			"a": map[string]any{"k": map[string]any{"k": map[string]any{}}},
		},
		"key order": map[string]any{"b": 1, "a": 2, "_x": 3, "A": 4, "é": 5, "": 6, "ab": 7, "a\x00": 8, "\xff": 9},
	}
	for _, n := range []int64{
		0, 1, 127, 128, 255, 256, 65535, 65536, math.MaxUint32, math.MaxUint32 + 1, math.MaxInt64,
		-1, -31, -32, -33, -127, -128, -129, -32767, -32768, -32769,
		math.MinInt32 + 1, math.MinInt32, math.MinInt32 - 1, math.MinInt64 + 1, math.MinInt64,
	} {
		vals[fmt.Sprintf("int64 %d", n)] = n
		vals[fmt.Sprintf("int %d", n)] = int(n)
		if n >= 0 {
			vals[fmt.Sprintf("uint64 %d", n)] = uint64(n)
			vals[fmt.Sprintf("uint %d", n)] = uint(n)
		}
		if n == int64(int32(n)) {
			vals[fmt.Sprintf("int32 %d", n)] = int32(n)
		}
		if n == int64(int16(n)) {
			vals[fmt.Sprintf("int16 %d", n)] = int16(n)
		}
		if n == int64(int8(n)) {
			vals[fmt.Sprintf("int8 %d", n)] = int8(n)
		}
		if n >= 0 && n == int64(uint32(n)) {
			vals[fmt.Sprintf("uint32 %d", n)] = uint32(n)
		}
		if n >= 0 && n == int64(uint16(n)) {
			vals[fmt.Sprintf("uint16 %d", n)] = uint16(n)
		}
		if n >= 0 && n == int64(uint8(n)) {
			vals[fmt.Sprintf("uint8 %d", n)] = uint8(n)
		}
	}
	vals["uint64 max"] = uint64(math.MaxUint64)
	vals["uint max"] = uint(math.MaxUint)
	vals["uint64 2^63"] = uint64(1) << 63
	for _, f := range []float64{
		0, math.Copysign(0, -1), 1, -1.5, 0.1, 1e300, math.MaxFloat64, math.SmallestNonzeroFloat64,
		math.Inf(1), math.Inf(-1), math.NaN(), math.Float64frombits(0x7ff0000000000001),
		float64(math.MaxInt64), 1 << 53,
	} {
		vals[fmt.Sprintf("float64 %v %x", f, math.Float64bits(f))] = f
		vals[fmt.Sprintf("float32 %v", float32(f))] = float32(f)
	}
	vals["float32 max"] = float32(math.MaxFloat32)
	vals["float32 smallest"] = float32(math.SmallestNonzeroFloat32)
	vals["float32 signaling NaN"] = math.Float32frombits(0x7f800001)
	for _, n := range []int{1, 15, 16, 31, 32, 33, 255, 256, 65535, 65536, 70000} {
		vals[fmt.Sprintf("string %d", n)] = strings.Repeat("s", n)
		vals[fmt.Sprintf("bytes %d", n)] = bytes.Repeat([]byte{0xb7}, n)
		s := make([]any, n)
		for i := range s {
			s[i] = i
		}
		vals[fmt.Sprintf("slice %d", n)] = s
		if n <= 65536 {
			vals[fmt.Sprintf("map %d", n)] = bigMap(n)
		}
	}
	berlin := time.FixedZone("CET", 3600)
	for name, tm := range map[string]time.Time{
		"epoch":                     time.Unix(0, 0),
		"seconds":                   time.Unix(1700000000, 0),
		"nanos":                     time.Unix(1700000000, 123456789),
		"one nano":                  time.Unix(0, 1),
		"2^32-1 s":                  time.Unix(math.MaxUint32, 0),
		"2^32 s":                    time.Unix(math.MaxUint32+1, 0),
		"2^34-1 s max nanos":        time.Unix(1<<34-1, 999999999),
		"2^34 s":                    time.Unix(1<<34, 0),
		"before 1970":               time.Unix(-1, 0),
		"before 1970 nanos":         time.Unix(-1, 5),
		"1900":                      time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC),
		"year 1":                    time.Date(1, 1, 1, 0, 0, 0, 1, time.UTC),
		"zero":                      {},
		"9999":                      time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC),
		"far future":                time.Date(200000, 6, 1, 0, 0, 0, 0, time.UTC),
		"fixed zone":                time.Date(2024, 3, 1, 12, 0, 0, 7, berlin),
		"now with monotonic clock":  time.Now(),
		"UTC whole seconds in 2^32": time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC),
	} {
		vals["time "+name] = tm
	}
	return vals
}

// The fast encoder writes exactly vmihailenco's bytes for every boundary
// value, alone, as a map value and as a slice element (vmihailenco encodes
// slice elements through reflection, map values without), and for all of
// them in one record.
func TestMsgpackFastEncodeBoundaries(t *testing.T) {
	vals := msgpackBoundaryValues()
	for name, v := range vals {
		checkFastEncode(t, name, v)
		checkFastEncode(t, name+" in map", map[string]any{"v": v, "_permanent": true})
		checkFastEncode(t, name+" in slice", []any{v, v})
	}
	checkFastEncode(t, "all", vals)
}

// The encodings of representative values, pinned: a change in
// vmihailenco's output would show here, not only as a mismatch between
// the two encoders.
func TestMsgpackFastEncodeGolden(t *testing.T) {
	for _, tc := range []struct {
		v    any
		want string
	}{
		{nil, "c0"},
		{true, "c3"},
		{127, "7f"},
		{128, "cc80"},
		{256, "cd0100"},
		{65536, "ce00010000"},
		{int64(math.MaxUint32 + 1), "cf0000000100000000"},
		{uint64(math.MaxUint64), "cfffffffffffffffff"},
		{-32, "e0"},
		{-33, "d0df"},
		{-129, "d1ff7f"},
		{-32769, "d2ffff7fff"},
		{int64(math.MinInt32 - 1), "d3ffffffff7fffffff"},
		{int8(-1), "ff"},
		{uint8(200), "ccc8"},
		{1.5, "cb3ff8000000000000"},
		{float32(1.5), "ca3fc00000"},
		{"hi", "a26869"},
		{strings.Repeat("a", 32), "d920" + strings.Repeat("61", 32)},
		{[]byte{}, "c400"},
		{[]byte{1, 2}, "c4020102"},
		{[]any{}, "90"},
		{map[string]any{"b": 1, "a": nil}, "82a161c0a16201"},
		{time.Unix(1700000000, 0), "d6ff6553f100"},
		{time.Unix(1700000000, 5), "d7ff000000146553f100"},
		{time.Unix(-1, 0), "c70cff00000000ffffffffffffffff"},
		{json.Number("1"), "a131"},
		{time.Second, "ce3b9aca00"},
	} {
		got := checkFastEncode(t, fmt.Sprintf("%T %v", tc.v, tc.v), tc.v)
		if hex.EncodeToString(got) != tc.want {
			t.Errorf("%T %v: encoded %x, want %s", tc.v, tc.v, got, tc.want)
		}
	}
}

// testMarshaler has its own msgpack encoding, which the fast path must not
// bypass.
type testMarshaler struct{}

// MarshalMsgpack encodes the string "custom".
func (testMarshaler) MarshalMsgpack() ([]byte, error) {
	return []byte{0xa6, 'c', 'u', 's', 't', 'o', 'm'}, nil
}

// testNamedInt is a named integer type: not one of the types the fast path
// handles.
type testNamedInt int

// Values holding anything the fast path does not handle, at any depth, are
// encoded whole by vmihailenco, with the bytes it always wrote.
func TestMsgpackFastEncodeFallback(t *testing.T) {
	type cart struct {
		Items []string `json:"items"`
		Total float64  `json:"total,omitempty"`
	}
	n := 5
	for name, v := range map[string]any{
		"struct":           cart{Items: []string{"a"}},
		"pointer":          &n,
		"nil pointer":      (*int)(nil),
		"map[string]int":   map[string]int{"a": 1},
		"map[string]bool":  map[string]bool{"b": true, "a": false},
		"[]string":         []string{"a", "b"},
		"[]int":            []int{1, 2},
		"[2]any":           [2]any{1, "x"},
		"named int":        testNamedInt(3),
		"Marshaler":        testMarshaler{},
		"RawMessage":       json.RawMessage(`{"a":1}`),
		"map[any]any":      map[any]any{"a": 1},
		"error":            errors.New("boom"),
		"deep struct":      map[string]any{"a": map[string]any{"b": []any{1, "x", cart{Total: 2}}}},
		"deep Marshaler":   []any{map[string]any{"m": testMarshaler{}}},
		"after good value": map[string]any{"a": strings.Repeat("x", 100), "z": &n},
	} {
		if _, err := marshalMsgpackFast(v); !errors.Is(err, errMsgpackFallback) {
			t.Errorf("%s: fast path gave %v, want errMsgpackFallback", name, err)
		}
		got, err := Msgpack.Marshal(v)
		want, wantErr := msgpackReference.Marshal(v)
		if !bytes.Equal(got, want) || !sameErr(err, wantErr) {
			t.Errorf("%s: Msgpack encodes %x, %v; vmihailenco %x, %v", name, got, err, want, wantErr)
		}
	}
	// Unencodable values fail the same way.
	for name, v := range map[string]any{"func": func() {}, "chan in map": map[string]any{"c": make(chan int)}, "complex": complex(1, 2)} {
		_, err := Msgpack.Marshal(v)
		_, wantErr := msgpackReference.Marshal(v)
		if err == nil || !sameErr(err, wantErr) {
			t.Errorf("%s: Msgpack: %v; vmihailenco: %v", name, err, wantErr)
		}
	}
}

// nestedValue returns depth non-empty arrays around a nil, under "a".
func nestedValue(depth int) map[string]any {
	var v any
	for range depth {
		v = []any{v}
	}
	return map[string]any{"a": v}
}

// The fast encoder refuses, as Unmarshal does, values nested deeper than
// maxMsgpackDepth, and a cyclic map or slice makes Marshal fail instead of
// overflowing the stack; what it encodes at the limit decodes.
func TestMsgpackFastEncodeDepth(t *testing.T) {
	for _, depth := range []int{100, maxMsgpackDepth - 2, maxMsgpackDepth - 1} {
		data, err := Msgpack.Marshal(nestedValue(depth))
		if err != nil {
			t.Fatalf("depth %d: %v", depth, err)
		}
		if _, err := decodeRecord(Msgpack, data); err != nil {
			t.Errorf("depth %d: encoded but does not decode: %v", depth, err)
		}
	}
	for _, depth := range []int{maxMsgpackDepth, maxMsgpackDepth + 10} {
		if _, err := Msgpack.Marshal(nestedValue(depth)); !errors.Is(err, errMsgpackDepth) {
			t.Errorf("depth %d: %v, want errMsgpackDepth", depth, err)
		}
		// vmihailenco encodes it, but no record that deep decodes.
		data, err := msgpackReference.Marshal(nestedValue(depth))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := decodeRecord(Msgpack, data); !errors.Is(err, errMsgpackDepth) {
			t.Errorf("depth %d: decoding gave %v, want errMsgpackDepth", depth, err)
		}
	}
	cyclic := map[string]any{}
	cyclic["self"] = cyclic
	loop := []any{nil}
	loop[0] = loop
	for name, v := range map[string]any{"map": cyclic, "slice": loop} {
		if _, err := Msgpack.Marshal(v); !errors.Is(err, errMsgpackDepth) {
			t.Errorf("cyclic %s: %v, want errMsgpackDepth", name, err)
		}
	}
	// The encoder is left clean for the next call.
	checkFastEncode(t, "after cyclic", map[string]any{"a": 1})
}

// rec returns the record {"v": <hex>}.
func rec(h string) []byte {
	b, err := hex.DecodeString("81a176" + h)
	if err != nil {
		panic(err)
	}
	return b
}

// The fast decoder builds what vmihailenco builds, for every format and
// width, canonical or not.
func TestMsgpackFastDecodeFormats(t *testing.T) {
	local := func(sec, nsec int64) time.Time { return time.Unix(sec, nsec) }
	u32 := func(n uint32) string { return hex.EncodeToString(binary.BigEndian.AppendUint32(nil, n)) }
	u64 := func(n uint64) string { return hex.EncodeToString(binary.BigEndian.AppendUint64(nil, n)) }
	for _, tc := range []struct {
		name string
		hex  string
		want any
	}{
		{"positive fixint 0", "00", int64(0)},
		{"positive fixint 127", "7f", int64(127)},
		{"negative fixint -1", "ff", int64(-1)},
		{"negative fixint -32", "e0", int64(-32)},
		{"uint8 255", "ccff", uint64(255)},
		{"uint8 small", "cc01", uint64(1)},
		{"uint16 max", "cdffff", uint64(65535)},
		{"uint32 max", "ceffffffff", uint64(math.MaxUint32)},
		{"uint64 max", "cfffffffffffffffff", uint64(math.MaxUint64)},
		{"int8 min", "d080", int64(math.MinInt8)},
		{"int8 positive", "d005", int64(5)},
		{"int16 min", "d18000", int64(math.MinInt16)},
		{"int32 min", "d280000000", int64(math.MinInt32)},
		{"int64 min", "d38000000000000000", int64(math.MinInt64)},
		{"int64 max", "d37fffffffffffffff", int64(math.MaxInt64)},
		{"float32", "ca3fc00000", 1.5},
		{"float32 0.1", "ca3dcccccd", float64(float32(0.1))},
		{"float32 inf", "ca7f800000", math.Inf(1)},
		{"float32 -inf", "caff800000", math.Inf(-1)},
		{"float32 NaN", "ca7fc00000", float64(math.Float32frombits(0x7fc00000))},
		{"float64", "cb3ff8000000000000", 1.5},
		{"float64 -0", "cb8000000000000000", math.Copysign(0, -1)},
		{"float64 NaN", "cb7ff8000000000001", math.Float64frombits(0x7ff8000000000001)},
		{"nil", "c0", nil},
		{"false", "c2", false},
		{"true", "c3", true},
		{"fixstr empty", "a0", ""},
		{"fixstr 31", "bf" + strings.Repeat("61", 31), strings.Repeat("a", 31)},
		{"str8 short", "d90161", "a"},
		{"str8 empty", "d900", ""},
		{"str16", "da0002" + "6162", "ab"},
		{"str32", "db00000002" + "6162", "ab"},
		{"bin8 empty", "c400", ""},
		{"bin8", "c402fffe", "\xff\xfe"},
		{"bin16", "c50001" + "00", "\x00"},
		{"bin32", "c600000001" + "41", "A"},
		{"fixarray", "9301a1789100", []any{int64(1), "x", []any{int64(0)}}},
		{"empty array", "90", []any{}},
		{"array16", "dc000101", []any{int64(1)}},
		{"array16 empty", "dc0000", []any{}},
		{"array32", "dd0000000101", []any{int64(1)}},
		{"fixmap", "82a16101a162c0", map[string]any{"a": int64(1), "b": nil}},
		{"empty map", "80", map[string]any{}},
		{"map16", "de0001a16101", map[string]any{"a": int64(1)}},
		{"map32", "df00000001a16101", map[string]any{"a": int64(1)}},
		{"map32 empty", "df00000000", map[string]any{}},
		{"bin key", "81c4016101", map[string]any{"a": int64(1)}},
		{"str8 key", "81d9016101", map[string]any{"a": int64(1)}},
		{"nil key", "81c001", map[string]any{"": int64(1)}},
		{"duplicate keys", "82a16101a16102", map[string]any{"a": int64(2)}},
		{"timestamp32", "d6ff" + u32(1700000000), local(1700000000, 0)},
		{"timestamp32 epoch", "d6ff00000000", local(0, 0)},
		{"timestamp32 max", "d6ffffffffff", local(math.MaxUint32, 0)},
		{"timestamp64", "d7ff" + u64(123<<34|1700000000), local(1700000000, 123)},
		{"timestamp64 nanos over 1e9", "d7ff" + u64(0x3fffffff<<34|5), local(5, 0x3fffffff)},
		{"timestamp64 max seconds", "d7ff" + u64(1<<34-1), local(1<<34-1, 0)},
		{"timestamp96 pre-1970", "c70cff" + u32(5) + u64(math.MaxUint64), local(-1, 5)},
		{"timestamp96 far future", "c70cff" + u32(0) + u64(1<<40), local(1<<40, 0)},
		{"timestamp96 zero time", "c70cff" + u32(0) + u64(uint64(time.Time{}.Unix())), time.Time{}},
		{"timestamp96 max nanos", "c70cff" + u32(math.MaxUint32) + u64(0), local(0, math.MaxUint32)},
		{"timestamp96 min seconds", "c70cff" + u32(0) + u64(1<<63), local(math.MinInt64, 0)},
		{"timestamp in ext8", "c704ff" + u32(7), local(7, 0)},
		{"timestamp in ext16", "c8000cff" + u32(1) + u64(2), local(2, 1)},
		{"timestamp in ext32", "c900000008ff" + u64(1<<34|3), local(3, 1)},
		{"nested", "82a16192a162c0a16381a164d6ff00000001",
			map[string]any{"a": []any{"b", nil}, "c": map[string]any{"d": local(1, 0)}}},
	} {
		got := checkFastDecode(t, tc.name, rec(tc.hex))
		if got != nil && !msgpackSame(got["v"], tc.want) {
			t.Errorf("%s: decoded %#v, want %#v", tc.name, got["v"], tc.want)
		}
	}
	// Whole records.
	for name, h := range map[string]string{
		"nil record":   "c0",
		"empty record": "80",
		"map16 record": "de0001a16101",
		"map32 record": "df00000001a16101",
	} {
		data, _ := hex.DecodeString(h)
		checkFastDecode(t, name, data)
	}
	if m, ok := unmarshalMsgpackFast([]byte{0xc0}); !ok || m != nil {
		t.Errorf("nil record: %#v, %v; want a nil map", m, ok)
	}
}

// Strings and bins at each length boundary, arrays and maps at each count
// boundary, and the boundary values of the encoder, decode as vmihailenco
// decodes them, and re-encode to the same bytes.
func TestMsgpackFastDecodeRoundTrip(t *testing.T) {
	for name, v := range msgpackBoundaryValues() {
		data, err := msgpackReference.Marshal(map[string]any{"v": v})
		if err != nil {
			t.Fatal(err)
		}
		got := checkFastDecode(t, name, data)
		again, err := Msgpack.Marshal(got)
		want, wantErr := msgpackReference.Marshal(got)
		if err != nil || wantErr != nil || !bytes.Equal(again, want) {
			t.Errorf("%s: re-encoded %x, %v; vmihailenco %x, %v", name, again, err, want, wantErr)
		}
	}
}

// The fast decoder gives up on every record it does not decode exactly as
// vmihailenco would, and Unmarshal then returns what it always returned:
// the same error, or for the rare record only vmihailenco understands
// (a map after an extension header), the same value.
func TestMsgpackFastDecodeDeclines(t *testing.T) {
	cases := map[string][]byte{
		"empty":                {},
		"trailing":             {0x80, 0xc0},
		"trailing after nil":   {0xc0, 0xc0},
		"0xc1":                 rec("c1"),
		"0xc1 key":             {0x81, 0xc1, 0x01},
		"int key":              {0x81, 0x01, 0x01},
		"array key":            {0x81, 0x90, 0x01},
		"map key":              {0x81, 0x80, 0x01},
		"bool key":             {0x81, 0xc3, 0x01},
		"top-level array":      {0x91, 0x01},
		"top-level string":     {0xa1, 'a'},
		"top-level int":        {0x01},
		"ext before map":       {0xd4, 0x05, 0x01, 0x81, 0xa1, 'a', 0x01},
		"ext8 before map":      {0xc7, 0x00, 0x05, 0x80},
		"unknown ext":          rec("d40501"),
		"unknown ext8":         rec("c7020501ff"),
		"time fixext1":         rec("d4ff01"),
		"time fixext16":        rec("d8ff" + strings.Repeat("00", 16)),
		"time ext8 empty":      rec("c700ff"),
		"time ext8 len 5":      rec("c705ff0000000000"),
		"truncated str":        rec("a5616263"),
		"truncated str32":      rec("dbffffffff61"),
		"truncated bin32":      rec("c67fffffff78"),
		"truncated float":      rec("cb3ff8"),
		"truncated uint64":     rec("cf0000"),
		"truncated time":       rec("d7ff0000"),
		"truncated ext32":      rec("c9ffffffff0178"),
		"truncated map":        {0x82, 0xa1, 'a', 0x01},
		"truncated header":     {0xde, 0x00},
		"array32 2^32-1":       rec("ddffffffff"),
		"map32 2^32-1":         {0xdf, 0xff, 0xff, 0xff, 0xff},
		"nested claims":        rec(strings.Repeat("dd00100000", 50)),
		"claims over siblings": rec("92dc0003c0c0c0"),
		"too deep":             rec(strings.Repeat("91", maxMsgpackDepth) + "c0"),
		"key then truncation":  {0x82, 0x01, 0x01, 0xa1, 'a', 0xa5},
	}
	for name, data := range cases {
		if m, ok := unmarshalMsgpackFast(data); ok {
			t.Errorf("%s: fast path decoded %#v", name, m)
		}
		var got, want map[string]any
		err := Msgpack.Unmarshal(data, &got)
		wantErr := msgpackReference.Unmarshal(data, &want)
		if !sameErr(err, wantErr) || !msgpackSame(got, want) {
			t.Errorf("%s: Msgpack gives %#v, %v; vmihailenco %#v, %v", name, got, err, want, wantErr)
		}
	}
	// Records at the depth limit still take the fast path.
	checkFastDecode(t, "deepest", rec(strings.Repeat("91", maxMsgpackDepth-1)+"c0"))
	checkFastDecode(t, "deepest then empty", rec(strings.Repeat("91", maxMsgpackDepth-1)+"90"))
}

// The fast decoder sizes nothing from a header the record cannot back, so
// hostile lengths cost it no more than the record's own size.
func TestMsgpackFastDecodeHostileLengths(t *testing.T) {
	for name, data := range map[string][]byte{
		"array32":        rec("dd00100000" + strings.Repeat("c0", 100)),
		"map32":          {0xdf, 0x00, 0x10, 0x00, 0x00, 0xa1, 'k', 0xc0},
		"nested arrays":  rec(strings.Repeat("dc0010", 300)),
		"nested maps":    rec(strings.Repeat("de0010a161", 300)),
		"many siblings":  rec("dc0100" + strings.Repeat("dc00ff", 200)),
		"array16 filled": rec("dcffff" + strings.Repeat("c0", 1000)),
	} {
		n := allocated(func() { unmarshalMsgpackFast(data) })
		if n > 64<<10 {
			t.Errorf("%s: %d-byte record allocated %d bytes", name, len(data), n)
		}
	}
}

// Decoded records are fresh maps with their own strings: changing the
// input after decoding changes nothing.
func TestMsgpackFastDecodeCopies(t *testing.T) {
	data := rec("a3616263")
	m, ok := unmarshalMsgpackFast(data)
	if !ok {
		t.Fatal("declined")
	}
	for i := range data {
		data[i] = 0
	}
	if m["v"] != "abc" {
		t.Errorf("decoded value changed with the input: %q", m["v"])
	}
}

// Marshal and Unmarshal use the fast paths without allocating more than
// the result needs: one allocation for the encoding, and for a record of a
// string and small numbers, the map (header and table), the record's text
// and the one boxed string.
func TestMsgpackFastAllocs(t *testing.T) {
	values := map[string]any{"_permanent": true, "user_id": 42, "csrf": "0123456789abcdef"}
	data, err := Msgpack.Marshal(values)
	if err != nil {
		t.Fatal(err)
	}
	if n := testing.AllocsPerRun(100, func() { _, _ = Msgpack.Marshal(values) }); n > 1 {
		t.Errorf("Marshal: %v allocations, want 1", n)
	}
	var m map[string]any
	if n := testing.AllocsPerRun(100, func() { _ = Msgpack.Unmarshal(data, &m) }); n > 4 {
		t.Errorf("Unmarshal: %v allocations, want 4", n)
	}
}

// msgpackValueBuilder builds a value out of fuzz input, of any type the
// fast encoder handles and, now and then, one it does not.
type msgpackValueBuilder struct {
	data   []byte
	budget int // values left to build; a 64 KB string takes 100
}

// byte returns the next input byte, or 0 when the input is used up.
func (b *msgpackValueBuilder) byte() byte {
	if len(b.data) == 0 {
		return 0
	}
	c := b.data[0]
	b.data = b.data[1:]
	return c
}

// uint64 returns the next 8 input bytes as a number.
func (b *msgpackValueBuilder) uint64() uint64 {
	var n uint64
	for range 8 {
		n = n<<8 | uint64(b.byte())
	}
	return n
}

// str returns a string of up to 40 input bytes, now and then stretched to
// a length boundary.
func (b *msgpackValueBuilder) str() string {
	n := int(b.byte() % 41)
	if n > len(b.data) {
		n = len(b.data)
	}
	s := string(b.data[:n])
	b.data = b.data[n:]
	switch b.byte() % 16 {
	case 0:
		s += strings.Repeat("p", 256-len(s))
	case 1:
		if b.budget >= 100 {
			b.budget -= 100
			s += strings.Repeat("q", 65536-len(s))
		}
	}
	return s
}

// value builds a value nested at most depth levels deep.
func (b *msgpackValueBuilder) value(depth int) any {
	if b.budget <= 0 {
		return nil
	}
	b.budget--
	op := b.byte()
	if depth <= 0 && op%32 >= 24 {
		op = 0
	}
	switch op % 32 {
	case 0:
		return nil
	case 1:
		return op&0x80 != 0
	case 2:
		return int(int64(b.uint64()) >> (b.byte() % 64))
	case 3:
		return int64(b.uint64()) >> (b.byte() % 64)
	case 4:
		return int32(b.uint64())
	case 5:
		return int16(b.uint64())
	case 6:
		return int8(b.byte())
	case 7:
		return uint(b.uint64() >> (b.byte() % 64))
	case 8:
		return b.uint64() >> (b.byte() % 64)
	case 9:
		return uint32(b.uint64())
	case 10:
		return uint16(b.uint64())
	case 11:
		return b.byte()
	case 12:
		return math.Float64frombits(b.uint64())
	case 13:
		return math.Float32frombits(uint32(b.uint64()))
	case 14:
		return float64(int8(b.byte())) / 4
	case 15, 16:
		return b.str()
	case 17:
		if op&0x80 != 0 {
			return []byte(nil)
		}
		return []byte(b.str())
	case 18:
		loc := time.Local
		switch op >> 6 {
		case 1:
			loc = time.UTC
		case 2:
			loc = time.FixedZone("X", int(int8(b.byte()))*900)
		}
		return time.Unix(int64(b.uint64())>>(b.byte()%64), int64(b.uint64()%2e9)-5e8).In(loc)
	case 19:
		return time.Duration(b.uint64())
	case 20:
		return json.Number(b.str())
	case 21:
		return time.Time{}
	case 22:
		if op&0x80 != 0 {
			return testNamedInt(b.byte()) // falls back
		}
		return struct{ A int }{int(b.byte())} // falls back
	case 23:
		return map[string]string{b.str(): b.str()} // falls back
	case 24, 25, 26:
		if op&0x80 != 0 && op%32 == 24 {
			return []any(nil)
		}
		n := int(b.byte() % 20)
		s := make([]any, 0, n)
		for range n {
			s = append(s, b.value(depth-1))
		}
		return s
	default:
		if op&0x80 != 0 && op%32 == 27 {
			return map[string]any(nil)
		}
		n := int(b.byte() % 20)
		m := make(map[string]any, n)
		for range n {
			m[b.str()] = b.value(depth - 1)
		}
		return m
	}
}

// FuzzMsgpackFastPath holds the hand-written codec to vmihailenco/msgpack.
// Decoding: whenever the fast decoder succeeds, vmihailenco succeeds with
// the same value; the fast decoder gives up on nothing else vmihailenco
// decodes but maps after an extension header; and Unmarshal agrees with
// vmihailenco on every error. Encoding: every value decoded, and a value
// built from the input, encode to vmihailenco's bytes, or fall back to it
// for types the fast path does not handle.
//
//	go test ./sessions -run '^$' -fuzz FuzzMsgpackFastPath -fuzztime 60s
func FuzzMsgpackFastPath(f *testing.F) {
	for _, v := range msgpackBoundaryValues() {
		if s, ok := v.(string); ok && len(s) > 1000 {
			continue
		}
		data, err := msgpackReference.Marshal(map[string]any{"v": v, "_permanent": true})
		if err == nil && len(data) < 4096 {
			f.Add(data)
		}
	}
	for _, r := range benchRecords() {
		data, _ := msgpackReference.Marshal(r.values)
		f.Add(data)
	}
	for _, h := range []string{"", "c0", "80", "c1", "d4050181a16101", "81c001", "81c4016101", "81a176c70cff" + strings.Repeat("00", 12)} {
		data, _ := hex.DecodeString(h)
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		// Decoding.
		var want, got map[string]any
		wantErr := msgpackReference.Unmarshal(data, &want)
		fast, ok := unmarshalMsgpackFast(data)
		switch {
		case ok && wantErr != nil:
			t.Fatalf("fast path decodes %x to %#v; vmihailenco fails: %v", data, fast, wantErr)
		case ok && !msgpackSame(fast, want):
			t.Fatalf("%x: fast path decodes %#v\nvmihailenco decodes %#v", data, fast, want)
		case !ok && wantErr == nil && !isMsgpackExt(data[0]):
			t.Fatalf("fast path gives up on %x, which vmihailenco decodes to %#v", data, want)
		}
		err := Msgpack.Unmarshal(data, &got)
		if !sameErr(err, wantErr) || !msgpackSame(got, want) {
			t.Fatalf("%x: Msgpack gives %#v, %v\nvmihailenco %#v, %v", data, got, err, want, wantErr)
		}
		if wantErr == nil {
			enc, err := marshalMsgpackFast(want)
			ref, refErr := msgpackReference.Marshal(want)
			if err != nil || refErr != nil || !bytes.Equal(enc, ref) {
				t.Fatalf("%#v: fast path encodes %x, %v\nvmihailenco %x, %v", want, enc, err, ref, refErr)
			}
			// It decodes as vmihailenco decodes it (not always to want:
			// an int64 above 127 is encoded unsigned and comes back uint64).
			var refAgain map[string]any
			again, ok := unmarshalMsgpackFast(enc)
			if refErr := msgpackReference.Unmarshal(enc, &refAgain); !ok || refErr != nil || !msgpackSame(again, refAgain) {
				t.Fatalf("%#v: our encoding %x decodes to %#v, %v; vmihailenco %#v, %v", want, enc, again, ok, refAgain, refErr)
			}
		}

		// Encoding.
		b := msgpackValueBuilder{data: data, budget: 500}
		v := b.value(4)
		enc, err := marshalMsgpackFast(v)
		if errors.Is(err, errMsgpackFallback) {
			return
		}
		ref, refErr := marshalMsgpackReflect(v)
		if err != nil || refErr != nil || !bytes.Equal(enc, ref) {
			t.Fatalf("%#v: fast path encodes %x, %v\nvmihailenco %x, %v", v, enc, err, ref, refErr)
		}
	})
}

// isMsgpackExt reports whether c begins an extension.
func isMsgpackExt(c byte) bool {
	return c >= 0xc7 && c <= 0xc9 || c >= 0xd4 && c <= 0xd8
}

// testMarshaler is a msgpack.Marshaler.
var _ msgpack.Marshaler = testMarshaler{}
