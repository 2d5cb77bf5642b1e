package sessions

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/serversession/serversession/internal/signing"
)

// A Go service and a Flask-Session 0.8 service pointed at the
// same store with the same secret read each other's sessions. The fixtures
// in testdata/flask are what Flask-Session writes; see its README.

func readFixture(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "testdata", "flask", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

type flaskCookie struct {
	SecretKey string `json:"secret_key"`
	SID       string `json:"sid"`
	Cookie    string `json:"cookie"`
}

func loadFlaskCookie(t *testing.T) flaskCookie {
	t.Helper()
	var fc flaskCookie
	if err := json.Unmarshal(readFixture(t, "cookie.json"), &fc); err != nil {
		t.Fatal(err)
	}
	return fc
}

// SecretKeyFallbacks (Flask's SECRET_KEY_FALLBACKS): previous keys verify,
// only SecretKey signs, so a read re-sends the cookie signed with the new
// key.
func TestKeyRotation(t *testing.T) {
	oldKey := []byte("the-old-key-0123456789")
	for _, flask := range []bool{false, true} {
		h := newHarness(t, withLoadTouch, func(c *Config) { c.SecretKey = oldKey; c.FlaskSigner = flask })
		cookie := h.login(map[string]any{"user_id": 1})
		id := h.idOf(cookie)

		h2 := newHarnessOn(t, h.store, withLoadTouch, func(c *Config) {
			c.SecretKey = testKey
			c.SecretKeyFallbacks = [][]byte{[]byte("unrelated-key-0123456789"), oldKey}
			c.FlaskSigner = flask
		})

		resp := h2.serve(func(_ http.ResponseWriter, _ *http.Request, s *Session) {
			if v, ok := Value[int](s, "user_id"); !ok || v != 1 {
				t.Errorf("flask=%v: a cookie signed with a fallback key did not load: %v %v", flask, v, ok)
			}
		}, cookie)
		c := resp.sessionCookie()
		if c == nil {
			t.Fatalf("flask=%v: no refreshed cookie", flask)
		}
		if c.Value != h2.m.signer.Sign(id) || c.Value == cookie.Value {
			t.Errorf("flask=%v: refreshed cookie %q is not signed with the new key", flask, c.Value)
		}
		// The fallback key verifies but never signs.
		fallbackOnly := signing.New([][]byte{oldKey}, flask)
		if _, _, ok := fallbackOnly.Verify(c.Value); ok {
			t.Errorf("flask=%v: the new cookie verifies with the old key", flask)
		}
		// A key that is neither current nor a fallback does not verify.
		h3 := newHarness(t, nil, func(c *Config) { c.SecretKey = testKey; c.FlaskSigner = flask })
		if got, _, _ := h3.m.readCookie(requestWith(cookie)); got != "" {
			t.Errorf("flask=%v: a retired key still verifies", flask)
		}
	}
}

func requestWith(c *http.Cookie) *http.Request {
	r, _ := http.NewRequest(http.MethodGet, "/", nil)
	r.AddCookie(c)
	return r
}

// flaskValues is the map both golden records hold.
func flaskValues(number any) map[string]any {
	return map[string]any{
		"_permanent": true,
		"user_id":    number,
		"_flashes":   []any{[]any{"message", "hi"}},
	}
}

// The records Flask-Session writes (msgspec, keys in insertion order)
// decode to the expected map; ours encode the same map deterministically,
// keys sorted, and decode back to it.
func TestFlaskRecordGolden(t *testing.T) {
	ours, _ := hex.DecodeString("83" +
		"a8" + hex.EncodeToString([]byte("_flashes")) + "9192a7" + hex.EncodeToString([]byte("message")) + "a2" + hex.EncodeToString([]byte("hi")) +
		"aa" + hex.EncodeToString([]byte("_permanent")) + "c3" +
		"a7" + hex.EncodeToString([]byte("user_id")) + "2a")
	cases := []struct {
		codec  Codec
		file   string
		number any
		ours   []byte
	}{
		{Msgpack, "record.msgpack", int64(42), ours},
		{JSON, "record.json", json.Number("42"), []byte(`{"_flashes":[["message","hi"]],"_permanent":true,"user_id":42}`)},
	}
	for _, tc := range cases {
		flask := readFixture(t, tc.file)
		got, err := decodeRecord(tc.codec, flask)
		if err != nil {
			t.Fatalf("%s: %v", tc.file, err)
		}
		want := flaskValues(tc.number)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s decodes to %#v, want %#v", tc.file, got, want)
		}
		enc, err := tc.codec.Marshal(want)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(enc, tc.ours) {
			t.Errorf("%s: we encode\n%x, want\n%x", tc.file, enc, tc.ours)
		}
		back, err := decodeRecord(tc.codec, enc)
		if err != nil || !reflect.DeepEqual(back, want) {
			t.Errorf("%s: our encoding decodes to %#v, %v", tc.file, back, err)
		}
	}
}

// End to end: a session Flask-Session wrote, with its signed cookie, is read
// by a Manager in Flask mode; flashes come out in Flask's shape; what we
// write back is what Flask reads.
func TestFlaskSessionReadAndWritten(t *testing.T) {
	fc := loadFlaskCookie(t)
	for _, tc := range []struct {
		codec Codec
		file  string
	}{{Msgpack, "record.msgpack"}, {JSON, "record.json"}} {
		h := newHarness(t, withLoadTouch, func(c *Config) {
			c.SecretKey = []byte(fc.SecretKey)
			c.FlaskSigner = true
			c.Codec = tc.codec
		})
		flask := readFixture(t, tc.file)
		h.store.put("session:"+fc.SID, flask)
		cookie := &http.Cookie{Name: "session", Value: fc.Cookie}

		// A read does not rewrite the Flask-made record, whose keys are not
		// in our order: a session only read is touched, not rewritten.
		resp := h.serve(func(_ http.ResponseWriter, _ *http.Request, s *Session) {
			if v, ok := Value[int](s, "user_id"); !ok || v != 42 {
				t.Errorf("%s: user_id = %v, %v", tc.file, v, ok)
			}
			if !s.Permanent() || s.IsNew() {
				t.Errorf("%s: Permanent %v, IsNew %v", tc.file, s.Permanent(), s.IsNew())
			}
			if got := s.Keys(); !slices.Equal(got, []string{"_flashes", "user_id"}) {
				t.Errorf("%s: Keys = %q", tc.file, got)
			}
		}, cookie)
		if !mapsEqual(h.store.calls, map[string]int{"loadtouch": 1}) {
			t.Errorf("%s: store calls %v, want one loadtouch", tc.file, h.store.order)
		}
		if after, _ := h.store.get("session:" + fc.SID); !bytes.Equal(after, flask) {
			t.Errorf("%s: record rewritten to %q", tc.file, after)
		}
		if c := resp.sessionCookie(); c == nil || c.Value != fc.Cookie {
			t.Errorf("%s: refreshed cookie %v, want Flask's value", tc.file, c)
		}

		// Flashes are Flask's [category, message] pairs.
		h.serve(func(_ http.ResponseWriter, _ *http.Request, s *Session) {
			if got := s.Flashes(); !slices.Equal(got, []Flash{{"message", "hi"}}) {
				t.Errorf("%s: Flashes = %v", tc.file, got)
			}
			s.AddFlash("saved", "success")
			s.AddFlash("plain")
		}, cookie)
		rec := h.record(fc.SID)
		want := []any{[]any{"success", "saved"}, []any{"message", "plain"}}
		if !reflect.DeepEqual(rec["_flashes"], want) {
			t.Errorf("%s: stored _flashes %#v, want %#v", tc.file, rec["_flashes"], want)
		}
		if rec["_permanent"] != true {
			t.Errorf("%s: stored _permanent %v", tc.file, rec["_permanent"])
		}
	}
}

// Flashes with categories take only those, oldest first, and keep the rest
// for later (Flask's get_flashed_messages(category_filter=...)); malformed
// entries are dropped.
func TestFlashCategories(t *testing.T) {
	h := newHarness(t, nil, nil)
	cookie := h.login(map[string]any{"x": 1})
	h.serve(func(_ http.ResponseWriter, _ *http.Request, s *Session) {
		s.AddFlash("a", "error")
		s.AddFlash("b")
		s.AddFlash("c", "error")
		if got := s.Flashes("error", "warning"); !slices.Equal(got, []Flash{{"error", "a"}, {"error", "c"}}) {
			t.Errorf("Flashes(error) = %v", got)
		}
	}, cookie)
	h.serve(func(_ http.ResponseWriter, _ *http.Request, s *Session) {
		if got := s.Flashes(); !slices.Equal(got, []Flash{{"message", "b"}}) {
			t.Errorf("Flashes() = %v", got)
		}
		if got := s.Flashes(); got != nil {
			t.Errorf("second Flashes() = %v", got)
		}
		if s.Has("_flashes") {
			t.Error("_flashes kept after all were read")
		}
		s.Set("_flashes", []any{"bad", []any{"message"}, []any{1, 2}, []any{"ok", "fine"}})
		if got := s.Flashes(); !slices.Equal(got, []Flash{{"ok", "fine"}}) {
			t.Errorf("Flashes over malformed entries = %v", got)
		}
	}, cookie)
}

// Reading flashes of a category that has none changes nothing, so the
// session is refreshed, not rewritten.
func TestFlashesNoneTakenIsNotAModification(t *testing.T) {
	h := newHarness(t, withLoadTouch, nil)
	resp := h.serve(func(_ http.ResponseWriter, _ *http.Request, s *Session) { s.AddFlash("hi") })
	cookie := &http.Cookie{Name: "session", Value: resp.sessionCookie().Value}
	h.store.resetCounts()
	h.now = h.now.Add(2 * time.Minute) // past the RefreshInterval
	h.serve(func(_ http.ResponseWriter, _ *http.Request, s *Session) {
		if got := s.Flashes("error"); got != nil {
			t.Errorf("Flashes(error) = %v", got)
		}
	}, cookie)
	if !mapsEqual(h.store.calls, map[string]int{"loadtouch": 1}) {
		t.Errorf("store calls %v, want one loadtouch", h.store.order)
	}
	h.serve(func(_ http.ResponseWriter, _ *http.Request, s *Session) {
		if got := s.Flashes(); len(got) != 1 {
			t.Errorf("Flashes() = %v", got)
		}
	}, cookie)
}

// Flask tells floats from ints: msgspec.json (as Python's json) writes 2.0
// for a float with an integral value. Our JSON codec writes the same
// values, Go floats, byte for byte as Flask wrote them, and reads Flask's
// 2.0 back as a float and its 2 as an integer.
func TestFlaskJSONFloatsGolden(t *testing.T) {
	flask := readFixture(t, "record_floats.json")
	ours, err := encodeRecord(JSON, map[string]any{
		"f": 2.0,
		"l": []any{1.0, 0.5, 3},
		"m": map[string]any{"z": math.Copysign(0, -1)},
		"n": 2,
	}, meta{permanent: true})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(ours, flask) {
		t.Errorf("we encode\n%s\nFlask writes\n%s", ours, flask)
	}

	got, err := decodeRecord(JSON, flask)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"_permanent": true,
		"f":          json.Number("2.0"),
		"l":          []any{json.Number("1.0"), json.Number("0.5"), json.Number("3")},
		"m":          map[string]any{"z": json.Number("-0.0")},
		"n":          json.Number("2"),
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("decodes to %#v, want %#v", got, want)
	}

	// Through a session: 2.0 is a float64, 2 an integer, and a read does
	// not rewrite the record (it re-encodes to the same bytes).
	fc := loadFlaskCookie(t)
	h := newHarness(t, withLoadTouch, func(c *Config) {
		c.SecretKey = []byte(fc.SecretKey)
		c.FlaskSigner = true
		c.Codec = JSON
	})
	h.store.put("session:"+fc.SID, flask)
	h.serve(func(_ http.ResponseWriter, _ *http.Request, s *Session) {
		if f, ok := Value[float64](s, "f"); !ok || f != 2.0 {
			t.Errorf("Value[float64](f) = %v, %v", f, ok)
		}
		if n, ok := Value[int](s, "n"); !ok || n != 2 {
			t.Errorf("Value[int](n) = %v, %v", n, ok)
		}
		if n, ok := Value[int64](s, "n"); !ok || n != 2 {
			t.Errorf("Value[int64](n) = %v, %v", n, ok)
		}
		if l, ok := Value[[]float64](s, "l"); !ok || !slices.Equal(l, []float64{1, 0.5, 3}) {
			t.Errorf("Value[[]float64](l) = %v, %v", l, ok)
		}
	}, &http.Cookie{Name: "session", Value: fc.Cookie})
	if h.store.count("save") != 0 {
		t.Errorf("store calls %v: a read rewrote the record", h.store.order)
	}
	if after, _ := h.store.get("session:" + fc.SID); !bytes.Equal(after, flask) {
		t.Errorf("record rewritten to %s", after)
	}

	// What a Go handler sets is stored as Flask would store it.
	h.serve(func(_ http.ResponseWriter, _ *http.Request, s *Session) {
		s.Set("f", 3.0)
	}, &http.Cookie{Name: "session", Value: fc.Cookie})
	after, _ := h.store.get("session:" + fc.SID)
	if want := `{"_permanent":true,"f":3.0,"l":[1.0,0.5,3],"m":{"z":-0.0},"n":2}`; string(after) != want {
		t.Errorf("stored %s, want %s", after, want)
	}
}

// A Flash the application encodes itself (a JSON API's response, or a
// value it stores) has lower-case keys, under both codecs; the session's
// own flash list stays Flask's [category, message] pairs.
func TestFlashJSONTags(t *testing.T) {
	f := Flash{Category: "error", Message: "bad <input>"}
	got, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"category":"error","message":"bad \u003cinput\u003e"}`; string(got) != want {
		t.Errorf("json.Marshal(Flash) = %s, want %s", got, want)
	}
	var back Flash
	if err := json.Unmarshal([]byte(`{"category":"a","message":"b"}`), &back); err != nil || back != (Flash{"a", "b"}) {
		t.Errorf("json.Unmarshal = %+v, %v", back, err)
	}
	for _, codec := range []Codec{Msgpack, JSON} {
		h := newHarness(t, nil, func(c *Config) { c.Codec = codec })
		cookie := h.login(map[string]any{"last": f})
		h.serve(func(_ http.ResponseWriter, _ *http.Request, s *Session) {
			s.AddFlash("hi")
		}, cookie)
		rec := h.record(h.idOf(cookie))
		if want := map[string]any{"category": "error", "message": "bad <input>"}; !reflect.DeepEqual(rec["last"], want) {
			t.Errorf("%T: stored Flash %#v, want %#v", codec, rec["last"], want)
		}
		if want := []any{[]any{"message", "hi"}}; !reflect.DeepEqual(rec["_flashes"], want) {
			t.Errorf("%T: stored _flashes %#v, want %#v", codec, rec["_flashes"], want)
		}
		h.serve(func(_ http.ResponseWriter, _ *http.Request, s *Session) {
			if got, ok := Value[Flash](s, "last"); !ok || got != f {
				t.Errorf("%T: Value[Flash] = %+v, %v", codec, got, ok)
			}
		}, cookie)
	}
}
