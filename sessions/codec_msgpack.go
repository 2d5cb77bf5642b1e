package sessions

import (
	"bytes"
	"sync"

	"github.com/vmihailenco/msgpack/v5"
)

// Msgpack is the default Codec, matching Flask-Session 0.8's default
// SESSION_SERIALIZATION_FORMAT. It is vmihailenco/msgpack with sorted map
// keys and compact integers, as Flask's msgpack writes them. Records are
// msgpack maps with string keys; integers decode as int64 or uint64, floats
// as float64, str and bin as string, nested maps as map[string]any and
// arrays as []any. Structs are encoded by their `json` tags, so a Flask app
// sees the same field names as a JSON client would.
//
// Decoded strings are copies: none of them keeps the record's bytes alive.
// Before decoding, a record is checked (see checkMsgpack), so that a record
// claiming more elements or deeper nesting than it holds is refused instead
// of being allocated for.
var Msgpack Codec = msgpackCodec{}

// msgpackCodec is the Msgpack Codec.
type msgpackCodec struct{}

// msgpackEncoder is a vmihailenco/msgpack Encoder configured as the codec
// needs, with the buffer it writes to.
type msgpackEncoder struct {
	buf bytes.Buffer
	enc *msgpack.Encoder
}

var msgpackEncoders = sync.Pool{New: func() any {
	e := &msgpackEncoder{}
	e.enc = msgpack.NewEncoder(&e.buf)
	e.enc.SetSortMapKeys(true)
	e.enc.UseCompactInts(true)
	e.enc.SetCustomStructTag("json")
	return e
}}

// msgpackDecoder is a vmihailenco/msgpack Decoder configured as the codec
// needs, with the reader it reads from.
type msgpackDecoder struct {
	r   bytes.Reader
	dec *msgpack.Decoder
}

var msgpackDecoders = sync.Pool{New: func() any {
	d := &msgpackDecoder{}
	d.dec = msgpack.NewDecoder(&d.r)
	d.dec.UseLooseInterfaceDecoding(true) // int64/uint64/float64, bin as string
	d.dec.SetCustomStructTag("json")
	return d
}}

// Marshal encodes v. A map[string]any or []any nested deeper than any
// record Unmarshal accepts (a cyclic one included) is an error.
func (msgpackCodec) Marshal(v any) ([]byte, error) {
	if tooDeep(v, 0) {
		return nil, errMsgpackDepth
	}
	e := msgpackEncoders.Get().(*msgpackEncoder)
	defer msgpackEncoders.Put(e)
	e.buf.Reset()
	if err := e.enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.Clone(e.buf.Bytes()), nil
}

// Unmarshal checks data with checkMsgpack and decodes it into v.
func (msgpackCodec) Unmarshal(data []byte, v any) error {
	if err := checkMsgpack(data); err != nil {
		return err
	}
	d := msgpackDecoders.Get().(*msgpackDecoder)
	defer msgpackDecoders.Put(d)
	d.r.Reset(data)
	d.dec.ResetReader(&d.r) // keeps the options
	return d.dec.Decode(v)  // checkMsgpack saw exactly one value
}

// tooDeep reports whether v nests non-empty map[string]any and []any
// values more than maxMsgpackDepth deep, counting as checkMsgpack counts.
func tooDeep(v any, depth int) bool {
	switch v := v.(type) {
	case map[string]any:
		if len(v) > 0 && depth == maxMsgpackDepth {
			return true
		}
		for _, e := range v {
			if tooDeep(e, depth+1) {
				return true
			}
		}
	case []any:
		if len(v) > 0 && depth == maxMsgpackDepth {
			return true
		}
		for _, e := range v {
			if tooDeep(e, depth+1) {
				return true
			}
		}
	}
	return false
}
