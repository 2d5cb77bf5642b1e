package sessions

import (
	"bytes"
	"sync"

	"github.com/vmihailenco/msgpack/v5"
)

// Msgpack is the default Codec, matching Flask-Session 0.8's default
// SESSION_SERIALIZATION_FORMAT. Records are msgpack maps with string keys;
// integers decode as int64 or uint64, floats as float64, nested maps as
// map[string]any and arrays as []any. Structs are encoded by their `json`
// tags, so a Flask app sees the same field names as a JSON client would.
var Msgpack Codec = msgpackCodec{}

type msgpackCodec struct{}

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

type msgpackDecoder struct {
	r   bytes.Reader
	dec *msgpack.Decoder
}

var msgpackDecoders = sync.Pool{New: func() any {
	return &msgpackDecoder{dec: msgpack.NewDecoder(nil)}
}}

func (msgpackCodec) Marshal(v any) ([]byte, error) {
	e := msgpackEncoders.Get().(*msgpackEncoder)
	defer msgpackEncoders.Put(e)
	e.buf.Reset()
	if err := e.enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.Clone(e.buf.Bytes()), nil
}

func (msgpackCodec) Unmarshal(data []byte, v any) error {
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
