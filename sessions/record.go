package sessions

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/serversession/serversession/internal/numconv"
)

// Keys of the record that hold metadata, not values: Flask's "_permanent";
// ours "_created" (AbsoluteTimeout, Users), "_tied" and "_ref"
// (Users), "_ua" and "_ip" (Users.Devices).
const (
	keyPermanent = "_permanent"
	keyCreated   = "_created"
	keyTied      = "_tied"
	keyRef       = "_ref"
	keyUserAgent = "_ua"
	keyIP        = "_ip"
)

// metaKeys are the keys takeMeta removes from decoded values and
// encodeRecord adds for its call.
var metaKeys = [...]string{keyPermanent, keyCreated, keyTied, keyRef, keyUserAgent, keyIP}

// meta is the metadata a record holds beside the session's values.
type meta struct {
	permanent bool
	created   int64  // Unix seconds; 0 when not kept or not known
	tied      string // the user whose index lists the record (Users)
	ref       string // the session's Ref, kept across Regenerate (Users)
	userAgent string // of the request that logged the session in (Users.Devices)
	ip        string // its client IP (Users.Devices)
}

// takeMeta removes the metadata keys from decoded values and returns them;
// one of the wrong type reads as its zero value.
func takeMeta(values map[string]any) meta {
	var md meta
	md.permanent, _ = values[keyPermanent].(bool)
	md.created, _ = numconv.Int64(values[keyCreated])
	md.tied, _ = values[keyTied].(string)
	md.ref, _ = values[keyRef].(string)
	md.userAgent, _ = values[keyUserAgent].(string)
	md.ip, _ = values[keyIP].(string)
	for _, k := range metaKeys {
		delete(values, k)
	}
	return md
}

// encode returns the record of the session, or ErrEncode.
func (s *Session) encode() ([]byte, error) {
	data, err := encodeRecord(s.m.cfg.Codec, s.values, s.meta)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrEncode, err)
	}
	return data, nil
}

// decode returns the values and metadata of a stored record.
func (s *Session) decode(data []byte) (map[string]any, meta, error) {
	return decodeWithMeta(s.m.cfg.Codec, data)
}

// decodeWithMeta decodes a record into its values and its metadata.
func decodeWithMeta(c Codec, data []byte) (map[string]any, meta, error) {
	values, err := decodeRecord(c, data)
	if err != nil {
		return nil, meta{}, err
	}
	return values, takeMeta(values), nil
}

// encodeRecord encodes values with the metadata keys added for the call.
func encodeRecord(c Codec, values map[string]any, md meta) ([]byte, error) {
	if md.permanent {
		values[keyPermanent] = true
	}
	if md.created != 0 {
		values[keyCreated] = md.created
	}
	for _, kv := range [...]struct{ k, v string }{{keyTied, md.tied}, {keyRef, md.ref}, {keyUserAgent, md.userAgent}, {keyIP, md.ip}} {
		if kv.v != "" {
			values[kv.k] = kv.v
		}
	}
	data, err := c.Marshal(values)
	for _, k := range metaKeys {
		delete(values, k)
	}
	return data, err
}

// hasMutable reports whether any value could change in place.
func hasMutable(values map[string]any) bool {
	for _, v := range values {
		if mutable(v) {
			return true
		}
	}
	return false
}

// mutable reports whether v could change in place (a map, a slice, a
// pointer, a struct).
func mutable(v any) bool {
	switch v.(type) {
	case nil, bool, string, json.Number, time.Time,
		int, int8, int16, int32, int64,
		uint, uint8, uint16, uint32, uint64,
		float32, float64:
		return false
	}
	return true
}
