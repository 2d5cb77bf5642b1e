package adaptertest

import (
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/serversession/serversession/sessions"
)

// The dict-like API across requests: what one request sets, the next reads.

func testSetGet(t *testing.T, h Harness) {
	e := start(t, h, Routes{"/set": setter("name", "gopher", "n", 42), "/show": show})
	c := e.client()
	r := c.get("/set")
	if r.status != http.StatusOK || r.body != "ok" {
		t.Fatalf("GET /set: %d %q, want 200 ok", r.status, r.body)
	}
	if r.cookie == nil {
		t.Fatal("GET /set set no session cookie")
	}
	if _, found := e.record(r.cookie); !found {
		t.Fatal("GET /set stored no record")
	}
	if r := c.get("/show"); r.body != "n=42 name=gopher" {
		t.Errorf("GET /show after /set = %q, want %q", r.body, "n=42 name=gopher")
	}
}

func testModify(t *testing.T, h Harness) {
	e := start(t, h, Routes{"/incr": func(x Exchange) error {
		s := session(x)
		n, _ := sessions.Value[int](s, "n")
		s.Set("n", n+1)
		return write(x, "%d", n+1)
	}})
	c := e.client()
	for want := 1; want <= 3; want++ {
		if r := c.get("/incr"); r.body != fmt.Sprint(want) {
			t.Fatalf("GET /incr #%d = %d %q, want %d", want, r.status, r.body, want)
		}
	}
}

func testDelete(t *testing.T, h Harness) {
	e := start(t, h, Routes{
		"/set": setter("a", 1, "b", 2),
		"/delete": func(x Exchange) error {
			s := session(x)
			s.Delete("a")
			s.Delete("missing")
			return write(x, "has(a)=%t has(b)=%t len=%d", s.Has("a"), s.Has("b"), s.Len())
		},
		"/delete-missing": func(x Exchange) error {
			session(x).Delete("missing")
			return x.Write("ok")
		},
		"/show": show,
	})
	c := e.client()
	c.get("/set")
	if r := c.get("/delete"); r.body != "has(a)=false has(b)=true len=1" {
		t.Errorf("GET /delete = %q", r.body)
	}
	if r := c.get("/show"); r.body != "b=2" {
		t.Errorf("GET /show after /delete = %q, want b=2", r.body)
	}
	e.store.reset()
	c.get("/delete-missing")
	if n := e.store.calls(); n.Save != 0 {
		t.Errorf("deleting a missing key saved the session: calls %v", n)
	}
}

func testPop(t *testing.T, h Harness) {
	e := start(t, h, Routes{
		"/set": setter("a", "x", "b", "y"),
		"/pop": func(x Exchange) error {
			v, ok := session(x).Pop("a")
			return write(x, "%v %t", v, ok)
		},
		"/show": show,
	})
	c := e.client()
	c.get("/set")
	if r := c.get("/pop"); r.body != "x true" {
		t.Errorf("first GET /pop = %q, want %q", r.body, "x true")
	}
	if r := c.get("/pop"); r.body != "<nil> false" {
		t.Errorf("second GET /pop = %q, want %q", r.body, "<nil> false")
	}
	if r := c.get("/show"); r.body != "b=y" {
		t.Errorf("GET /show after /pop = %q, want b=y", r.body)
	}
}

// testClear checks that emptying a stored session deletes its record and
// expires its cookie, whether by Clear or by deleting the keys one by one.
func testClear(t *testing.T, h Harness) {
	e := start(t, h, Routes{
		"/set":   setter("a", 1, "b", 2),
		"/clear": func(x Exchange) error { session(x).Clear(); return x.Write("cleared") },
		"/empty": func(x Exchange) error {
			s := session(x)
			for _, k := range s.Keys() {
				s.Delete(k)
			}
			return x.Write("emptied")
		},
		"/id": id,
	})
	c := e.client()
	set := c.get("/set")
	r := c.get("/clear")
	if !expired(r.cookie) {
		t.Errorf("GET /clear: Set-Cookie %v, want the session cookie expired", r.cookie)
	}
	if _, found := e.record(set.cookie); found {
		t.Error("GET /clear left the record in the store")
	}
	if r := c.get("/id"); !strings.HasSuffix(r.body, "new=true") {
		t.Errorf("GET /id after /clear = %q, want a new session", r.body)
	}

	set = c.get("/set")
	r = c.get("/empty")
	if !expired(r.cookie) {
		t.Errorf("GET /empty: Set-Cookie %v, want the session cookie expired", r.cookie)
	}
	if _, found := e.record(set.cookie); found {
		t.Error("GET /empty left the record in the store")
	}
	if r := c.get("/id"); !strings.HasSuffix(r.body, "new=true") {
		t.Errorf("GET /id after /empty = %q, want a new session", r.body)
	}
}

func testKeysLenHas(t *testing.T, h Harness) {
	e := start(t, h, Routes{
		"/set": setter("b", 2, "a", 1, "c", 3),
		"/keys": func(x Exchange) error {
			s := session(x)
			return write(x, "%v len=%d has(a)=%t has(z)=%t", s.Keys(), s.Len(), s.Has("a"), s.Has("z"))
		},
	})
	c := e.client()
	c.get("/set")
	if r := c.get("/keys"); r.body != "[a b c] len=3 has(a)=true has(z)=false" {
		t.Errorf("GET /keys = %q", r.body)
	}
}

// testIDAndIsNew checks that a session keeps its ID across requests, that
// the cookie carries that ID, and that IsNew is true only until it is stored.
func testIDAndIsNew(t *testing.T, h Harness) {
	for _, signed := range []bool{true, false} {
		opts := []option{}
		if !signed {
			opts = append(opts, unsigned)
		}
		e := start(t, h, Routes{"/id": func(x Exchange) error {
			s := session(x)
			s.Set("seen", true)
			return write(x, "%s new=%t", s.ID(), s.IsNew())
		}}, opts...)
		c := e.client()
		first := c.get("/id")
		second := c.get("/id")
		if first.cookie == nil {
			t.Fatalf("signed=%t: no session cookie", signed)
		}
		id := e.idOf(first.cookie.Value)
		if first.body != id+" new=true" {
			t.Errorf("signed=%t: first GET /id = %q, want %q", signed, first.body, id+" new=true")
		}
		if second.body != id+" new=false" {
			t.Errorf("signed=%t: second GET /id = %q, want %q", signed, second.body, id+" new=false")
		}
		if !signed && first.cookie.Value != id {
			t.Errorf("unsigned cookie %q is not the bare ID", first.cookie.Value)
		}
		if len(id) != 43 {
			t.Errorf("signed=%t: ID %q has %d characters, want 43 (32 random bytes, base64url)", signed, id, len(id))
		}
	}
}

func testFlashes(t *testing.T, h Harness) {
	e := start(t, h, Routes{
		"/flash": func(x Exchange) error {
			s := session(x)
			s.Set("user", "alice")
			s.AddFlash("saved")
			s.AddFlash("disk almost full", "warning")
			s.AddFlash("welcome back")
			return x.Write("ok")
		},
		"/warnings": func(x Exchange) error { return write(x, "%v", session(x).Flashes("warning")) },
		"/flashes":  func(x Exchange) error { return write(x, "%v", session(x).Flashes()) },
		"/user": func(x Exchange) error {
			v, _ := sessions.Value[string](session(x), "user")
			return x.Write(v)
		},
	})
	c := e.client()
	c.get("/flash")
	if r := c.get("/warnings"); r.body != "[{warning disk almost full}]" {
		t.Errorf("GET /warnings = %q", r.body)
	}
	if r := c.get("/flashes"); r.body != "[{message saved} {message welcome back}]" {
		t.Errorf("GET /flashes = %q", r.body)
	}
	if r := c.get("/flashes"); r.body != "[]" {
		t.Errorf("GET /flashes again = %q, want [] (flashes are read once)", r.body)
	}
	if r := c.get("/user"); r.body != "alice" {
		t.Errorf("GET /user after the flashes = %q, want alice", r.body)
	}
}

// cart is a struct stored in the session and read back with Value.
type cart struct {
	Items []string
	Total int
	Paid  bool
}

func testTypedValues(t *testing.T, h Harness) {
	want := cart{Items: []string{"book", "pen"}, Total: 1250}
	for _, codec := range []sessions.Codec{sessions.Msgpack, sessions.JSON} {
		e := start(t, h, Routes{
			"/set": setter("n", 42, "big", int64(1)<<53+1, "cart", want),
			"/get": func(x Exchange) error {
				s := session(x)
				n, okN := sessions.Value[int](s, "n")
				big, okBig := sessions.Value[int64](s, "big")
				c, okC := sessions.Value[cart](s, "cart")
				_, okS := sessions.Value[string](s, "n")
				_, okM := sessions.Value[int](s, "missing")
				if !reflect.DeepEqual(c, want) {
					t.Errorf("codec %T: Value[cart] = %+v, want %+v", codec, c, want)
				}
				return write(x, "n=%d,%t big=%d,%t cart=%t string(n)=%t missing=%t", n, okN, big, okBig, okC, okS, okM)
			},
		}, with(func(cfg *sessions.Config) { cfg.Codec = codec }))
		c := e.client()
		c.get("/set")
		wantBody := fmt.Sprintf("n=42,true big=%d,true cart=true string(n)=false missing=false", int64(1)<<53+1)
		if r := c.get("/get"); r.body != wantBody {
			t.Errorf("codec %T: GET /get = %q, want %q", codec, r.body, wantBody)
		}
	}
}

// testNestedInPlace checks that a map or list stored in the session and
// changed in place, without Set or MarkModified, is saved.
func testNestedInPlace(t *testing.T, h Harness) {
	for _, codec := range []sessions.Codec{sessions.Msgpack, sessions.JSON} {
		e := start(t, h, Routes{
			"/set": setter("prefs", map[string]any{"theme": "light"}, "tags", []any{"a", "b"}),
			"/mutate": func(x Exchange) error {
				s := session(x)
				prefs, ok1 := s.Get("prefs")
				tags, ok2 := s.Get("tags")
				m, ok3 := prefs.(map[string]any)
				l, ok4 := tags.([]any)
				if !ok1 || !ok2 || !ok3 || !ok4 {
					return write(x, "decoded as %T and %T", prefs, tags)
				}
				m["theme"] = "dark"
				m["lang"] = "fr"
				l[1] = "z"
				return x.Write("ok")
			},
			"/show": show,
		}, with(func(cfg *sessions.Config) { cfg.Codec = codec }))
		c := e.client()
		c.get("/set")
		if r := c.get("/mutate"); r.body != "ok" {
			t.Fatalf("codec %T: GET /mutate = %q", codec, r.body)
		}
		if r := c.get("/show"); r.body != "prefs=map[lang:fr theme:dark] tags=[a z]" {
			t.Errorf("codec %T: GET /show after in-place changes = %q", codec, r.body)
		}
	}
}

// testConcurrentWithinRequest uses one session from many goroutines of one
// request; run with -race.
func testConcurrentWithinRequest(t *testing.T, h Harness) {
	e := start(t, h, Routes{
		"/fan-out": func(x Exchange) error {
			s := session(x)
			if err := s.Err(); err != nil {
				return write(x, "no session: %v", err) // a panic in a goroutine would end the test binary
			}
			var wg sync.WaitGroup
			for i := range 16 {
				wg.Go(func() {
					s.Set(fmt.Sprintf("k%02d", i), i)
					s.Get("k00")
					s.Keys()
					_, _ = sessions.Value[int](s, "k01")
				})
			}
			wg.Wait()
			return write(x, "%d", s.Len())
		},
		"/len": func(x Exchange) error { return write(x, "%d", session(x).Len()) },
	})
	c := e.client()
	if r := c.get("/fan-out"); r.body != "16" {
		t.Errorf("GET /fan-out = %q, want 16", r.body)
	}
	if r := c.get("/len"); r.body != "16" {
		t.Errorf("GET /len = %q, want 16", r.body)
	}
}

// testConcurrentClients runs many browsers at once; each must only ever see
// its own session.
func testConcurrentClients(t *testing.T, h Harness) {
	e := start(t, h, Routes{"/incr": func(x Exchange) error {
		s := session(x)
		n, _ := sessions.Value[int](s, "n")
		s.Set("n", n+1)
		return write(x, "%d", n+1)
	}})
	var wg sync.WaitGroup
	for range 8 {
		c := e.client()
		wg.Go(func() {
			for want := 1; want <= 5; want++ {
				if r := c.get("/incr"); r.body != fmt.Sprint(want) {
					t.Errorf("GET /incr #%d = %q", want, r.body)
					return
				}
			}
		})
	}
	wg.Wait()
}
