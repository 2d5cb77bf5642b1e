package sessions

// Codec turns a session's values into the record bytes kept in the Store and
// back. Flask-Session 0.8 reads and writes both built-in codecs, so a Go
// service and a Flask service can share a store.
//
// Marshal must be deterministic for equal values (sorted map keys): the
// lifecycle compares encodings to notice values mutated in place.
// Unmarshal must return an error, never panic, on bytes it did not produce.
type Codec interface {
	// Marshal encodes v: the session's values map, or a value Value
	// converts.
	Marshal(v any) ([]byte, error)
	// Unmarshal decodes data into the value v points to.
	Unmarshal(data []byte, v any) error
}

// decodeRecord decodes a stored record into a fresh values map.
func decodeRecord(c Codec, data []byte) (map[string]any, error) {
	var values map[string]any
	if err := c.Unmarshal(data, &values); err != nil {
		return nil, err
	}
	if values == nil {
		values = make(map[string]any)
	}
	return values, nil
}
