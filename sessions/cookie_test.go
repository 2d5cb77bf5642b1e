package sessions

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/serversession/serversession/internal/signing"
)

// A cookie signed in the other signer's shape (Flask's HMAC-SHA1 where
// HMAC-SHA256 is expected, or the reverse) is still rejected, and logs one
// warning that names FlaskSigner, at most once a minute per Manager, with
// neither the cookie nor its ID. Garbage and good cookies log nothing.
func TestOtherSignerWarning(t *testing.T) {
	id := newID(32)
	for _, tc := range []struct {
		flask bool
		other string // a cookie value from the other signer
	}{
		{false, signing.New([][]byte{testKey}, true).Sign(id)},
		{true, signing.New([][]byte{testKey}, false).Sign(id)},
	} {
		var log strings.Builder
		m := MustNew(Config{Store: newTestStore(), SecretKey: testKey, FlaskSigner: tc.flask, Logger: newTextLogger(&log)})
		now := time.Unix(1700000000, 0)
		m.now = func() time.Time { return now }
		read := func(value string) string {
			r, _ := http.NewRequest(http.MethodGet, "/", nil)
			r.Header.Set("Cookie", "session="+value)
			got, _, _ := m.readCookie(r)
			return got
		}
		good := m.signer.Sign(id)
		for _, v := range []string{good, "garbage", id, id + "." + strings.Repeat("A", 30), id + "." + strings.Repeat("!", len(tc.other)-len(id)-1), ""} {
			read(v)
		}
		if log.Len() != 0 {
			t.Fatalf("flask=%v: logged for good or garbage cookies: %s", tc.flask, log.String())
		}
		for range 100 {
			if got := read(tc.other); got != "" {
				t.Fatalf("flask=%v: accepted the other signer's cookie", tc.flask)
			}
			other := signing.New([][]byte{[]byte("another-key-0123456789")}, !tc.flask).Sign(newID(32))
			read(other)
		}
		if n := strings.Count(log.String(), "level=WARN"); n != 1 || !strings.Contains(log.String(), "FlaskSigner") {
			t.Fatalf("flask=%v: want one warning naming FlaskSigner, got %d:\n%s", tc.flask, n, log.String())
		}
		if strings.Contains(log.String(), id) {
			t.Fatalf("flask=%v: the warning carries the ID: %s", tc.flask, log.String())
		}
		now = now.Add(59 * time.Second)
		read(tc.other)
		if n := strings.Count(log.String(), "level=WARN"); n != 1 {
			t.Fatalf("flask=%v: warned again within the minute", tc.flask)
		}
		now = now.Add(2 * time.Second)
		read(tc.other)
		if n := strings.Count(log.String(), "level=WARN"); n != 2 {
			t.Fatalf("flask=%v: no new warning after a minute: %d", tc.flask, n)
		}
	}
}
