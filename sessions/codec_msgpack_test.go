package sessions

import (
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
)

// rec returns the record {"v": <hex>}.
func rec(h string) []byte {
	b, err := hex.DecodeString("81a176" + h)
	if err != nil {
		panic(err)
	}
	return b
}

// sameBits is reflect.DeepEqual, except that a float64 equals one with the
// same bits (so that a NaN equals the same NaN).
func sameBits(a, b any) bool {
	if fa, ok := a.(float64); ok {
		fb, ok := b.(float64)
		return ok && math.Float64bits(fa) == math.Float64bits(fb)
	}
	return reflect.DeepEqual(a, b)
}

// Every msgpack format decodes to the Go type the sessions contract names
// (int64, uint64, float64, string for str and bin, []any, map[string]any,
// time.Time), as Flask-Session 0.8's records need.
func TestMsgpackDecodeFormats(t *testing.T) {
	local := func(sec, nsec int64) time.Time { return time.Unix(sec, nsec) }
	u32 := func(n uint32) string { return hex.EncodeToString(binary.BigEndian.AppendUint32(nil, n)) }
	u64 := func(n uint64) string { return hex.EncodeToString(binary.BigEndian.AppendUint64(nil, n)) }
	for _, tc := range []struct {
		name string
		hex  string
		want any
	}{
		{"positive fixint", "7f", int64(127)},
		{"negative fixint", "e0", int64(-32)},
		{"uint8", "ccff", uint64(255)},
		{"uint16", "cdffff", uint64(65535)},
		{"uint32", "ceffffffff", uint64(math.MaxUint32)},
		{"uint64", "cfffffffffffffffff", uint64(math.MaxUint64)},
		{"int8", "d080", int64(math.MinInt8)},
		{"int16", "d18000", int64(math.MinInt16)},
		{"int32", "d280000000", int64(math.MinInt32)},
		{"int64", "d38000000000000000", int64(math.MinInt64)},
		{"float32", "ca3dcccccd", float64(float32(0.1))},
		{"float64", "cb3ff8000000000000", 1.5},
		{"float64 NaN", "cb7ff8000000000001", math.Float64frombits(0x7ff8000000000001)},
		{"nil", "c0", nil},
		{"true", "c3", true},
		{"fixstr", "a26869", "hi"},
		{"str8", "d90161", "a"},
		{"str16", "da00026162", "ab"},
		{"str32", "db000000026162", "ab"},
		{"bin8", "c402fffe", "\xff\xfe"},
		{"bin32", "c60000000141", "A"},
		{"fixarray", "9301a1789100", []any{int64(1), "x", []any{int64(0)}}},
		{"array16", "dc000101", []any{int64(1)}},
		{"array32", "dd0000000101", []any{int64(1)}},
		{"empty array", "90", []any{}},
		{"fixmap", "82a16101a162c0", map[string]any{"a": int64(1), "b": nil}},
		{"map16", "de0001a16101", map[string]any{"a": int64(1)}},
		{"map32", "df00000001a16101", map[string]any{"a": int64(1)}},
		{"empty map", "80", map[string]any{}},
		{"bin key", "81c4016101", map[string]any{"a": int64(1)}},
		{"timestamp32", "d6ff" + u32(1700000000), local(1700000000, 0)},
		{"timestamp64", "d7ff" + u64(123<<34|1700000000), local(1700000000, 123)},
		{"timestamp96", "c70cff" + u32(5) + u64(math.MaxUint64), local(-1, 5)},
	} {
		got, err := decodeRecord(Msgpack, rec(tc.hex))
		if err != nil || !sameBits(got["v"], tc.want) {
			t.Errorf("%s: decoded %#v, %v; want %#v", tc.name, got["v"], err, tc.want)
		}
	}
	for _, h := range []string{"c0", "80", "de0000"} {
		data, _ := hex.DecodeString(h)
		if got, err := decodeRecord(Msgpack, data); err != nil || got == nil || len(got) != 0 {
			t.Errorf("record %s: %#v, %v; want an empty map", h, got, err)
		}
	}
	for name, data := range map[string][]byte{
		"empty":    {},
		"trailing": {0x80, 0xc0},
		"0xc1":     rec("c1"),
		"array":    {0x91, 0x01},
		"int key":  {0x81, 0x01, 0x01},
	} {
		if got, err := decodeRecord(Msgpack, data); err == nil {
			t.Errorf("%s: decoded %#v", name, got)
		}
	}
}

// The encodings of representative values, pinned (the Flask goldens pin
// whole records): sorted keys, compact integers, floats as they are.
func TestMsgpackEncodeGolden(t *testing.T) {
	type cart struct {
		Items []string `json:"items"`
		Total float64  `json:"total,omitempty"`
	}
	for _, tc := range []struct {
		v    any
		want string
	}{
		{nil, "c0"},
		{true, "c3"},
		{127, "7f"},
		{128, "cc80"},
		{65536, "ce00010000"},
		{int64(math.MaxUint32 + 1), "cf0000000100000000"},
		{-33, "d0df"},
		{int64(math.MinInt32 - 1), "d3ffffffff7fffffff"},
		{1.5, "cb3ff8000000000000"},
		{float32(1.5), "ca3fc00000"},
		{strings.Repeat("a", 32), "d920" + strings.Repeat("61", 32)},
		{[]byte{1, 2}, "c4020102"},
		{map[string]any{"b": 1, "a": nil}, "82a161c0a16201"},
		{map[string]any{"m": map[string]any{"z": 1, "y": []any{2}}}, "81a16d82a1799102a17a01"},
		{time.Unix(1700000000, 5), "d7ff000000146553f100"},
		{json.Number("1"), "a131"},
		{cart{Items: []string{"a"}}, "81a56974656d7391a161"},
	} {
		got, err := Msgpack.Marshal(tc.v)
		if err != nil || hex.EncodeToString(got) != tc.want {
			t.Errorf("%T %v: encoded %x, %v; want %s", tc.v, tc.v, got, err, tc.want)
		}
	}
}

// Marshal refuses, as Unmarshal does, values nested deeper than
// maxMsgpackDepth, and a cyclic map or slice fails instead of overflowing
// the stack.
func TestMsgpackEncodeDepth(t *testing.T) {
	nested := func(depth int) map[string]any {
		var v any
		for range depth {
			v = []any{v}
		}
		return map[string]any{"a": v}
	}
	data, err := Msgpack.Marshal(nested(maxMsgpackDepth - 1))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := decodeRecord(Msgpack, data); err != nil {
		t.Errorf("deepest encodable value does not decode: %v", err)
	}
	if _, err := Msgpack.Marshal(nested(maxMsgpackDepth)); !errors.Is(err, errMsgpackDepth) {
		t.Errorf("too deep: %v, want errMsgpackDepth", err)
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
}

// Decoded strings, keys included, are copies: changing the record's bytes
// afterwards changes nothing, so a string kept from a session does not
// keep its record alive.
func TestMsgpackDecodeCopies(t *testing.T) {
	data := []byte{0x82, 0xa1, 'k', 0xa3, 'a', 'b', 'c', 0xa1, 'l', 0x91, 0xc4, 0x01, 'x'}
	m, err := decodeRecord(Msgpack, data)
	if err != nil {
		t.Fatal(err)
	}
	clear(data)
	if got := fmt.Sprint(m); got != "map[k:abc l:[x]]" {
		t.Errorf("decoded values changed with the record: %s", got)
	}
}
