package sessions

import (
	"bytes"
	"encoding/json"
)

// JSON is the Codec for Flask-Session's "json" serialization format: compact
// JSON objects. Numbers decode as json.Number so that large integers keep
// their precision; Value converts them to the requested numeric type.
var JSON Codec = jsonCodec{}

type jsonCodec struct{}

func (jsonCodec) Marshal(v any) ([]byte, error) { return json.Marshal(v) }

func (jsonCodec) Unmarshal(data []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	if err := d.Decode(v); err != nil {
		return err
	}
	// More would accept a stray ']' or '}' after the object.
	if len(bytes.TrimLeft(data[d.InputOffset():], " \t\r\n")) != 0 {
		return errTrailingData
	}
	return nil
}
