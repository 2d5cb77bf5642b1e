package filestore

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
)

// The record file format, versions 1 and 2. Every session file is a fixed header
// followed by the session data, exactly:
//
//	offset  size  field
//	0       4     magic "SSES"
//	4       1     version: 1, or 2 for a record whose session names a user
//	5       8     expiry, Unix time in nanoseconds, big-endian int64
//	13      8     data length in bytes, big-endian uint64
//	21      4     CRC-32C of the data, big-endian
//	25      4     CRC-32C of bytes 0-24 (the header so far), big-endian
//	29      n     data
//
// Parsing is strict: a file that is shorter or longer than the header says,
// has another magic or version, or fails either checksum is not a session
// record of any service, whatever its codec. The store treats it as
// missing and removes it. The header checksum catches a torn header, the
// data checksum a truncated or damaged body. The data itself (the codec's
// bytes) is never decoded here: a well-framed record is returned as it is,
// whether or not the caller's codec can read it.
//
// Versions 1 and 2 have the same layout. Version 2 says that the write
// that stored the record carried sessions.HasUserHint (the session names a
// user), so that the threshold evicts it after the anonymous sessions.
// A release that knows only version 1 treats a version 2 file as damaged
// and removes it: going back to one logs out every logged-in user.
//
// LoadTouch rewrites the 29-byte header in place (expiry and header checksum);
// the data, its checksum and the version stay as they are.
const (
	recordMagic   = "SSES"
	recordVersion = 1
	namedVersion  = 2 // recordVersion, for a record whose session names a user
	headerSize    = 29
)

// errBadRecord is wrapped by every parse error.
var errBadRecord = errors.New("not a valid session record")

// crcTable is CRC-32C (Castagnoli), which modern CPUs compute in hardware.
var crcTable = crc32.MakeTable(crc32.Castagnoli)

// header is the parsed fixed part of a record file.
type header struct {
	expires int64  // Unix nanoseconds
	length  uint64 // length of the data that follows
	dataCRC uint32 // CRC-32C of that data
	named   bool   // the session names a user (version 2)
}

// newHeader returns the header of a record holding data until expires.
func newHeader(data []byte, expires int64, named bool) header {
	return header{expires: expires, length: uint64(len(data)), dataCRC: crc32.Checksum(data, crcTable), named: named}
}

// encode returns the header's bytes.
func (h header) encode() [headerSize]byte {
	var b [headerSize]byte
	copy(b[0:4], recordMagic)
	b[4] = recordVersion
	if h.named {
		b[4] = namedVersion
	}
	binary.BigEndian.PutUint64(b[5:13], uint64(h.expires))
	binary.BigEndian.PutUint64(b[13:21], h.length)
	binary.BigEndian.PutUint32(b[21:25], h.dataCRC)
	binary.BigEndian.PutUint32(b[25:29], crc32.Checksum(b[0:25], crcTable))
	return b
}

// parseHeader parses the first headerSize bytes of b, checking magic,
// version and header checksum. It does not look at the data.
func parseHeader(b []byte) (header, error) {
	if len(b) < headerSize {
		return header{}, fmt.Errorf("%w: %d bytes is shorter than the %d-byte header", errBadRecord, len(b), headerSize)
	}
	if string(b[0:4]) != recordMagic {
		return header{}, fmt.Errorf("%w: magic %q, want %q", errBadRecord, b[0:4], recordMagic)
	}
	if b[4] != recordVersion && b[4] != namedVersion {
		return header{}, fmt.Errorf("%w: unknown version %d, want %d or %d", errBadRecord, b[4], recordVersion, namedVersion)
	}
	if got, want := crc32.Checksum(b[0:25], crcTable), binary.BigEndian.Uint32(b[25:29]); got != want {
		return header{}, fmt.Errorf("%w: header checksum %08x, want %08x", errBadRecord, got, want)
	}
	return header{
		expires: int64(binary.BigEndian.Uint64(b[5:13])),
		length:  binary.BigEndian.Uint64(b[13:21]),
		dataCRC: binary.BigEndian.Uint32(b[21:25]),
		named:   b[4] == namedVersion,
	}, nil
}

// checkSize reports whether a file of size bytes has exactly the length
// the header announces.
func (h header) checkSize(size int64) error {
	if size < headerSize || uint64(size-headerSize) != h.length {
		return fmt.Errorf("%w: file is %d bytes, header says %d+%d", errBadRecord, size, headerSize, h.length)
	}
	return nil
}

// parseRecord parses a whole record file. The data it returns is a
// subslice of b.
func parseRecord(b []byte) (expires int64, data []byte, err error) {
	h, err := parseHeader(b)
	if err != nil {
		return 0, nil, err
	}
	if err := h.checkSize(int64(len(b))); err != nil {
		return 0, nil, err
	}
	data = b[headerSize:]
	if got := crc32.Checksum(data, crcTable); got != h.dataCRC {
		return 0, nil, fmt.Errorf("%w: data checksum %08x, want %08x", errBadRecord, got, h.dataCRC)
	}
	return h.expires, data, nil
}

// appendRecord appends the record file of data, expiring at expires, to dst.
func appendRecord(dst, data []byte, expires int64) []byte {
	h := newHeader(data, expires, false).encode()
	return append(append(dst, h[:]...), data...)
}
