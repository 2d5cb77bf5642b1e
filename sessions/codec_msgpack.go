package sessions

import (
	"bytes"
	"errors"
	"sync"

	"github.com/vmihailenco/msgpack/v5"
)

// Msgpack is the default Codec, matching Flask-Session 0.8's default
// SESSION_SERIALIZATION_FORMAT. Records are msgpack maps with string keys;
// integers decode as int64 or uint64, floats as float64, nested maps as
// map[string]any and arrays as []any. Structs are encoded by their `json`
// tags, so a Flask app sees the same field names as a JSON client would.
//
// The shapes sessions hold (nil, bool, numbers, strings, []byte, time.Time,
// []any and map[string]any) are encoded, and records are decoded into a
// map[string]any, by hand (msgpack_encode.go, msgpack_decode.go), without
// reflection; everything else goes through vmihailenco/msgpack, and the
// bytes and values are the same either way.
var Msgpack Codec = msgpackCodec{}

// msgpackCodec is the Msgpack Codec. reflectOnly turns the hand-written
// fast paths off, leaving vmihailenco/msgpack alone: tests and benchmarks
// use it as the reference the fast paths must match.
type msgpackCodec struct {
	reflectOnly bool
}

// msgpackEncoder is a vmihailenco/msgpack Encoder configured as the codec
// needs, with the buffer it writes to.
type msgpackEncoder struct {
	buf bytes.Buffer
	enc *msgpack.Encoder
}

// msgpackEncoders pools msgpackEncoders for marshalMsgpackReflect.
var msgpackEncoders = sync.Pool{New: func() any {
	e := &msgpackEncoder{}
	e.enc = msgpack.NewEncoder(&e.buf)
	e.enc.SetSortMapKeys(true)
	e.enc.UseCompactInts(true)
	e.enc.SetCustomStructTag("json")
	return e
}}

// msgpackDecoder is a vmihailenco/msgpack Decoder with the reader it reads
// from.
type msgpackDecoder struct {
	r   bytes.Reader
	dec *msgpack.Decoder
}

// msgpackDecoders pools msgpackDecoders for unmarshalMsgpackReflect.
var msgpackDecoders = sync.Pool{New: func() any {
	return &msgpackDecoder{dec: msgpack.NewDecoder(nil)}
}}

// Marshal encodes v by hand when it holds only the shapes sessions hold,
// and through vmihailenco/msgpack otherwise.
func (c msgpackCodec) Marshal(v any) ([]byte, error) {
	if !c.reflectOnly {
		data, err := marshalMsgpackFast(v)
		if !errors.Is(err, errMsgpackFallback) {
			return data, err
		}
	}
	return marshalMsgpackReflect(v)
}

// marshalMsgpackReflect encodes v with vmihailenco/msgpack.
func marshalMsgpackReflect(v any) ([]byte, error) {
	e := msgpackEncoders.Get().(*msgpackEncoder)
	defer msgpackEncoders.Put(e)
	e.buf.Reset()
	if err := e.enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.Clone(e.buf.Bytes()), nil
}

// Unmarshal decodes a record into a *map[string]any by hand; when the hand
// decoder gives up (see msgpackFastDecoder), and for any other v, it checks
// the record with checkMsgpack and decodes it with vmihailenco/msgpack.
func (c msgpackCodec) Unmarshal(data []byte, v any) error {
	if p, ok := v.(*map[string]any); ok && p != nil && !c.reflectOnly {
		if m, ok := unmarshalMsgpackFast(data); ok {
			*p = m
			return nil
		}
	}
	return unmarshalMsgpackReflect(data, v)
}

// unmarshalMsgpackReflect checks data with checkMsgpack, then decodes it
// into v with vmihailenco/msgpack.
func unmarshalMsgpackReflect(data []byte, v any) error {
	if err := checkMsgpack(data); err != nil {
		return err
	}
	d := msgpackDecoders.Get().(*msgpackDecoder)
	defer msgpackDecoders.Put(d)
	d.r.Reset(data)
	d.dec.Reset(&d.r) // Reset clears options, so set them each time.
	d.dec.UseLooseInterfaceDecoding(true)
	d.dec.SetCustomStructTag("json")
	if err := d.dec.Decode(v); err != nil {
		return err
	}
	if d.r.Len() != 0 {
		return errTrailingData
	}
	return nil
}
