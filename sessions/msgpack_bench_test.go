package sessions

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// benchRecords returns the records the msgpack benchmarks encode and
// decode: "small", a login session of three keys, and "large", 50 keys of
// every shape (strings, numbers, booleans, lists, nested maps with times)
// that encode to about 4 KB.
func benchRecords() []struct {
	name   string
	values map[string]any
} {
	large := map[string]any{"_permanent": true, "_created": int64(1700000000)}
	for i := range 48 {
		k := fmt.Sprintf("key_%02d", i)
		switch i % 6 {
		case 0:
			large[k] = strings.Repeat(string(rune('a'+i%26)), 250)
		case 1:
			large[k] = i * 1000003
		case 2:
			large[k] = float64(i) * 1.5
		case 3:
			large[k] = []any{"item", i, true, strings.Repeat("x", 60)}
		case 4:
			large[k] = map[string]any{"id": i, "name": strings.Repeat("n", 80), "at": time.Unix(1700000000+int64(i), 5)}
		case 5:
			large[k] = i%2 == 0
		}
	}
	return []struct {
		name   string
		values map[string]any
	}{
		{"small", map[string]any{"_permanent": true, "user_id": 1234567, "csrf_token": "9f86d081884c7d659a2feaa0c55ad015"}},
		{"large", large},
	}
}

// BenchmarkMsgpackMarshal measures encoding a session record.
//
//	go test ./sessions -run '^$' -bench BenchmarkMsgpack -benchmem
func BenchmarkMsgpackMarshal(b *testing.B) {
	for _, r := range benchRecords() {
		b.Run(r.name, func(b *testing.B) {
			data, _ := Msgpack.Marshal(r.values)
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Msgpack.Marshal(r.values); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkMsgpackUnmarshal measures decoding a session record into a
// map[string]any.
func BenchmarkMsgpackUnmarshal(b *testing.B) {
	for _, r := range benchRecords() {
		data, _ := Msgpack.Marshal(r.values)
		b.Run(r.name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				var m map[string]any
				if err := Msgpack.Unmarshal(data, &m); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
