package sessions

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/serversession/serversession/internal/signing"
)

// Bad input never crashes. These fuzz targets cover cookie
// parsing, signature checks and both codecs' decoding.
//
//	go test ./sessions -run '^$' -fuzz FuzzReadCookie -fuzztime 10s

var fuzzOldKey = []byte("an-older-key-0123456789")

// FuzzReadCookie feeds a Cookie header to readCookie, unsigned and signed:
// it never panics, and an ID it accepts is valid and, when signed, carried
// by a cookie that one of the keys signed.
func FuzzReadCookie(f *testing.F) {
	id := newID(32)
	plain := MustNew(Config{Store: newTestStore()})
	signed := MustNew(Config{Store: newTestStore(), SecretKey: testKey, SecretKeyFallbacks: [][]byte{fuzzOldKey}})
	flask := MustNew(Config{Store: newTestStore(), SecretKey: testKey, FlaskSigner: true})
	signers := []*signing.Signer{signing.New([][]byte{testKey}, false), signing.New([][]byte{fuzzOldKey}, false)}
	flaskSigner := signing.New([][]byte{testKey}, true)
	for _, seed := range []string{
		"session=" + id,
		"session=" + signers[0].Sign(id),
		"session=" + signers[1].Sign(id),
		"session=" + flaskSigner.Sign(id),
		"a=b; session=" + id + "; session=x",
		`session="` + id + `"`,
		"session=" + id + "." + strings.Repeat("A", 43),
		"session=../../etc/passwd",
		"session=" + strings.Repeat("a", 600),
		"session=%00; session=\x00",
		"session",
		";;;=",
		"",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, header string) {
		r, _ := http.NewRequest(http.MethodGet, "/", nil)
		r.Header.Set("Cookie", header)
		if got, _, _ := plain.readCookie(r); got != "" && (!validID(got) || !strings.Contains(header, got)) {
			t.Fatalf("unsigned: accepted %q from %q", got, header)
		}
		if got, _, _ := signed.readCookie(r); got != "" {
			if !validID(got) {
				t.Fatalf("signed: accepted invalid ID %q", got)
			}
			if !strings.Contains(header, signers[0].Sign(got)) && !strings.Contains(header, signers[1].Sign(got)) {
				t.Fatalf("signed: accepted %q, which no key signed, from %q", got, header)
			}
		}
		if got, _, _ := flask.readCookie(r); got != "" {
			if !validID(got) || !strings.Contains(header, flaskSigner.Sign(got)) {
				t.Fatalf("flask: accepted %q from %q", got, header)
			}
		}
		// A session opened and loaded from it never panics.
		h := signed.Begin(nil, r)
		h.Session().Get("x")
		if h.client.id != "" && !validID(h.client.id) {
			t.Fatalf("Open kept %q", h.client.id)
		}
	})
}

// fuzzDecode checks that a record decodes without panicking, and that a
// record that decodes goes through the load and save path: metadata taken
// out, re-encoded, and stable when encoded again (nested-change detection
// relies on it).
func fuzzDecode(t *testing.T, codec Codec, data []byte) {
	values, err := decodeRecord(codec, data)
	if err != nil {
		return
	}
	hasMutable(values)
	md := takeMeta(values)
	enc, err := encodeRecord(codec, values, md)
	if err != nil {
		t.Fatalf("decoded %#v but cannot encode it: %v", values, err)
	}
	again, err := decodeRecord(codec, enc)
	if err != nil {
		t.Fatalf("our encoding %q of %#v does not decode: %v", enc, values, err)
	}
	md2 := takeMeta(again)
	if md2 != md {
		t.Fatalf("metadata changed in a round trip: %+v -> %+v", md, md2)
	}
	enc2, err := encodeRecord(codec, again, md2)
	if err != nil || !bytes.Equal(enc, enc2) {
		t.Fatalf("encoding is not stable:\n%q\n%q (%v)", enc, enc2, err)
	}
}

func FuzzMsgpackDecode(f *testing.F) {
	for _, v := range []map[string]any{
		{"user_id": 42, "_permanent": true, "_flashes": []any{[]any{"message", "hi"}}},
		{"cart": map[string]any{"a": 1.5, "b": []any{nil, true, "x"}}, "_created": int64(1700000000)},
		{"t": time.Unix(1700000000, 5), "bin": []byte{0, 1, 2}, "neg": -1 << 40, "u": uint64(1) << 63},
		{},
	} {
		data, err := Msgpack.Marshal(v)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, seed := range [][]byte{
		nil, {0xc0}, {0xc1}, {0x80}, {0x90},
		{0x81, 0xa1, 'a', 0xdd, 0xff, 0xff, 0xff, 0xff},
		{0x81, 0xa1, 'a', 0xdf, 0x01, 0x00, 0x00, 0x00},
		{0x81, 0xa1, 'a', 0xd4, 0x05, 0x01},
		{0x81, 0xa1, 'a', 0xd6, 0xff, 0, 0, 0, 0},
		{0x81, 0x01, 0x02},
		append([]byte{0x81, 0xa1, 'a'}, bytes.Repeat([]byte{0x91}, 200)...),
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) { fuzzDecode(t, Msgpack, data) })
}

func FuzzJSONDecode(f *testing.F) {
	for _, seed := range []string{
		`{"_permanent":true,"user_id":42,"_flashes":[["message","hi"]]}`,
		`{"cart":{"a":1.5,"b":[null,true,"x"]},"_created":1700000000}`,
		`{"n":12345678901234567890123,"f":1e308,"e":-0.0,"s":"\u00e9\ud83d\ude00"}`,
		`{}`, `null`, `[]`, `{"a":1}]`, `{"a":`, "{\"a\":\"\xff\"}", `{"a":1,"a":2}`,
		strings.Repeat("[", 100) + strings.Repeat("]", 100),
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) { fuzzDecode(t, JSON, data) })
}
