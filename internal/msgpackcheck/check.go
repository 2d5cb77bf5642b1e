// Package msgpackcheck checks msgpack bytes before a decoder trusts them:
// vmihailenco/msgpack sizes its allocations from the lengths a record
// declares, so a few hostile bytes could make it reserve gigabytes.
package msgpackcheck

import (
	"encoding/binary"
	"errors"
)

// MaxDepth bounds the nesting of a record, as encoding/json bounds
// JSON's: the decoder recurses once per level, and a deep enough record
// would overflow the goroutine stack, which no recover catches.
const MaxDepth = 10000

// The errors Check returns.
var (
	ErrTrailing  = errors.New("sessions: trailing data after the record")
	ErrTruncated = errors.New("sessions: msgpack record is truncated or declares more than it holds")
	ErrInvalid   = errors.New("sessions: msgpack record holds the never-used byte 0xc1")
	ErrDepth     = errors.New("sessions: msgpack record is nested too deeply")
	ErrExtension = errors.New("sessions: msgpack record is an extension, not a value a session holds")
)

// Check walks a msgpack value without decoding it, and reports an
// error unless data holds exactly one well-formed value nested at most
// MaxDepth deep. Every length is checked against the bytes left, and
// every container against the bytes its elements need at the least (one
// each), so the decoder that runs next never sizes an allocation from a
// length the record cannot back: vmihailenco/msgpack trusts the header, and
// five bytes claiming an array of 2^32 elements would have it reserve 64 GB.
// Check allocates nothing for records nested up to 16 deep.
//
// A value that is an extension as a whole is refused: asked for a map,
// vmihailenco/msgpack reads past an extension's header and decodes its
// payload as the map, and Check does not walk payloads (nested, an
// extension is decoded as its registered type, or refused).
func Check(data []byte) error {
	if len(data) > 0 && (data[0] >= 0xc7 && data[0] <= 0xc9 || data[0] >= 0xd4 && data[0] <= 0xd8) {
		return ErrExtension
	}
	var buf [16]uint64
	pending := buf[:0]                     // elements left in each enclosing container
	left := uint64(1)                      // elements left in the innermost container
	outstanding := uint64(1)               // elements left in all containers
	rest := uint64(len(data))              // bytes not yet read
	pos := 0                               // == len(data) - rest
	length := func(n int) (uint64, bool) { // reads an n-byte big-endian length
		if rest < uint64(n) {
			return 0, false
		}
		b := data[pos : pos+n]
		pos += n
		rest -= uint64(n)
		switch n {
		case 1:
			return uint64(b[0]), true
		case 2:
			return uint64(binary.BigEndian.Uint16(b)), true
		}
		return uint64(binary.BigEndian.Uint32(b)), true
	}
	for outstanding > 0 {
		for left == 0 { // leave finished containers
			left, pending = pending[len(pending)-1], pending[:len(pending)-1]
		}
		if rest == 0 {
			return ErrTruncated
		}
		left--
		outstanding--
		c := data[pos]
		pos++
		rest--
		var skip, elems uint64 // payload bytes; elements of a container
		ok := true
		switch {
		case c <= 0x7f || c >= 0xe0 || c == 0xc0 || c == 0xc2 || c == 0xc3: // fixint, nil, bool
		case c <= 0x8f:
			elems = 2 * uint64(c&0x0f)
		case c <= 0x9f:
			elems = uint64(c & 0x0f)
		case c <= 0xbf:
			skip = uint64(c & 0x1f)
		case c == 0xc1:
			return ErrInvalid
		case c == 0xcc || c == 0xd0:
			skip = 1
		case c == 0xcd || c == 0xd1:
			skip = 2
		case c == 0xca || c == 0xce || c == 0xd2:
			skip = 4
		case c == 0xcb || c == 0xcf || c == 0xd3:
			skip = 8
		case c >= 0xd4 && c <= 0xd8: // fixext: type byte, then 1 to 16 bytes
			skip = 1 + 1<<(c-0xd4)
		case c == 0xc4 || c == 0xd9: // bin8, str8
			skip, ok = length(1)
		case c == 0xc5 || c == 0xda:
			skip, ok = length(2)
		case c == 0xc6 || c == 0xdb:
			skip, ok = length(4)
		case c >= 0xc7 && c <= 0xc9: // ext8/16/32: length, type byte, data
			skip, ok = length(1 << (c - 0xc7))
			skip++
		case c == 0xdc:
			elems, ok = length(2)
		case c == 0xdd:
			elems, ok = length(4)
		case c == 0xde:
			elems, ok = length(2)
			elems *= 2
		case c == 0xdf:
			elems, ok = length(4)
			elems *= 2
		}
		if !ok || skip > rest {
			return ErrTruncated
		}
		pos += int(skip)
		rest -= skip
		if elems > 0 {
			if outstanding+elems > rest {
				return ErrTruncated
			}
			if len(pending) == MaxDepth {
				return ErrDepth
			}
			pending = append(pending, left)
			left = elems
			outstanding += elems
		}
	}
	if rest != 0 {
		return ErrTrailing
	}
	return nil
}
