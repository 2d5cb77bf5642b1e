package filestore

import (
	"bytes"
	"errors"
	"testing"
)

// validRecord is a record that parses, for tests to damage.
func validRecord() []byte {
	return appendRecord(nil, []byte("session data \x00\xff"), 1_700_000_000_000_000_000)
}

func TestRecordRoundTrip(t *testing.T) {
	for _, data := range [][]byte{nil, {}, []byte("x"), bytes.Repeat([]byte{0xab}, 1<<16)} {
		b := appendRecord(nil, data, 42)
		if len(b) != headerSize+len(data) {
			t.Fatalf("record of %d bytes is %d bytes long; want %d", len(data), len(b), headerSize+len(data))
		}
		expires, got, err := parseRecord(b)
		if err != nil {
			t.Fatalf("parseRecord of a valid record: %v", err)
		}
		if expires != 42 || !bytes.Equal(got, data) {
			t.Fatalf("parseRecord = (%d, %d bytes); want (42, %d bytes)", expires, len(got), len(data))
		}
	}
}

// TestRecordStrict: every kind of damage is refused with errBadRecord.
func TestRecordStrict(t *testing.T) {
	valid := validRecord()
	damage := map[string][]byte{
		"empty":          {},
		"magic only":     []byte(recordMagic),
		"header only":    valid[:headerSize],
		"one byte short": valid[:len(valid)-1],
		"one byte extra": append(bytes.Clone(valid), 0),
		"wrong magic":    append([]byte("XSES"), valid[4:]...),
		"version 0":      withByte(valid, 4, 0),
		"version 3":      withByte(valid, 4, 3),
		"expiry flipped": withByte(valid, 6, valid[6]^1),
		"length flipped": withByte(valid, 20, valid[20]^1),
		"header crc":     withByte(valid, 28, valid[28]^1),
		"data flipped":   withByte(valid, headerSize+2, valid[headerSize+2]^1),
	}
	for name, b := range damage {
		if _, _, err := parseRecord(b); !errors.Is(err, errBadRecord) {
			t.Errorf("%s: parseRecord error = %v; want errBadRecord", name, err)
		}
	}
	// A header whose checksum is right but whose length is absurd must not
	// make the parser allocate or index out of range.
	h := header{expires: 1, length: 1 << 62}.encode()
	if _, _, err := parseRecord(h[:]); !errors.Is(err, errBadRecord) {
		t.Errorf("huge length: parseRecord error = %v; want errBadRecord", err)
	}
}

// withByte returns a copy of b with b[i] = v.
func withByte(b []byte, i int, v byte) []byte {
	c := bytes.Clone(b)
	c[i] = v
	return c
}
