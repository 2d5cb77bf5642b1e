package filestore

import (
	"bytes"
	"testing"
)

// FuzzParseRecord feeds arbitrary bytes to the record parser: it must never
// panic, and whatever it accepts must encode back to the same bytes.
func FuzzParseRecord(f *testing.F) {
	valid := validRecord()
	f.Add(valid)
	f.Add(appendRecord(nil, nil, 0))
	f.Add(appendRecord(nil, bytes.Repeat([]byte("ab"), 100), -1))
	for _, n := range []int{0, 1, 4, 5, 13, 21, 25, headerSize - 1, headerSize, len(valid) - 1} {
		f.Add(valid[:n])
	}
	f.Add(append([]byte("XSES"), valid[4:]...))
	f.Add(withByte(valid, 4, 2))
	f.Add(append(bytes.Clone(valid), 0))
	f.Fuzz(func(t *testing.T, b []byte) {
		expires, data, err := parseRecord(b)
		if _, herr := parseHeader(b); herr != nil && err == nil {
			t.Fatalf("parseRecord accepted a record whose header parseHeader refuses: %v", herr)
		}
		if err != nil {
			return
		}
		if again := appendRecord(nil, data, expires); !bytes.Equal(again, b) {
			t.Fatalf("accepted record does not encode back to itself:\n got %x\nwant %x", again, b)
		}
	})
}
