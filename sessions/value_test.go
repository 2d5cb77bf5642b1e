package sessions

import (
	"encoding/json"
	"math"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"
)

// valueSession returns a loaded session holding values as codec decodes
// them.
func valueSession(t *testing.T, codec Codec, values map[string]any) *Session {
	t.Helper()
	h := newHarness(t, nil, func(c *Config) { c.Codec = codec })
	data, err := codec.Marshal(values)
	if err != nil {
		t.Fatal(err)
	}
	id := newID(32)
	h.store.put("session:"+id, data)
	var s *Session
	h.serve(func(_ http.ResponseWriter, _ *http.Request, sess *Session) {
		sess.Len()
		s = sess
	}, &http.Cookie{Name: "session", Value: id})
	if s.IsNew() {
		t.Fatal("not loaded")
	}
	return s
}

func checkValue[T any](t *testing.T, s *Session, key string, want T, wantOK bool) {
	t.Helper()
	got, ok := Value[T](s, key)
	if ok != wantOK || (ok && !reflect.DeepEqual(got, want)) {
		raw, _ := s.Get(key)
		t.Errorf("Value[%T](%q) from %T(%v) = %v, %v; want %v, %v", want, key, raw, raw, got, ok, want, wantOK)
	}
}

// Value converts what a codec returns: msgpack's int64/uint64
// and JSON's json.Number come back as the integer or float type asked for;
// a value that does not fit reports false rather than wrapping.
func TestValueNumbers(t *testing.T) {
	values := map[string]any{
		"small": 42, "neg": -7, "big": uint64(math.MaxUint64), "i64max": int64(math.MaxInt64),
		"i300": 300, "half": 1.5, "whole": 2.0, "huge": 1e300, "str": "42", "bool": true, "nil": nil,
	}
	for _, codec := range []Codec{Msgpack, JSON} {
		s := valueSession(t, codec, values)
		name := reflect.TypeOf(codec).Name()
		t.Run(name, func(t *testing.T) {
			checkValue(t, s, "small", 42, true)
			checkValue(t, s, "small", int8(42), true)
			checkValue(t, s, "small", int16(42), true)
			checkValue(t, s, "small", int32(42), true)
			checkValue(t, s, "small", int64(42), true)
			checkValue(t, s, "small", uint(42), true)
			checkValue(t, s, "small", uint8(42), true)
			checkValue(t, s, "small", uint64(42), true)
			checkValue(t, s, "small", 42.0, true)
			checkValue(t, s, "small", float32(42), true)
			checkValue(t, s, "small", time.Duration(42), true)
			checkValue(t, s, "neg", -7, true)
			checkValue(t, s, "neg", int8(-7), true)
			checkValue(t, s, "neg", uint(0), false)
			checkValue(t, s, "neg", uint8(0), false)
			checkValue(t, s, "big", uint64(math.MaxUint64), true)
			checkValue(t, s, "big", 0, false)
			checkValue(t, s, "big", int64(0), false)
			checkValue(t, s, "i64max", int64(math.MaxInt64), true)
			checkValue(t, s, "i64max", int32(0), false)
			checkValue(t, s, "i300", int8(0), false)
			checkValue(t, s, "i300", uint8(0), false)
			checkValue(t, s, "i300", int16(300), true)
			checkValue(t, s, "half", 1.5, true)
			checkValue(t, s, "half", float32(1.5), true)
			checkValue(t, s, "half", 0, false)
			checkValue(t, s, "half", uint(0), false)
			checkValue(t, s, "whole", 2, true)
			checkValue(t, s, "huge", 1e300, true)
			checkValue(t, s, "huge", float32(0), false)
			checkValue(t, s, "huge", int64(0), false)
			checkValue(t, s, "str", "42", true)
			checkValue(t, s, "str", 0, false)
			checkValue(t, s, "bool", true, true)
			checkValue(t, s, "bool", 0, false)
			checkValue(t, s, "nil", 0, false)
			checkValue(t, s, "missing", 0, false)
			checkValue(t, s, "missing", "", false)
		})
	}
	// JSON keeps numbers as json.Number; Value[json.Number] gets it as is.
	s := valueSession(t, JSON, map[string]any{"n": 12345678901234567})
	checkValue(t, s, "n", json.Number("12345678901234567"), true)
	checkValue(t, s, "n", int64(12345678901234567), true)
}

type cart struct {
	Items   []string       `json:"items"`
	Total   int            `json:"total"`
	Price   float64        `json:"price"`
	Coupon  *string        `json:"coupon,omitempty"`
	Meta    map[string]int `json:"meta"`
	Updated time.Time      `json:"updated"`
}

// A stored struct comes back as its struct through either codec,
// and in the same request as it was set.
func TestValueStructRoundTrip(t *testing.T) {
	coupon := "SAVE10"
	want := cart{
		Items: []string{"apple", "pear"}, Total: 3, Price: 9.5, Coupon: &coupon,
		Meta: map[string]int{"x": 1}, Updated: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC),
	}
	for _, codec := range []Codec{Msgpack, JSON} {
		h := newHarness(t, nil, func(c *Config) { c.Codec = codec })
		cookie := h.login(map[string]any{"cart": want, "ptr": &want, "list": []string{"a", "b"}})
		h.serve(func(_ http.ResponseWriter, _ *http.Request, s *Session) {
			got, ok := Value[cart](s, "cart")
			updated := got.Updated
			got.Updated = want.Updated // msgpack decodes times in time.Local
			if !ok || !reflect.DeepEqual(got, want) || !updated.Equal(want.Updated) {
				raw, _ := s.Get("cart")
				t.Errorf("%T: Value[cart] = %+v, %v from %#v", codec, got, ok, raw)
			}
			if p, ok := Value[*cart](s, "ptr"); !ok || p.Total != 3 {
				t.Errorf("%T: Value[*cart] = %v, %v", codec, p, ok)
			}
			checkValue(t, s, "list", []string{"a", "b"}, true)
			checkValue(t, s, "list", []any{"a", "b"}, true)
			if _, ok := Value[int](s, "cart"); ok {
				t.Errorf("%T: Value[int] of a struct", codec)
			}
		}, cookie)
	}
	// In the request that set it, the value comes back as set.
	h := newHarness(t, nil, nil)
	h.serve(func(_ http.ResponseWriter, _ *http.Request, s *Session) {
		s.Set("cart", want)
		if got, ok := Value[cart](s, "cart"); !ok || got.Coupon != &coupon {
			t.Error("Value did not return the value set in this request")
		}
		s.Set("n", 5)
		checkValue(t, s, "n", 5, true)
		checkValue(t, s, "n", int64(5), true)
	})
}

// The metadata keys cannot be set as values: "_permanent" is
// SetPermanent, as in Flask; "_created" is ignored and logged.
func TestSetReservedKeys(t *testing.T) {
	h := newHarness(t, nil, nil)
	cookie := h.serve(func(_ http.ResponseWriter, _ *http.Request, s *Session) {
		s.Set("a", 1)
		s.Set("_permanent", false)
		s.Set("_created", int64(1))
		if s.Permanent() || s.Has("_permanent") || s.Has("_created") {
			t.Errorf("Permanent %v, keys %v", s.Permanent(), s.Keys())
		}
	}).sessionCookie()
	if cookie == nil || !cookie.Expires.IsZero() || cookie.MaxAge != 0 {
		t.Errorf("cookie %v, want a non-permanent one", cookie)
	}
	if !strings.Contains(h.log.String(), "reserved key") {
		t.Errorf("Set of _created not logged: %s", h.log)
	}
}
