package sessions

import (
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"
)

// Zero values are Flask's defaults, made secure.
func TestConfigDefaults(t *testing.T) {
	m, err := New(Config{Store: newTestStore()})
	if err != nil {
		t.Fatal(err)
	}
	cfg := m.Config()
	checks := []struct {
		name      string
		got, want any
	}{
		{"CookieName", cfg.CookieName, "session"},
		{"CookiePath", cfg.CookiePath, "/"},
		{"CookieDomain", cfg.CookieDomain, ""},
		{"CookieSameSite", cfg.CookieSameSite, http.SameSiteLaxMode},
		{"CookieNoHTTPOnly", cfg.CookieNoHTTPOnly, false},
		{"CookieSecure", cfg.CookieSecure, false},
		{"KeyPrefix", cfg.KeyPrefix, "session:"},
		{"IDLength", cfg.IDLength, 32},
		{"Lifetime", cfg.Lifetime, 31 * 24 * time.Hour},
		{"NonPermanent", cfg.NonPermanent, false},
		{"NoRefreshEachRequest", cfg.NoRefreshEachRequest, false},
		{"Codec", cfg.Codec, Msgpack},
		{"Logger", cfg.Logger, slog.Default()},
		{"signer", m.signer == nil, true},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("default %s = %v, want %v", c.name, c.got, c.want)
		}
	}
	if cfg.ErrorHandler == nil {
		t.Error("no default ErrorHandler")
	}
	rec := newRecorder()
	cfg.ErrorHandler(rec, nil, ErrStoreLoad)
	if rec.Code != http.StatusInternalServerError {
		t.Errorf("default ErrorHandler answered %d", rec.Code)
	}
	// A custom prefix names the storage key.
	h := newHarness(t, nil, func(c *Config) { c.KeyPrefix = "app:"; c.IDLength = 16 })
	resp := h.serve(func(_ http.ResponseWriter, _ *http.Request, s *Session) { s.Set("a", 1) })
	c := resp.sessionCookie()
	if c == nil || len(c.Value) != 22 {
		t.Fatalf("16-byte ID cookie %v", c)
	}
	if _, ok := h.store.get("app:" + c.Value); !ok {
		t.Errorf("store keys %v, want app:<id>", h.store.keys())
	}
}

// Invalid config fails at New with a message that says what to
// change, every problem at once.
func TestConfigValidation(t *testing.T) {
	store := newTestStore()
	cases := []struct {
		name string
		cfg  Config
		want []string
	}{
		{"short key", Config{SecretKey: []byte("short")}, []string{"SecretKey is 5 bytes", "at least 16"}},
		{"empty key", Config{SecretKey: []byte{}}, []string{"SecretKey is 0 bytes"}},
		{"short fallback", Config{SecretKey: testKey, SecretKeyFallbacks: [][]byte{[]byte("x")}}, []string{"SecretKeyFallbacks[0] is 1 bytes"}},
		{"fallback without key", Config{SecretKeyFallbacks: [][]byte{testKey}}, []string{"SecretKeyFallbacks is set without SecretKey"}},
		{"FlaskSigner without key", Config{FlaskSigner: true}, []string{"FlaskSigner is set without SecretKey", "SECRET_KEY"}},
		{"SameSite=None without Secure", Config{CookieSameSite: http.SameSiteNoneMode}, []string{"CookieSameSite is None but CookieSecure is false", "CookieSecure: true"}},
		{"Partitioned without Secure", Config{CookiePartitioned: true}, []string{"CookiePartitioned needs CookieSecure: true"}},
		{"cookie name with space", Config{CookieName: "my session"}, []string{`CookieName "my session" is not a valid cookie name`}},
		{"cookie name with =", Config{CookieName: "a=b"}, []string{"not a valid cookie name"}},
		{"cookie name with ;", Config{CookieName: "a;b"}, []string{"not a valid cookie name"}},
		{"cookie name non-ASCII", Config{CookieName: "sessión"}, []string{"not a valid cookie name"}},
		{"path with ;", Config{CookiePath: "/a;b"}, []string{"CookiePath or CookieDomain"}},
		{"domain with newline", Config{CookieDomain: "a.com\r\nX: y"}, []string{"CookiePath or CookieDomain"}},
		{"IDLength short", Config{IDLength: 8}, []string{"IDLength is 8 bytes", "between 16 and 192"}},
		{"IDLength negative", Config{IDLength: -1}, []string{"IDLength is -1 bytes"}},
		{"IDLength long", Config{IDLength: 193}, []string{"IDLength is 193 bytes"}},
		{"Lifetime", Config{Lifetime: time.Millisecond}, []string{"Lifetime is 1ms", "at least one second"}},
		{"AbsoluteTimeout", Config{AbsoluteTimeout: -time.Second}, []string{"AbsoluteTimeout is -1s"}},
		{"several", Config{SecretKey: []byte("x"), CookiePartitioned: true, IDLength: 1},
			[]string{"SecretKey is 1 bytes", "CookiePartitioned", "IDLength is 1"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.cfg.Store = store
			m, err := New(tc.cfg)
			if err == nil {
				t.Fatalf("New accepted %+v", tc.cfg)
			}
			if m != nil {
				t.Error("New returned a Manager with an error")
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "sessions: invalid Config: ") {
				t.Errorf("message %q lacks the package prefix", msg)
			}
			for _, w := range tc.want {
				if !strings.Contains(msg, w) {
					t.Errorf("message %q does not say %q", msg, w)
				}
			}
			func() {
				defer func() {
					if p := recover(); p == nil || !strings.Contains(p.(string), tc.want[0]) {
						t.Errorf("MustNew panicked with %v", p)
					}
				}()
				MustNew(tc.cfg)
			}()
		})
	}

	// The edges that are valid.
	for _, cfg := range []Config{
		{IDLength: 16}, {IDLength: 192}, {SecretKey: make([]byte, 16)}, {Lifetime: time.Second},
		{CookieSameSite: http.SameSiteNoneMode, CookieSecure: true, CookiePartitioned: true},
		{CookieName: "__Host-session_1.x"}, {SecretKey: testKey, FlaskSigner: true, SecretKeyFallbacks: [][]byte{testKey}},
	} {
		cfg.Store = store
		if _, err := New(cfg); err != nil {
			t.Errorf("New(%+v): %v", cfg, err)
		}
	}
}
