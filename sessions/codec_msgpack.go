package sessions

import (
	"bytes"
	"sync"

	"github.com/vmihailenco/msgpack/v5"

	"github.com/serversession/serversession/internal/msgpackcheck"
)

// maxMsgpackDepth bounds the nesting of a record: a deep enough one would
// overflow the decoder's stack (see msgpackcheck).
const maxMsgpackDepth = msgpackcheck.MaxDepth

var errMsgpackDepth = msgpackcheck.ErrDepth

// Msgpack is the default Codec, Flask-Session 0.8's default format:
// vmihailenco/msgpack with sorted map keys and compact integers, structs
// encoded by their `json` tags. Integers decode as int64 or uint64, floats
// as float64, str and bin as string, maps as map[string]any, arrays as
// []any. A record is checked before decoding (see msgpackcheck), so that
// one claiming more than it holds is refused, not allocated for.
var Msgpack Codec = msgpackCodec{}

// msgpackCodec is the Msgpack Codec.
type msgpackCodec struct{}

// msgpackEncoder is a configured Encoder with its buffer, pooled.
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

// msgpackDecoder is a configured Decoder with its reader, pooled.
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

// Unmarshal checks data with msgpackcheck and decodes it into v.
func (msgpackCodec) Unmarshal(data []byte, v any) error {
	if err := msgpackcheck.Check(data); err != nil {
		return err
	}
	d := msgpackDecoders.Get().(*msgpackDecoder)
	defer msgpackDecoders.Put(d)
	d.r.Reset(data)
	d.dec.ResetReader(&d.r) // keeps the options
	return d.dec.Decode(v)  // Check saw exactly one value
}

// tooDeep reports whether v nests non-empty map[string]any and []any
// values more than maxMsgpackDepth deep, counting as msgpackcheck counts.
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
