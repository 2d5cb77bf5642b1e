package sessions

import (
	"encoding/binary"
	"math"
	"time"
)

// msgpackFastDecoder is the hand-written msgpack decoder for session
// records. In one pass and without reflection it builds exactly what
// vmihailenco/msgpack's Decoder builds for a *map[string]any with
// UseLooseInterfaceDecoding, as the Msgpack codec configures it:
//
//   - positive and negative fixint, int8 to int64 as int64;
//     uint8 to uint64 as uint64;
//   - float32 and float64 as float64;
//   - str and bin as string (loose decoding turns bin into string);
//   - nil as nil, bool as bool;
//   - arrays as []any and maps as map[string]any (never nil when present);
//     map keys may be str, bin or nil (which is "");
//   - the timestamp extension (type -1, 4, 8 or 12 bytes) as a time.Time
//     in time.Local, or in UTC for the zero time.
//
// It never reports an error of its own. On anything else (malformed or
// truncated input, trailing bytes, other extension types, keys that are
// not strings, a map after an extension header, nesting deeper than
// maxMsgpackDepth) it gives up, and Unmarshal runs checkMsgpack and
// vmihailenco on the record: errors, and the rare records only vmihailenco
// understands, come out exactly as before.
//
// Sizes are checked as checkMsgpack checks them, while decoding: every
// length against the bytes left, and every container, with all the
// elements still outstanding, against those bytes at one byte each. No
// allocation is sized from a header the record cannot back.
//
// Every string in the result shares one copy of the record (text), which
// saves an allocation per key and per string value; a string kept after
// the session keeps that copy alive.
type msgpackFastDecoder struct {
	data        []byte
	text        string // string(data), which decoded strings are cut from
	pos         int    // next byte to read
	outstanding int    // elements that open containers announced and that have not begun
}

// unmarshalMsgpackFast decodes a record that holds one map[string]any (or
// nil) and nothing after it. ok is false when the decoder gives up.
func unmarshalMsgpackFast(data []byte) (m map[string]any, ok bool) {
	if len(data) == 0 {
		return nil, false
	}
	d := msgpackFastDecoder{data: data, pos: 1}
	c := data[0]
	var n uint64
	switch {
	case c == 0xc0:
		return nil, len(data) == 1
	case c >= 0x80 && c <= 0x8f:
		n = uint64(c & 0x0f)
	case c == 0xde || c == 0xdf:
		if n, ok = d.length(2 << (c - 0xde)); !ok {
			return nil, false
		}
	default:
		// Not a map, or a map after an extension header, which vmihailenco
		// skips: it decides.
		return nil, false
	}
	d.text = string(data)
	if m, ok = d.mapBody(n, 0); !ok || d.pos != len(data) {
		return nil, false
	}
	return m, true
}

// length reads an n-byte (1, 2 or 4) big-endian length or number.
func (d *msgpackFastDecoder) length(n int) (uint64, bool) {
	if len(d.data)-d.pos < n {
		return 0, false
	}
	b := d.data[d.pos : d.pos+n]
	d.pos += n
	switch n {
	case 1:
		return uint64(b[0]), true
	case 2:
		return uint64(binary.BigEndian.Uint16(b)), true
	}
	return uint64(binary.BigEndian.Uint32(b)), true
}

// open accounts for a container of elems elements (a map has two per
// entry) nested in depth non-empty containers, and reports whether the
// record can hold them.
func (d *msgpackFastDecoder) open(elems uint64, depth int) bool {
	if elems == 0 {
		return true
	}
	if depth == maxMsgpackDepth || uint64(d.outstanding)+elems > uint64(len(d.data)-d.pos) {
		return false
	}
	d.outstanding += int(elems)
	return true
}

// mapBody decodes the n entries of a map whose header has been read.
func (d *msgpackFastDecoder) mapBody(n uint64, depth int) (map[string]any, bool) {
	if !d.open(2*n, depth) {
		return nil, false
	}
	m := make(map[string]any, n)
	for range n {
		k, ok := d.key()
		if !ok {
			return nil, false
		}
		v, ok := d.value(depth + 1)
		if !ok {
			return nil, false
		}
		m[k] = v
	}
	return m, true
}

// arrayBody decodes the n elements of an array whose header has been read.
func (d *msgpackFastDecoder) arrayBody(n uint64, depth int) ([]any, bool) {
	if !d.open(n, depth) {
		return nil, false
	}
	s := make([]any, n)
	for i := range s {
		v, ok := d.value(depth + 1)
		if !ok {
			return nil, false
		}
		s[i] = v
	}
	return s, true
}

// begin starts an element: it takes it off the outstanding count and
// returns its first byte.
func (d *msgpackFastDecoder) begin() (byte, bool) {
	if d.pos >= len(d.data) {
		return 0, false
	}
	d.outstanding--
	c := d.data[d.pos]
	d.pos++
	return c, true
}

// key decodes a map key as vmihailenco's DecodeString does: str or bin,
// and nil as "".
func (d *msgpackFastDecoder) key() (string, bool) {
	c, ok := d.begin()
	if !ok {
		return "", false
	}
	var n uint64
	switch {
	case c >= 0xa0 && c <= 0xbf:
		n = uint64(c & 0x1f)
	case c == 0xc0:
		return "", true
	case c == 0xc4 || c == 0xd9:
		n, ok = d.length(1)
	case c == 0xc5 || c == 0xda:
		n, ok = d.length(2)
	case c == 0xc6 || c == 0xdb:
		n, ok = d.length(4)
	default:
		return "", false
	}
	if !ok {
		return "", false
	}
	return d.str(n)
}

// str cuts the next n bytes out of the record as a string.
func (d *msgpackFastDecoder) str(n uint64) (string, bool) {
	if n > uint64(len(d.data)-d.pos) {
		return "", false
	}
	s := d.text[d.pos : d.pos+int(n)]
	d.pos += int(n)
	return s, true
}

// value decodes one value nested in depth non-empty containers.
func (d *msgpackFastDecoder) value(depth int) (any, bool) {
	c, ok := d.begin()
	if !ok {
		return nil, false
	}
	switch {
	case c <= 0x7f: // positive fixint
		return int64(c), true
	case c >= 0xe0: // negative fixint
		return int64(int8(c)), true
	case c <= 0x8f:
		return d.mapValue(uint64(c&0x0f), depth)
	case c <= 0x9f:
		return d.arrayValue(uint64(c&0x0f), depth)
	case c <= 0xbf:
		return d.strValue(uint64(c & 0x1f))
	}
	var n uint64
	switch c {
	case 0xc0:
		return nil, true
	case 0xc2:
		return false, true
	case 0xc3:
		return true, true
	case 0xc4, 0xd9: // bin8, str8
		if n, ok = d.length(1); ok {
			return d.strValue(n)
		}
	case 0xc5, 0xda:
		if n, ok = d.length(2); ok {
			return d.strValue(n)
		}
	case 0xc6, 0xdb:
		if n, ok = d.length(4); ok {
			return d.strValue(n)
		}
	case 0xca:
		if n, ok = d.length(4); ok {
			return float64(math.Float32frombits(uint32(n))), true
		}
	case 0xcb:
		if n, ok = d.uint64(); ok {
			return math.Float64frombits(n), true
		}
	case 0xcc:
		if n, ok = d.length(1); ok {
			return n, true
		}
	case 0xcd:
		if n, ok = d.length(2); ok {
			return n, true
		}
	case 0xce:
		if n, ok = d.length(4); ok {
			return n, true
		}
	case 0xcf:
		if n, ok = d.uint64(); ok {
			return n, true
		}
	case 0xd0:
		if n, ok = d.length(1); ok {
			return int64(int8(n)), true
		}
	case 0xd1:
		if n, ok = d.length(2); ok {
			return int64(int16(n)), true
		}
	case 0xd2:
		if n, ok = d.length(4); ok {
			return int64(int32(n)), true
		}
	case 0xd3:
		if n, ok = d.uint64(); ok {
			return int64(n), true
		}
	case 0xdc:
		if n, ok = d.length(2); ok {
			return d.arrayValue(n, depth)
		}
	case 0xdd:
		if n, ok = d.length(4); ok {
			return d.arrayValue(n, depth)
		}
	case 0xde:
		if n, ok = d.length(2); ok {
			return d.mapValue(n, depth)
		}
	case 0xdf:
		if n, ok = d.length(4); ok {
			return d.mapValue(n, depth)
		}
	case 0xd4, 0xd5, 0xd6, 0xd7, 0xd8: // fixext 1 to 16
		return d.ext(1 << (c - 0xd4))
	case 0xc7, 0xc8, 0xc9: // ext8, ext16, ext32
		if n, ok = d.length(1 << (c - 0xc7)); ok {
			return d.ext(n)
		}
	}
	return nil, false // 0xc1, or a truncated value
}

// mapValue is mapBody returning any.
func (d *msgpackFastDecoder) mapValue(n uint64, depth int) (any, bool) {
	m, ok := d.mapBody(n, depth)
	return m, ok
}

// arrayValue is arrayBody returning any.
func (d *msgpackFastDecoder) arrayValue(n uint64, depth int) (any, bool) {
	s, ok := d.arrayBody(n, depth)
	return s, ok
}

// strValue is str returning any.
func (d *msgpackFastDecoder) strValue(n uint64) (any, bool) {
	s, ok := d.str(n)
	return s, ok
}

// uint64 reads an 8-byte big-endian number.
func (d *msgpackFastDecoder) uint64() (uint64, bool) {
	if len(d.data)-d.pos < 8 {
		return 0, false
	}
	n := binary.BigEndian.Uint64(d.data[d.pos:])
	d.pos += 8
	return n, true
}

// ext decodes an extension of n data bytes whose type byte comes next.
// Only the timestamp (type -1) is decoded here, as vmihailenco's
// registered time decoder does; other types are left to vmihailenco, which
// knows the types an application registered.
func (d *msgpackFastDecoder) ext(n uint64) (any, bool) {
	if len(d.data)-d.pos < 1 || d.data[d.pos] != 0xff || n > uint64(len(d.data)-d.pos-1) {
		return nil, false
	}
	b := d.data[d.pos+1 : d.pos+1+int(n)]
	var t time.Time
	switch n {
	case 4:
		t = time.Unix(int64(binary.BigEndian.Uint32(b)), 0)
	case 8:
		v := binary.BigEndian.Uint64(b)
		t = time.Unix(int64(v&0x3ffffffff), int64(v>>34))
	case 12:
		t = time.Unix(int64(binary.BigEndian.Uint64(b[4:])), int64(binary.BigEndian.Uint32(b)))
	default:
		return nil, false
	}
	if t.IsZero() {
		t = t.UTC() // as vmihailenco: the zero time has no location
	}
	d.pos += 1 + int(n)
	return t, true
}
