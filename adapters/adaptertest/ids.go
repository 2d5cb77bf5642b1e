package adaptertest

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/serversession/serversession/sessions"
)

// Session IDs: regenerated, destroyed, and never adopted from the client.

// testRegenerate checks that Regenerate moves the data to a new ID and that
// the old ID no longer loads: a client replaying the old cookie gets a fresh,
// empty session under an ID it did not choose.
func testRegenerate(t *testing.T, h Harness) {
	e := start(t, h, Routes{
		"/set": setter("user", "alice"),
		"/regenerate": func(x Exchange) error {
			session(x).Regenerate()
			return x.Write("ok")
		},
		"/show": func(x Exchange) error {
			s := session(x)
			return write(x, "%s new=%t", dump(s), s.IsNew())
		},
		"/touch": setter("touched", true),
	})
	c := e.client()
	old := c.get("/set").cookie
	r := c.get("/regenerate")
	if r.cookie == nil || r.cookie.Value == old.Value || expired(r.cookie) {
		t.Fatalf("GET /regenerate set cookie %v, want a new one (old %q)", r.cookie, old.Value)
	}
	if e.idOf(r.cookie.Value) == e.idOf(old.Value) {
		t.Fatal("Regenerate kept the ID")
	}
	if _, found := e.record(old); found {
		t.Error("the old record is still in the store")
	}
	if _, found := e.record(r.cookie); !found {
		t.Error("the new record is not in the store")
	}
	if got := c.get("/show").body; got != "user=alice new=false" {
		t.Errorf("GET /show after Regenerate = %q, want the data kept", got)
	}

	replay := e.getWith("/show", old.Value)
	if replay.body != "(empty) new=true" {
		t.Errorf("replaying the old cookie: GET /show = %q, want a fresh empty session", replay.body)
	}
	replay = e.getWith("/touch", old.Value)
	if replay.cookie == nil {
		t.Fatal("replaying the old cookie and writing set no cookie")
	}
	if got := e.idOf(replay.cookie.Value); got == e.idOf(old.Value) || got == e.idOf(r.cookie.Value) {
		t.Errorf("the replayed session got ID %q, an ID it did not own must never be reused", got)
	}
}

// testDestroy checks that Destroy deletes the record and expires the cookie,
// and that a value set after Destroy starts a new session.
func testDestroy(t *testing.T, h Harness) {
	e := start(t, h, Routes{
		"/set":     setter("user", "alice"),
		"/destroy": destroy,
		"/destroy-then-set": func(x Exchange) error {
			s := session(x)
			s.Destroy()
			s.Set("fresh", true)
			return x.Write("ok")
		},
		"/show": show,
	})
	c := e.client()
	set := c.get("/set").cookie
	r := c.get("/destroy")
	if !expired(r.cookie) {
		t.Errorf("GET /destroy set cookie %v, want it expired (Max-Age<0, Expires in the past)", r.cookie)
	}
	if _, found := e.record(set); found {
		t.Error("GET /destroy left the record in the store")
	}
	if got := c.get("/show").body; got != "(empty)" {
		t.Errorf("GET /show after /destroy = %q, want (empty)", got)
	}
	if got := e.getWith("/show", set.Value).body; got != "(empty)" {
		t.Errorf("replaying the destroyed cookie: GET /show = %q, want (empty)", got)
	}

	set = c.get("/set").cookie
	r = c.get("/destroy-then-set")
	if r.cookie == nil || expired(r.cookie) || e.idOf(r.cookie.Value) == e.idOf(set.Value) {
		t.Fatalf("GET /destroy-then-set set cookie %v, want a live cookie with a new ID", r.cookie)
	}
	if _, found := e.record(set); found {
		t.Error("the destroyed record is still in the store")
	}
	if got := c.get("/show").body; got != "fresh=true" {
		t.Errorf("GET /show after /destroy-then-set = %q, want fresh=true", got)
	}
}

// testClientChosenID sends a well-formed ID the server never issued, as an
// attacker planting a session would: the session starts under a new ID.
func testClientChosenID(t *testing.T, h Harness) {
	e := start(t, h, Routes{"/set": setter("a", 1), "/id": id}, unsigned)
	planted := randomID(t)
	r := e.getWith("/set", planted)
	if r.cookie == nil {
		t.Fatal("GET /set set no cookie")
	}
	if r.cookie.Value == planted {
		t.Fatal("the server adopted an ID the client chose (session fixation)")
	}
	if _, found := e.store.record(t, e.key(planted)); found {
		t.Error("a record was stored under the client's ID")
	}
	if got := e.getWith("/id", planted).body; !strings.HasSuffix(got, " new=true") || strings.HasPrefix(got, planted) {
		t.Errorf("GET /id with a planted ID = %q, want a new session under another ID", got)
	}
}

// testMissingRecord replays a signed cookie whose record is gone (expired or
// evicted): a fresh session under a new ID.
func testMissingRecord(t *testing.T, h Harness) {
	e := start(t, h, Routes{"/set": setter("a", 1), "/id": id})
	c := e.client()
	cookie := c.get("/set").cookie
	id := e.idOf(cookie.Value)
	if err := e.store.inner.Delete(t.Context(), e.key(id)); err != nil {
		t.Fatal(err)
	}
	got := e.getWith("/id", cookie.Value).body
	if !strings.HasSuffix(got, " new=true") || strings.HasPrefix(got, id) {
		t.Errorf("GET /id after the record vanished = %q, want a new session under another ID", got)
	}
}

// testCorruptRecord stores bytes that do not decode under a session's key:
// the session is dropped and logged, the request gets a fresh one, never a
// 500.
func testCorruptRecord(t *testing.T, h Harness) {
	for _, data := range [][]byte{[]byte("\xff\x00garbage"), {}, []byte("{\"truncated\":")} {
		e := start(t, h, Routes{"/set": setter("a", 1), "/id": id, "/set2": setter("b", 2)})
		cookie := e.client().get("/set").cookie
		key := e.key(e.idOf(cookie.Value))
		e.store.put(t, key, data, time.Hour)
		r := e.getWith("/id", cookie.Value)
		if r.status != http.StatusOK || !strings.HasSuffix(r.body, " new=true") {
			t.Errorf("record %q: GET /id = %d %q, want 200 and a new session", data, r.status, r.body)
		}
		r = e.getWith("/set2", cookie.Value)
		if r.cookie == nil || e.idOf(r.cookie.Value) == e.idOf(cookie.Value) {
			t.Errorf("record %q: writing set cookie %v, want one with a new ID", data, r.cookie)
		}
		if got, found := e.store.record(t, key); !found || !bytes.Equal(got, data) {
			t.Errorf("record %q: became %q, %v; a record that does not decode is left for whoever wrote it (another codec's service)", data, got, found)
		}
		if e.logs.count(slog.LevelWarn) == 0 {
			t.Errorf("record %q: the dropped record was not logged", data)
		}
		if errs := e.errs.all(); len(errs) != 0 {
			t.Errorf("record %q: ErrorHandler got %v; a corrupt record is not a store failure", data, errs)
		}
	}
}

// testAbsoluteTimeout checks that a session older than AbsoluteTimeout is
// replaced however active it is, without waiting: the suite writes records
// whose creation time ("_created", Unix seconds) lies before or within the
// timeout.
func testAbsoluteTimeout(t *testing.T, h Harness) {
	const timeout = 2 * time.Second
	e := start(t, h, Routes{"/show": func(x Exchange) error {
		s := session(x)
		return write(x, "%s new=%t", dump(s), s.IsNew())
	}, "/set": setter("k", "v2")}, unsigned, with(func(cfg *sessions.Config) { cfg.AbsoluteTimeout = timeout }))

	plant := func(created time.Time) string {
		id := randomID(t)
		data, err := sessions.Msgpack.Marshal(map[string]any{"_permanent": true, "_created": created.Unix(), "k": "v"})
		if err != nil {
			t.Fatal(err)
		}
		e.store.put(t, e.key(id), data, time.Hour)
		return id
	}

	young := plant(time.Now())
	if got := e.getWith("/show", young).body; got != "k=v new=false" {
		t.Errorf("a session within AbsoluteTimeout: GET /show = %q, want k=v new=false", got)
	}

	old := plant(time.Now().Add(-timeout - 2*time.Second))
	if got := e.getWith("/show", old).body; got != "(empty) new=true" {
		t.Errorf("a session past AbsoluteTimeout: GET /show = %q, want a fresh session", got)
	}
	r := e.getWith("/set", old)
	if r.cookie == nil || r.cookie.Value == old {
		t.Errorf("writing to a session past AbsoluteTimeout set cookie %v, want a new ID", r.cookie)
	}
	if _, found := e.store.record(t, e.key(old)); found {
		t.Error("the timed-out record was kept")
	}

	// A new session's cookie and record live no longer than the timeout.
	r = e.client().get("/set")
	if r.cookie == nil || r.cookie.MaxAge <= 0 || r.cookie.MaxAge > int(timeout/time.Second) {
		t.Errorf("a new session's cookie %v, want 0 < Max-Age <= %d", r.cookie, int(timeout/time.Second))
	}
}

// randomID returns a well-formed session ID the server never issued.
func randomID(t *testing.T) string {
	b := make([]byte, sessions.DefaultIDLength)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// testStorageKeyAndIDLength checks that records go under KeyPrefix plus the
// ID, and that IDLength sets the ID's size.
func testStorageKeyAndIDLength(t *testing.T, h Harness) {
	e := start(t, h, Routes{"/set": setter("a", 1)}, unsigned, with(func(c *sessions.Config) {
		c.KeyPrefix, c.IDLength = "app1:sess:", 48
	}))
	r := e.client().get("/set")
	if r.cookie == nil {
		t.Fatal("no session cookie")
	}
	if len(r.cookie.Value) != 64 {
		t.Errorf("ID %q has %d characters, want 64 (48 bytes, base64url)", r.cookie.Value, len(r.cookie.Value))
	}
	if _, found := e.store.record(t, "app1:sess:"+r.cookie.Value); !found {
		t.Error("no record under KeyPrefix + ID")
	}
}
