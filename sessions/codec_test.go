package sessions

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/serversession/serversession/internal/msgpackcheck"
)

// allocated returns the bytes f allocates.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// A stored record declaring huge container or string sizes is
// rejected before vmihailenco/msgpack sizes an allocation from it (it would
// reserve 16 bytes per claimed element: 64 GB for 2^32).
func TestMsgpackHostileLengths(t *testing.T) {
	prefix := []byte{0x81, 0xa1, 'a'} // {"a": ...}
	cases := map[string][]byte{
		"array32 2^32-1": {0xdd, 0xff, 0xff, 0xff, 0xff},
		"array32 2^24":   {0xdd, 0x01, 0x00, 0x00, 0x00, 0xc0, 0xc0},
		"map32 2^32-1":   {0xdf, 0xff, 0xff, 0xff, 0xff},
		"map32 2^24":     {0xdf, 0x01, 0x00, 0x00, 0x00, 0xa1, 'k', 0xc0},
		"array16 full":   {0xdc, 0xff, 0xff, 0xc0},
		"str32":          {0xdb, 0xff, 0xff, 0xff, 0xff, 'x'},
		"bin32":          {0xc6, 0x7f, 0xff, 0xff, 0xff, 'x'},
		"ext32":          {0xc9, 0xff, 0xff, 0xff, 0xff, 0x01, 'x'},
		"nested arrays":  bytes.Repeat([]byte{0xdd, 0x00, 0x10, 0x00, 0x00}, 50),
	}
	for name, tail := range cases {
		data := append(append([]byte(nil), prefix...), tail...)
		var err error
		n := allocated(func() { _, err = decodeRecord(Msgpack, data) })
		if err == nil {
			t.Errorf("%s: decoded", name)
		}
		if n > 1<<20 {
			t.Errorf("%s: decoding %d bytes allocated %d bytes", name, len(data), n)
		}
	}
	// The top-level map header is checked as well.
	if _, err := decodeRecord(Msgpack, []byte{0xdf, 0xff, 0xff, 0xff, 0xff}); err == nil {
		t.Error("map32 header with no entries decoded")
	}
}

// A record nested deeper than encoding/json allows is rejected before the
// recursive decoder can exhaust the stack; ordinary nesting decodes.
func TestMsgpackDepth(t *testing.T) {
	nested := func(depth int) []byte {
		b := []byte{0x81, 0xa1, 'a'}
		b = append(b, bytes.Repeat([]byte{0x91}, depth)...)
		return append(b, 0xc0)
	}
	if _, err := decodeRecord(Msgpack, nested(100)); err != nil {
		t.Errorf("depth 100: %v", err)
	}
	if _, err := decodeRecord(Msgpack, nested(maxMsgpackDepth-1)); err != nil {
		t.Errorf("depth %d: %v", maxMsgpackDepth, err)
	}
	if _, err := decodeRecord(Msgpack, nested(maxMsgpackDepth+1)); !errors.Is(err, errMsgpackDepth) {
		t.Errorf("depth %d: %v, want errMsgpackDepth", maxMsgpackDepth+1, err)
	}
}

// checkMsgpack is the check Msgpack runs before it decodes.
var checkMsgpack = msgpackcheck.Check

// checkMsgpack accepts every msgpack format the decoder accepts, and
// rejects every truncation of them.
func TestCheckMsgpackFormats(t *testing.T) {
	long := strings.Repeat("x", 300)
	values := map[string]any{
		"nil": nil, "t": true, "f": false,
		"fixint": 5, "negfixint": -5, "u8": 200, "u16": 60000, "u32": uint32(4e9), "u64": uint64(math.MaxUint64),
		"i8": -100, "i16": -30000, "i32": int32(-2e9), "i64": int64(math.MinInt64),
		"f32": float32(1.5), "f64": 2.25,
		"fixstr": "hi", "str8": strings.Repeat("s", 40), "str16": long, "str32": strings.Repeat("y", 70000),
		"bin8": []byte{1, 2, 3}, "bin16": bytes.Repeat([]byte{7}, 300), "bin32": bytes.Repeat([]byte{8}, 70000),
		"fixarray": []any{1, "a"}, "array16": make([]any, 20), "array32": make([]any, 70000),
		"fixmap": map[string]any{"k": 1}, "empty": map[string]any{}, "emptylist": []any{},
		"map16": bigMap(20), "map32": bigMap(70000),
		"time": time.Unix(1700000000, 123), "time32": time.Unix(1700000000, 0), "time96": time.Unix(-1, 5),
	}
	data, err := Msgpack.Marshal(values)
	if err != nil {
		t.Fatal(err)
	}
	if err := checkMsgpack(data); err != nil {
		t.Fatalf("checkMsgpack rejects our own encoding: %v", err)
	}
	got, err := decodeRecord(Msgpack, data)
	if err != nil || len(got) != len(values) {
		t.Fatalf("decoded %d keys, %v", len(got), err)
	}
	// Hand-written formats our encoder does not produce.
	for name, v := range map[string][]byte{
		"fixext1": {0xd4, 0x05, 0x01}, "fixext16": append([]byte{0xd8, 0x05}, make([]byte, 16)...),
		"ext8": {0xc7, 0x02, 0x05, 0x01, 0x02}, "ext16": {0xc8, 0x00, 0x01, 0x05, 0x01},
		"str8": {0xd9, 0x01, 'a'}, "map16": {0xde, 0x00, 0x01, 0xa1, 'k', 0x01},
		"array16": {0xdc, 0x00, 0x01, 0x01}, "uint8": {0xcc, 0xff}, "int16": {0xd1, 0x80, 0x00},
	} {
		rec := append([]byte{0x81, 0xa1, 'v'}, v...)
		if err := checkMsgpack(rec); err != nil {
			t.Errorf("%s: checkMsgpack: %v", name, err)
		}
		for i := 0; i < len(rec); i++ {
			if checkMsgpack(rec[:i]) == nil {
				t.Errorf("%s: accepted truncated to %d bytes", name, i)
			}
		}
		if checkMsgpack(append(rec, 0xc0)) == nil {
			t.Errorf("%s: accepted trailing data", name)
		}
	}
	if checkMsgpack([]byte{0x81, 0xa1, 'v', 0xc1}) == nil {
		t.Error("accepted 0xc1")
	}
	// A record that is an extension whose payload, read as the map the
	// decoder expects, claims an array of 2^32-1 elements: the decoder
	// skips an extension's header where it wants a map, so the payload
	// must never reach it (found by FuzzMsgpackDecode: out of memory).
	for _, ext := range [][]byte{
		{0xd7, 0xd7, 0x81, 0xa1, 'a', 0xdd, 0xff, 0xff, 0xff, 0xff},
		{0xd7, 0xff, 0x81, 0xa1, 'a', 0xdd, 0xff, 0xff, 0xff, 0xff}, // as a timestamp's type
		{0xc7, 0x08, 0x05, 0x81, 0xa1, 'a', 0xdd, 0xff, 0xff, 0xff, 0xff},
	} {
		if _, err := decodeRecord(Msgpack, ext); !errors.Is(err, msgpackcheck.ErrExtension) {
			t.Errorf("% x: decodeRecord error %v, want msgpackcheck.ErrExtension", ext, err)
		}
	}
	// Every truncation of the big record is rejected, without a panic.
	small, _ := Msgpack.Marshal(map[string]any{"a": []any{1, "b", map[string]any{"c": 1.5}}, "t": time.Unix(5, 0)})
	for i := 0; i < len(small); i++ {
		if _, err := decodeRecord(Msgpack, small[:i]); err == nil {
			t.Errorf("truncated to %d bytes: decoded", i)
		}
	}
}

func bigMap(n int) map[string]any {
	m := make(map[string]any, n)
	for i := range n {
		m[fmt.Sprint(i)] = i
	}
	return m
}

// The codecs are deterministic, as nested-change detection needs: equal
// values encode to equal bytes whatever the map iteration order.
func TestCodecsDeterministic(t *testing.T) {
	for _, codec := range []Codec{Msgpack, JSON} {
		v := map[string]any{"m": bigMap(50), "n": map[string]any{"z": bigMap(5), "a": []any{bigMap(5)}}}
		first, err := codec.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		for range 20 {
			again, _ := codec.Marshal(v)
			if !bytes.Equal(first, again) {
				t.Fatalf("%T encodes the same map two ways", codec)
			}
		}
	}
}

// A JSON record must be one object and nothing after it but spaces.
func TestJSONTrailingData(t *testing.T) {
	for _, bad := range []string{`{"a":1} x`, `{"a":1}]`, `{"a":1}}`, `{"a":1}{}`, `{"a":1`, `[1]`, `"a"`, ``} {
		if v, err := decodeRecord(JSON, []byte(bad)); err == nil {
			t.Errorf("decoded %q as %v", bad, v)
		}
	}
	for _, good := range []string{`{"a":1}`, " {\"a\":1} \n", `null`} {
		if _, err := decodeRecord(JSON, []byte(good)); err != nil {
			t.Errorf("%q: %v", good, err)
		}
	}
}

// Records decode into fresh maps: what one request decodes is not shared
// with another through the pooled decoder.
func TestMsgpackDecoderPoolIsolation(t *testing.T) {
	a, _ := Msgpack.Marshal(map[string]any{"k": []any{"a"}})
	b, _ := Msgpack.Marshal(map[string]any{"k": []any{"b"}})
	va, _ := decodeRecord(Msgpack, a)
	vb, _ := decodeRecord(Msgpack, b)
	if !reflect.DeepEqual(va["k"], []any{"a"}) || !reflect.DeepEqual(vb["k"], []any{"b"}) {
		t.Errorf("decoded %v and %v", va, vb)
	}
}

// The JSON codec writes integral floats with a decimal point, as Python
// does; every other output is json.Marshal's, byte for byte, and the
// values it is given are left as they were.
func TestJSONFloatsStayFloats(t *testing.T) {
	type withFloat struct {
		X float64 `json:"x"`
	}
	negZero := math.Copysign(0, -1)
	for _, tc := range []struct {
		in   any
		want string
	}{
		{2.0, `2.0`},
		{float32(2), `2.0`},
		{negZero, `-0.0`},
		{0.0, `0.0`},
		{-3.0, `-3.0`},
		{1e16, `10000000000000000.0`},
		{1e20, `100000000000000000000.0`},
		{1e21, `1e+21`},
		{float32(16777216), `16777216.0`},
		{2.5, `2.5`},
		{1e-7, `1e-7`},
		{float32(0.1), `0.1`},
		{[]any{1.0, 1, "1", []any{2.0}}, `[1.0,1,"1",[2.0]]`},
		{map[string]any{"a": map[string]any{"b": 4.0}, "c": 4}, `{"a":{"b":4.0},"c":4}`},
		{[]float64{1, 1.5}, `[1.0,1.5]`},
		{map[string]float64{"a": 1, "b": 1.5}, `{"a":1.0,"b":1.5}`},
		{json.Number("2"), `2`},
		{withFloat{2}, `{"x":2}`}, // inside a struct: as encoding/json writes it
		{map[string]any{"s": "<&>", "i": int64(-5), "u": uint64(math.MaxUint64), "b": true, "n": nil}, ""},
		{[]any{"x", 1, json.Number("1.5"), map[string]any{}}, ""},
	} {
		want := tc.want
		if want == "" { // no float: json.Marshal's bytes
			b, err := json.Marshal(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			want = string(b)
		}
		got, err := JSON.Marshal(tc.in)
		if err != nil || string(got) != want {
			t.Errorf("Marshal(%#v) = %s, %v; want %s", tc.in, got, err, want)
		}
	}

	// Non-integral floats are json.Marshal's; integral ones are its digits
	// and ".0"; all parse back to the same float.
	rng := rand.New(rand.NewPCG(1, 2))
	for range 10000 {
		f := math.Float64frombits(rng.Uint64())
		if rng.IntN(2) == 0 {
			f = math.Trunc(f / math.Pow(10, float64(rng.IntN(300))))
		}
		if math.IsNaN(f) || math.IsInf(f, 0) {
			continue
		}
		got, err := JSON.Marshal(f)
		std, err2 := json.Marshal(f)
		if err != nil || err2 != nil {
			t.Fatalf("%v: %v, %v", f, err, err2)
		}
		switch {
		case f == math.Trunc(f) && !bytes.ContainsAny(std, ".eE"):
			if string(got) != string(std)+".0" {
				t.Errorf("Marshal(%v) = %s, want %s.0", f, got, std)
			}
		case !bytes.Equal(got, std):
			t.Errorf("Marshal(%v) = %s, json.Marshal %s", f, got, std)
		}
		if back, err := strconv.ParseFloat(string(got), 64); err != nil || back != f {
			t.Errorf("Marshal(%v) = %s parses as %v, %v", f, got, back, err)
		}
	}

	// The session's own values are not changed by encoding them.
	values := map[string]any{"f": 2.0, "l": []any{3.0}, "fs": []float64{4}}
	if _, err := JSON.Marshal(values); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(values, map[string]any{"f": 2.0, "l": []any{3.0}, "fs": []float64{4}}) {
		t.Errorf("Marshal changed its argument: %#v", values)
	}
}

// NaN and the infinities stay errors, as encoding/json reports them; a
// value holding itself is an error too, not a walk without end.
func TestJSONUnencodableFloats(t *testing.T) {
	for _, v := range []any{
		math.NaN(), math.Inf(1), float32(math.Inf(-1)),
		[]any{1.0, math.NaN()}, map[string]any{"a": math.Inf(1)},
		[]float64{1, math.NaN()}, map[string]float64{"a": 1, "b": math.Inf(-1)},
	} {
		_, err := JSON.Marshal(v)
		var uv *json.UnsupportedValueError
		if !errors.As(err, &uv) {
			t.Errorf("Marshal(%v) = %v, want json.UnsupportedValueError", v, err)
		}
	}
	cycle := []any{2.0, nil}
	cycle[1] = cycle
	if _, err := JSON.Marshal(map[string]any{"c": cycle}); err == nil {
		t.Error("Marshal of a cycle succeeded")
	}
	m := map[string]any{"f": 1.0}
	m["m"] = m
	if _, err := JSON.Marshal(m); err == nil {
		t.Error("Marshal of a cyclic map succeeded")
	}
}

// A record with no float costs the JSON codec nothing beyond json.Marshal.
func TestJSONFloatsAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("json.Marshal's sync.Pool drops items at random under the race detector")
	}
	values := map[string]any{"user": "ann", "n": 42, "l": []any{"a", map[string]any{"b": 1}}, "_permanent": true}
	std := testing.AllocsPerRun(100, func() { _, _ = json.Marshal(values) })
	ours := testing.AllocsPerRun(100, func() { _, _ = JSON.Marshal(values) })
	if ours > std {
		t.Errorf("JSON.Marshal: %v allocations, json.Marshal %v", ours, std)
	}
}
