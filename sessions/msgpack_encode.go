package sessions

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"math"
	"slices"
	"strings"
	"sync"
	"time"
)

// errMsgpackFallback reports that a value holds something the hand-written
// encoder does not handle (a struct, a pointer, a typed map or slice, a
// custom Marshaler...). It never leaves this package's Marshal: the whole
// value is then encoded by vmihailenco/msgpack instead.
var errMsgpackFallback = errors.New("sessions: value needs the reflective msgpack encoder")

// msgpackFastEncoder is the hand-written msgpack encoder for the shapes a
// session really holds: nil, bool, string, []byte, every int, uint and float
// kind, time.Time, time.Duration, json.Number, []any and map[string]any,
// nested in any way. It writes exactly the bytes that vmihailenco/msgpack
// writes for them with the options the Msgpack codec sets (sorted map keys,
// compact ints, no compact floats), without reflection, into a buffer that
// is reused through msgpackFastEncoders.
type msgpackFastEncoder struct {
	buf     []byte         // the encoding so far
	entries []msgpackEntry // a stack of map entries being sorted, one run per open map
}

// msgpackEntry is a map entry, taken out of the map to be sorted by key.
type msgpackEntry struct {
	key   string
	value any
}

// msgpackFastEncoders pools encoders, so that a Marshal allocates only the
// copy of the encoding it returns.
var msgpackFastEncoders = sync.Pool{New: func() any {
	return &msgpackFastEncoder{buf: make([]byte, 0, 512), entries: make([]msgpackEntry, 0, 32)}
}}

// maxPooledMsgpackBuffer bounds the buffers kept in msgpackFastEncoders: an
// encoder that once encoded an unusually large session is dropped rather
// than kept holding its memory.
const maxPooledMsgpackBuffer = 64 << 10

// marshalMsgpackFast encodes v by hand. It returns errMsgpackFallback when v
// holds a type the hand-written encoder does not handle, and errMsgpackDepth
// when v nests containers deeper than any record Unmarshal accepts (a
// cyclic map or slice ends there too, instead of overflowing the stack).
func marshalMsgpackFast(v any) ([]byte, error) {
	e := msgpackFastEncoders.Get().(*msgpackFastEncoder)
	e.buf = e.buf[:0]
	err := e.value(v, 0)
	var out []byte
	if err == nil {
		out = bytes.Clone(e.buf)
	} else {
		// An early return leaves entries on the stack; drop them.
		clear(e.entries[:cap(e.entries)])
		e.entries = e.entries[:0]
	}
	if cap(e.buf) <= maxPooledMsgpackBuffer && cap(e.entries) <= maxPooledMsgpackBuffer/32 {
		msgpackFastEncoders.Put(e)
	}
	return out, err
}

// value appends the encoding of v. depth counts the non-empty containers
// around v, as checkMsgpack counts them when decoding.
func (e *msgpackFastEncoder) value(v any, depth int) error {
	switch v := v.(type) {
	case nil:
		e.buf = append(e.buf, 0xc0)
	case string:
		e.str(v)
	case bool:
		if v {
			e.buf = append(e.buf, 0xc3)
		} else {
			e.buf = append(e.buf, 0xc2)
		}
	case int:
		e.int(int64(v))
	case int64:
		e.int(v)
	case int32:
		e.int(int64(v))
	case int16:
		e.int(int64(v))
	case int8:
		e.int(int64(v))
	case uint:
		e.uint(uint64(v))
	case uint64:
		e.uint(v)
	case uint32:
		e.uint(uint64(v))
	case uint16:
		e.uint(uint64(v))
	case uint8:
		e.uint(uint64(v))
	case float64:
		e.buf = binary.BigEndian.AppendUint64(append(e.buf, 0xcb), math.Float64bits(v))
	case float32:
		e.float32(v)
	case map[string]any:
		return e.mapValue(v, depth)
	case []any:
		return e.array(v, depth)
	case []byte:
		e.bin(v)
	case time.Time:
		e.time(v)
	case time.Duration:
		e.int(int64(v))
	case json.Number:
		e.str(string(v))
	default:
		return errMsgpackFallback
	}
	return nil
}

// mapValue appends m with its keys in increasing byte order, as
// vmihailenco's EncodeMapSorted does; a nil map is msgpack nil.
func (e *msgpackFastEncoder) mapValue(m map[string]any, depth int) error {
	if m == nil {
		e.buf = append(e.buf, 0xc0)
		return nil
	}
	n := len(m)
	e.containerLen(0x80, 0xde, n)
	if n == 0 {
		return nil
	}
	if depth == maxMsgpackDepth {
		return errMsgpackDepth
	}
	start := len(e.entries)
	for k, v := range m {
		e.entries = append(e.entries, msgpackEntry{k, v})
	}
	// Nested maps push their entries after these and pop them before
	// returning; if that grows e.entries, this run stays valid in the old
	// array.
	entries := e.entries[start:]
	sortMsgpackEntries(entries)
	for i := range entries {
		e.str(entries[i].key)
		if err := e.value(entries[i].value, depth+1); err != nil {
			return err
		}
	}
	clear(e.entries[start:])
	e.entries = e.entries[:start]
	return nil
}

// sortMsgpackEntries sorts entries by key in increasing byte order, as
// sort.Strings sorts vmihailenco's keys (keys are distinct, so the order
// is the same whatever the algorithm).
func sortMsgpackEntries(entries []msgpackEntry) {
	if len(entries) > 12 {
		slices.SortFunc(entries, func(a, b msgpackEntry) int { return strings.Compare(a.key, b.key) })
		return
	}
	for i := 1; i < len(entries); i++ {
		for j := i; j > 0 && entries[j].key < entries[j-1].key; j-- {
			entries[j], entries[j-1] = entries[j-1], entries[j]
		}
	}
}

// array appends s; a nil slice is msgpack nil.
func (e *msgpackFastEncoder) array(s []any, depth int) error {
	if s == nil {
		e.buf = append(e.buf, 0xc0)
		return nil
	}
	e.containerLen(0x90, 0xdc, len(s))
	if len(s) > 0 && depth == maxMsgpackDepth {
		return errMsgpackDepth
	}
	for _, v := range s {
		if f, ok := v.(float32); ok {
			// vmihailenco encodes slice elements through reflection, which
			// reads a float32 as a float64 (reflect.Value.Float) and
			// converts it back: a signaling NaN comes out quiet.
			e.float32(float32(float64(f)))
			continue
		}
		if err := e.value(v, depth+1); err != nil {
			return err
		}
	}
	return nil
}

// containerLen appends a map or array header: fix (0x80 or 0x90) below 16
// entries, then the 16-bit code (0xde or 0xdc) or the 32-bit one after it.
func (e *msgpackFastEncoder) containerLen(fix, code16 byte, n int) {
	switch {
	case n < 16:
		e.buf = append(e.buf, fix|byte(n))
	case n <= math.MaxUint16:
		e.buf = binary.BigEndian.AppendUint16(append(e.buf, code16), uint16(n))
	default:
		e.buf = binary.BigEndian.AppendUint32(append(e.buf, code16+1), uint32(n))
	}
}

// str appends a msgpack str: fixstr below 32 bytes, then str8, str16 or
// str32.
func (e *msgpackFastEncoder) str(s string) {
	switch n := len(s); {
	case n < 32:
		e.buf = append(e.buf, 0xa0|byte(n))
	case n <= math.MaxUint8:
		e.buf = append(e.buf, 0xd9, byte(n))
	case n <= math.MaxUint16:
		e.buf = binary.BigEndian.AppendUint16(append(e.buf, 0xda), uint16(n))
	default:
		e.buf = binary.BigEndian.AppendUint32(append(e.buf, 0xdb), uint32(n))
	}
	e.buf = append(e.buf, s...)
}

// bin appends a msgpack bin (bin8 even when empty, bin16 or bin32); a nil
// slice is msgpack nil.
func (e *msgpackFastEncoder) bin(b []byte) {
	switch n := len(b); {
	case b == nil:
		e.buf = append(e.buf, 0xc0)
		return
	case n <= math.MaxUint8:
		e.buf = append(e.buf, 0xc4, byte(n))
	case n <= math.MaxUint16:
		e.buf = binary.BigEndian.AppendUint16(append(e.buf, 0xc5), uint16(n))
	default:
		e.buf = binary.BigEndian.AppendUint32(append(e.buf, 0xc6), uint32(n))
	}
	e.buf = append(e.buf, b...)
}

// uint appends n in the fewest bytes: positive fixint, uint8, uint16,
// uint32 or uint64 (vmihailenco's EncodeUint).
func (e *msgpackFastEncoder) uint(n uint64) {
	switch {
	case n <= math.MaxInt8:
		e.buf = append(e.buf, byte(n))
	case n <= math.MaxUint8:
		e.buf = append(e.buf, 0xcc, byte(n))
	case n <= math.MaxUint16:
		e.buf = binary.BigEndian.AppendUint16(append(e.buf, 0xcd), uint16(n))
	case n <= math.MaxUint32:
		e.buf = binary.BigEndian.AppendUint32(append(e.buf, 0xce), uint32(n))
	default:
		e.buf = binary.BigEndian.AppendUint64(append(e.buf, 0xcf), n)
	}
}

// int appends n in the fewest bytes: as an unsigned number when it is not
// negative, else negative fixint, int8, int16, int32 or int64
// (vmihailenco's EncodeInt).
func (e *msgpackFastEncoder) int(n int64) {
	switch {
	case n >= 0:
		e.uint(uint64(n))
	case n >= -32:
		e.buf = append(e.buf, byte(n))
	case n >= math.MinInt8:
		e.buf = append(e.buf, 0xd0, byte(n))
	case n >= math.MinInt16:
		e.buf = binary.BigEndian.AppendUint16(append(e.buf, 0xd1), uint16(n))
	case n >= math.MinInt32:
		e.buf = binary.BigEndian.AppendUint32(append(e.buf, 0xd2), uint32(n))
	default:
		e.buf = binary.BigEndian.AppendUint64(append(e.buf, 0xd3), uint64(n))
	}
}

// float32 appends a msgpack float32.
func (e *msgpackFastEncoder) float32(f float32) {
	e.buf = binary.BigEndian.AppendUint32(append(e.buf, 0xca), math.Float32bits(f))
}

// time appends t as the msgpack timestamp extension (type -1) in the form
// vmihailenco picks: timestamp32 (fixext4) for whole seconds in
// [0, 2^32), timestamp64 (fixext8) for seconds in [0, 2^34), and
// timestamp96 (ext8 of 12 bytes) otherwise, before 1970 included. The
// location is not encoded.
func (e *msgpackFastEncoder) time(t time.Time) {
	secs := uint64(t.Unix())
	nsec := uint64(t.Nanosecond())
	if secs>>34 == 0 {
		data := nsec<<34 | secs
		if data>>32 == 0 {
			e.buf = binary.BigEndian.AppendUint32(append(e.buf, 0xd6, 0xff), uint32(data))
			return
		}
		e.buf = binary.BigEndian.AppendUint64(append(e.buf, 0xd7, 0xff), data)
		return
	}
	e.buf = append(e.buf, 0xc7, 12, 0xff)
	e.buf = binary.BigEndian.AppendUint32(e.buf, uint32(nsec))
	e.buf = binary.BigEndian.AppendUint64(e.buf, secs)
}
