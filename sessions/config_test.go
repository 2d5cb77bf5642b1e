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
		{"Cookie.Name", cfg.Cookie.Name, "session"},
		{"Cookie.Path", cfg.Cookie.Path, "/"},
		{"Cookie.Domain", cfg.Cookie.Domain, ""},
		{"Cookie.SameSite", cfg.Cookie.SameSite, http.SameSiteLaxMode},
		{"Cookie.NoHTTPOnly", cfg.Cookie.NoHTTPOnly, false},
		{"Cookie.Secure", cfg.Cookie.Secure, false},
		{"Cookie.Partitioned", cfg.Cookie.Partitioned, false},
		{"KeyPrefix", cfg.KeyPrefix, "session:"},
		{"IDLength", cfg.IDLength, 32},
		{"Lifetime", cfg.Lifetime, 31 * 24 * time.Hour},
		{"Transient", cfg.Transient, false},
		{"RefreshInterval", cfg.RefreshInterval, time.Minute},
		{"UserKey", cfg.UserKey, "_user_id"},
		{"Users", cfg.Users == nil, true},
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
		{"Flask without key", Config{FlaskSigner: true}, []string{"FlaskSigner is set without SecretKey", "SECRET_KEY"}},
		{"SameSite=None without Secure", Config{Cookie: Cookie{SameSite: http.SameSiteNoneMode}}, []string{"Cookie.SameSite is None but Cookie.Secure is false", "Cookie.Secure: true"}},
		{"Partitioned without Secure", Config{Cookie: Cookie{Partitioned: true}}, []string{"Cookie.Partitioned needs Cookie.Secure: true"}},
		{"cookie name with space", Config{Cookie: Cookie{Name: "my session"}}, []string{`Cookie.Name "my session" is not a valid cookie name`}},
		{"cookie name with =", Config{Cookie: Cookie{Name: "a=b"}}, []string{"not a valid cookie name"}},
		{"cookie name with ;", Config{Cookie: Cookie{Name: "a;b"}}, []string{"not a valid cookie name"}},
		{"cookie name non-ASCII", Config{Cookie: Cookie{Name: "sessión"}}, []string{"not a valid cookie name"}},
		{"path with ;", Config{Cookie: Cookie{Path: "/a;b"}}, []string{"Cookie.Path or Cookie.Domain"}},
		{"domain with newline", Config{Cookie: Cookie{Domain: "a.com\r\nX: y"}}, []string{"Cookie.Path or Cookie.Domain"}},
		{"IDLength short", Config{IDLength: 8}, []string{"IDLength is 8 bytes", "between 16 and 192"}},
		{"IDLength negative", Config{IDLength: -1}, []string{"IDLength is -1 bytes"}},
		{"IDLength long", Config{IDLength: 193}, []string{"IDLength is 193 bytes"}},
		{"Lifetime", Config{Lifetime: time.Millisecond}, []string{"Lifetime is 1ms", "at least one second"}},
		{"AbsoluteTimeout", Config{AbsoluteTimeout: -time.Second}, []string{"AbsoluteTimeout is -1s"}},
		{"several", Config{SecretKey: []byte("x"), Cookie: Cookie{Partitioned: true}, IDLength: 1},
			[]string{"SecretKey is 1 bytes", "Cookie.Partitioned", "IDLength is 1"}},
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
		{Cookie: Cookie{SameSite: http.SameSiteNoneMode, Secure: true, Partitioned: true}},
		{Cookie: Cookie{Name: "__Host-session_1.x", Secure: true}}, {SecretKey: testKey, FlaskSigner: true, SecretKeyFallbacks: [][]byte{testKey}},
	} {
		cfg.Store = store
		if _, err := New(cfg); err != nil {
			t.Errorf("New(%+v): %v", cfg, err)
		}
	}
}

// keyedStore writes keys of its own under prefix, as redisstore's user
// index does.
type keyedStore struct {
	*testStore
	prefix string
}

func (s keyedStore) KeyPrefix() string { return s.prefix }

// A Store whose own keys would not start with Config.KeyPrefix fails at New,
// with the option that makes them agree; one that agrees, by default or by
// choice, is accepted, and so is any prefix with a store that reports none.
func TestKeyPrefixOfStore(t *testing.T) {
	_, err := New(Config{Store: keyedStore{newTestStore(), DefaultKeyPrefix}, KeyPrefix: "newcomer:"})
	if err == nil {
		t.Fatal("New accepted a store keeping its own keys under another prefix")
	}
	for _, w := range []string{`KeyPrefix is "newcomer:"`, `under "session:"`, `sessions.WithKeyPrefix("newcomer:")`, `set KeyPrefix to "session:"`} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("message %q does not say %q", err, w)
		}
	}
	if _, err := New(Config{Store: keyedStore{newTestStore(), "app:"}}); err == nil || !strings.Contains(err.Error(), `KeyPrefix is "session:"`) {
		t.Errorf("default KeyPrefix with a store under app: gave %v", err)
	}
	for _, cfg := range []Config{
		{Store: keyedStore{newTestStore(), DefaultKeyPrefix}},
		{Store: keyedStore{newTestStore(), "newcomer:"}, KeyPrefix: "newcomer:"},
		{Store: newTestStore(), KeyPrefix: "newcomer:"},
	} {
		if _, err := New(cfg); err != nil {
			t.Errorf("New(%+v): %v", cfg, err)
		}
	}
}
