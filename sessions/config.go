package sessions

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"
)

// Config configures the session middleware. Its zero value means Flask and
// Flask-Session's defaults, made secure: permanent sessions living 31 days,
// refreshed on each request, in an HttpOnly SameSite=Lax cookie named
// "session", stored under "session:<id>" as msgpack. Booleans whose Flask
// default is True are named so that false keeps that default.
//
// The README has a table of Flask's config keys and these fields.
type Config struct {
	// Store keeps the session records (SESSION_TYPE). Nil gives
	// Flask-Session's null session: reads are empty, writes panic.
	Store Store

	// SecretKey, when set, signs the session ID in the cookie
	// (SESSION_USE_SIGNER with SECRET_KEY). At least 16 bytes; use 32 random
	// ones. Without it the cookie holds the bare ID, as Flask-Session's
	// default does.
	SecretKey []byte
	// SecretKeyFallbacks are previous keys that still verify cookies but no
	// longer sign them (SECRET_KEY_FALLBACKS), for key rotation.
	SecretKeyFallbacks [][]byte
	// FlaskSigner signs as Flask-Session 0.8 does (HMAC-SHA1, salt
	// "flask-session"), so cookies are interchangeable with a Flask service
	// sharing the store and the key. The default is HMAC-SHA256.
	FlaskSigner bool

	// KeyPrefix starts every storage key (SESSION_KEY_PREFIX, default
	// "session:").
	KeyPrefix string
	// IDLength is the number of random bytes in a session ID
	// (SESSION_ID_LENGTH, default 32; at least 16).
	IDLength int
	// Codec encodes records (SESSION_SERIALIZATION_FORMAT). Default Msgpack;
	// JSON is the other format Flask-Session reads.
	Codec Codec

	// NonPermanent makes new sessions last until the browser closes: their
	// cookie has neither Expires nor Max-Age (SESSION_PERMANENT = False).
	// Session.SetPermanent changes it per session.
	NonPermanent bool
	// Lifetime is how long a session lives without activity: the storage
	// TTL and a permanent cookie's Max-Age (PERMANENT_SESSION_LIFETIME,
	// default 31 days).
	Lifetime time.Duration
	// AbsoluteTimeout, when set, ends a session this long after it was
	// created, whatever its activity (OWASP). Zero means no limit.
	AbsoluteTimeout time.Duration
	// IndexUsers keeps an index of each user's sessions, so that the app
	// can list them and log a user out of one, all or all other sessions
	// (see Manager.UserSessions and Session.UserSessions). A session
	// belongs to the user named under UserKey; the index follows that key
	// at every save, Destroy and Regenerate. It needs a Store that
	// implements UserIndex: New refuses one that does not (memcached,
	// which cannot list).
	IndexUsers bool
	// UserKey is the session key that names the logged-in user, a string
	// (default "_user_id", where Flask-Login keeps it, so that a Flask app
	// and a Go app sharing sessions name the same user). Session.SetUser
	// sets it.
	UserKey string
	// RecordDevice keeps the user agent and client IP of the request that
	// logged the session in, for the listing of a user's sessions. Off by
	// default: they are personal data.
	RecordDevice bool
	// ClientIP returns the client's IP address for RecordDevice. Nil means
	// the host of the request's RemoteAddr; behind a proxy, pass a function
	// that applies your proxy rules (Echo's e.IPExtractor is one).
	ClientIP func(r *http.Request) string

	// NoRefreshEachRequest stops extending the lifetime of sessions that are
	// read but not modified (SESSION_REFRESH_EACH_REQUEST = False).
	NoRefreshEachRequest bool

	// CookieName is the cookie's name (SESSION_COOKIE_NAME, default
	// "session").
	CookieName string
	// CookieDomain is the cookie's Domain (SESSION_COOKIE_DOMAIN, default
	// none: the host only).
	CookieDomain string
	// CookiePath is the cookie's Path (SESSION_COOKIE_PATH, default "/").
	CookiePath string
	// CookieNoHTTPOnly lets scripts read the cookie
	// (SESSION_COOKIE_HTTPONLY = False). Leave it off.
	CookieNoHTTPOnly bool
	// CookieSecure sends the cookie over HTTPS only
	// (SESSION_COOKIE_SECURE). Turn it on in production.
	CookieSecure bool
	// CookieSameSite is the cookie's SameSite (SESSION_COOKIE_SAMESITE).
	// Zero means Lax. SameSiteNoneMode needs CookieSecure.
	CookieSameSite http.SameSite
	// CookiePartitioned sets the Partitioned attribute (CHIPS;
	// SESSION_COOKIE_PARTITIONED). It needs CookieSecure.
	CookiePartitioned bool

	// ErrorHandler answers a request whose session the store failed to load
	// or save. It runs at most once a request, when the session is
	// committed. What it writes to w replaces the handler's response,
	// headers included (only Vary is kept); if it writes nothing, the
	// handler's response goes on. After the headers went out, w discards
	// writes and only the call remains. sessions.Get(r) finds the session.
	// Nil means DefaultErrorHandler (500). IgnoreErrors lets the request go
	// on with an empty, read-only session. Every error is logged either way.
	ErrorHandler func(w http.ResponseWriter, r *http.Request, err error)
	// Logger receives store failures, dropped records and late changes.
	// Nil means slog.Default().
	Logger *slog.Logger
}

// Defaults that a zero Config field stands for.
const (
	DefaultCookieName = "session"
	DefaultCookiePath = "/"
	DefaultKeyPrefix  = "session:"
	DefaultLifetime   = 31 * 24 * time.Hour
	DefaultUserKey    = "_user_id" // Flask-Login's
)

// DefaultErrorHandler answers 500 Internal Server Error.
func DefaultErrorHandler(w http.ResponseWriter, _ *http.Request, _ error) {
	http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
}

// IgnoreErrors is an ErrorHandler that lets the request go on: after a
// failed load the handler saw an empty, read-only session, and after a failed
// save the changes are lost. The error is still logged.
func IgnoreErrors(http.ResponseWriter, *http.Request, error) {}

// withDefaults returns cfg with its zero fields set to their defaults, or an
// error that says what to change.
func (cfg Config) withDefaults() (Config, error) {
	if cfg.CookieName == "" {
		cfg.CookieName = DefaultCookieName
	}
	if cfg.CookiePath == "" {
		cfg.CookiePath = DefaultCookiePath
	}
	if cfg.CookieSameSite == 0 {
		cfg.CookieSameSite = http.SameSiteLaxMode
	}
	if cfg.KeyPrefix == "" {
		cfg.KeyPrefix = DefaultKeyPrefix
	}
	if cfg.IDLength == 0 {
		cfg.IDLength = DefaultIDLength
	}
	if cfg.Lifetime == 0 {
		cfg.Lifetime = DefaultLifetime
	}
	if cfg.Codec == nil {
		cfg.Codec = Msgpack
	}
	if cfg.UserKey == "" {
		cfg.UserKey = DefaultUserKey
	}
	if cfg.ErrorHandler == nil {
		cfg.ErrorHandler = DefaultErrorHandler
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return cfg, cfg.validate()
}

// validate reports every problem in a defaulted Config at once.
func (cfg Config) validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }

	for i, key := range append([][]byte{cfg.SecretKey}, cfg.SecretKeyFallbacks...) {
		name := "SecretKey"
		if i > 0 {
			name = fmt.Sprintf("SecretKeyFallbacks[%d]", i-1)
		}
		if (i > 0 || key != nil) && len(key) < 16 {
			bad("%s is %d bytes; use at least 16 random bytes (32 from crypto/rand is best)", name, len(key))
		}
	}
	if cfg.SecretKey == nil && len(cfg.SecretKeyFallbacks) > 0 {
		bad("SecretKeyFallbacks is set without SecretKey; set SecretKey to the current key")
	}
	if cfg.FlaskSigner && cfg.SecretKey == nil {
		bad("FlaskSigner is set without SecretKey; set SecretKey to the Flask app's SECRET_KEY")
	}
	if cfg.CookieSameSite == http.SameSiteNoneMode && !cfg.CookieSecure {
		bad("CookieSameSite is None but CookieSecure is false; browsers reject such cookies: set CookieSecure: true or use SameSite Lax")
	}
	if cfg.CookiePartitioned && !cfg.CookieSecure {
		bad("CookiePartitioned needs CookieSecure: true; browsers reject partitioned cookies that are not Secure")
	}
	if !validCookieName(cfg.CookieName) {
		bad("CookieName %q is not a valid cookie name; use letters, digits and -_.", cfg.CookieName)
	}
	if strings.ContainsAny(cfg.CookiePath, ";\x00\r\n") || strings.ContainsAny(cfg.CookieDomain, ";\x00\r\n ") {
		bad("CookiePath or CookieDomain holds a character that breaks the Set-Cookie header")
	}
	if cfg.IDLength < minIDLength || base64Len(cfg.IDLength) > maxIDChars {
		bad("IDLength is %d bytes; use between %d and 192 (default %d)", cfg.IDLength, minIDLength, DefaultIDLength)
	}
	if cfg.Lifetime < time.Second {
		bad("Lifetime is %v; use at least one second (default 31 days)", cfg.Lifetime)
	}
	if cfg.AbsoluteTimeout < 0 {
		bad("AbsoluteTimeout is %v; use a positive duration, or zero for none", cfg.AbsoluteTimeout)
	}
	switch cfg.UserKey {
	case keyPermanent, keyCreated, keyFlashes, keyUserAgent, keyIP:
		bad("UserKey %q is a key this package keeps its own data under; use another (default %q)", cfg.UserKey, DefaultUserKey)
	}
	if cfg.IndexUsers {
		if _, ok := cfg.Store.(UserIndex); !ok {
			bad("IndexUsers needs a Store that can list a user's sessions (one that implements sessions.UserIndex); %T cannot: use memstore, filestore, redisstore, mongostore or gormstore, or turn IndexUsers off", cfg.Store)
		}
	}
	if (cfg.RecordDevice || cfg.ClientIP != nil) && !cfg.IndexUsers {
		bad("RecordDevice and ClientIP only serve the listing of a user's sessions; set IndexUsers too")
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("sessions: invalid Config: %w", err)
	}
	return nil
}

func base64Len(n int) int { return (n*8 + 5) / 6 }

func validCookieName(name string) bool {
	if name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte("()<>@,;:\\\"/[]?={}", c) >= 0 {
			return false
		}
	}
	return true
}
