package sessions

import (
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"
)

// Config configures the session middleware. Its zero value means Flask and
// Flask-Session's defaults, made secure: permanent sessions living 31 days
// after their last use (refreshed at most once per RefreshInterval), in an HttpOnly SameSite=Lax cookie named
// "session", stored under "session:<id>" as msgpack, with no user index.
// Booleans whose Flask default is True are named so that false keeps that
// default.
//
// The cookie's attributes are grouped in Cookie, and the index of sessions
// by user in Users, which is off while nil. The README has a table of these fields and Flask's config keys.
type Config struct {
	// Store keeps the session records (SESSION_TYPE). Nil gives
	// Flask-Session's null session: reads are empty, writes panic.
	Store Store
	// KeyPrefix starts every storage key the library writes
	// (SESSION_KEY_PREFIX, default "session:"): each record's key, and the
	// keys a store keeps of its own beside them, such as redisstore's user
	// index. A Store that writes keys of its own reports their prefix (see
	// KeyPrefixer), and New refuses one whose prefix differs.
	KeyPrefix string
	// IDLength is the number of random bytes in a session ID
	// (SESSION_ID_LENGTH, default 32; at least 16). A cookie whose ID has
	// another length is no cookie (a new session): changing it ends the
	// sessions in flight, and a Flask app sharing them needs the same.
	IDLength int
	// Codec encodes records (SESSION_SERIALIZATION_FORMAT). Default Msgpack;
	// JSON is the other format Flask-Session reads.
	Codec Codec
	// MaxRecordSize is the largest encoded record a save may write, in
	// bytes (default 1 MiB; negative: no limit), so that one oversized
	// value cannot make every later request on its session slow. A larger
	// record fails the save with ErrTooLarge and the stored one is kept.
	// Some stores refuse less: memcached 1 MiB, DynamoDB 400 KB.
	MaxRecordSize int
	// SecretKey, when set, signs the session ID in the cookie
	// (SESSION_USE_SIGNER with SECRET_KEY): the cookie's value is the ID, a
	// dot and an HMAC of the ID, in itsdangerous's shape. At least 16
	// bytes; use 32 from crypto/rand. Without it the cookie holds the bare
	// ID, as Flask-Session's default does.
	SecretKey []byte
	// SecretKeyFallbacks are previous keys that still verify cookies but no
	// longer sign them (SECRET_KEY_FALLBACKS), for key rotation. A cookie
	// signed with one is re-signed with SecretKey when the session is next
	// saved or refreshed.
	SecretKeyFallbacks [][]byte
	// FlaskSigner signs as Flask-Session 0.8 does (HMAC-SHA1 of a key
	// derived with the salt "flask-session"), so that cookies are
	// interchangeable with a Flask service sharing the store and the key.
	// The default is HMAC-SHA256 in the same shape.
	FlaskSigner bool

	// Lifetime is how long a session lives without activity: the storage
	// TTL and a permanent cookie's Max-Age (PERMANENT_SESSION_LIFETIME,
	// default 31 days).
	Lifetime time.Duration
	// AbsoluteTimeout, when set, ends a session this long after it was
	// created, whatever its activity (OWASP). Zero means no limit.
	AbsoluteTimeout time.Duration
	// Transient makes new sessions non-permanent (SESSION_PERMANENT =
	// False): their cookie has neither Expires nor Max-Age, so the browser
	// drops it when it closes. Their record still lives Lifetime in the
	// store. Session.SetPermanent changes it per session.
	Transient bool
	// RefreshInterval is how often a session only read has its lifetime in
	// the store extended and its cookie re-sent, so that reads cost no
	// write (SESSION_REFRESH_EACH_REQUEST). Zero means a minute: a session
	// lives Lifetime after its last use, give or take that; at most half
	// the Lifetime. Negative means never: a session ends Lifetime after its
	// last change (SESSION_REFRESH_EACH_REQUEST = False).
	RefreshInterval time.Duration

	// Cookie is the session cookie's name and attributes
	// (SESSION_COOKIE_*). Its zero value is Flask's cookie made secure: a
	// host-only, HttpOnly, SameSite=Lax cookie named "session" on Path "/".
	Cookie Cookie

	// UserKey is the session key that names the logged-in user, a string
	// (default "_user_id", where Flask-Login keeps it, so that a Flask app
	// and a Go app sharing sessions name the same user). Session.SetUser
	// sets it and Session.User reads it, with or without Users.
	UserKey string
	// Users, when set, keeps an index of each user's sessions, so that the
	// app can list them and log a user out of one, all or all other
	// sessions (see Manager.UserSessions and Session.UserSessions). Nil
	// means no index.
	Users *UserIndexConfig

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
	// Observer, when set, is told of every store call and session event,
	// for metrics and traces (see Observer).
	Observer Observer
}

// Cookie is the session cookie's name and attributes. Its zero value is a
// host-only, HttpOnly, SameSite=Lax cookie named "session" on Path "/".
// Whether it carries Expires and Max-Age is the session's: see
// Config.Transient and Session.SetPermanent.
type Cookie struct {
	// Name is the cookie's name (SESSION_COOKIE_NAME, default "session").
	Name string
	// Domain is the cookie's Domain (SESSION_COOKIE_DOMAIN, default none:
	// the host only).
	Domain string
	// Path is the cookie's Path (SESSION_COOKIE_PATH, default "/").
	Path string
	// NoHTTPOnly lets scripts read the cookie (SESSION_COOKIE_HTTPONLY =
	// False). Leave it off. It is the one negative name in Config: HttpOnly
	// must stay on when the field is left out, and the name keeps the
	// attribute's, which is what a reader or a scanner looks for.
	NoHTTPOnly bool
	// Secure sends the cookie over HTTPS only (SESSION_COOKIE_SECURE). Turn
	// it on in production.
	Secure bool
	// SameSite is the cookie's SameSite (SESSION_COOKIE_SAMESITE). Zero
	// means Lax. http.SameSiteNoneMode needs Secure.
	SameSite http.SameSite
	// Partitioned sets the Partitioned attribute (CHIPS;
	// SESSION_COOKIE_PARTITIONED). It needs Secure.
	Partitioned bool
}

// UserIndexConfig turns on the index of sessions by user; Config.Users
// holds it, and nil means no index. A session belongs to the user named
// under Config.UserKey; the index follows that key at every save, Destroy
// and Regenerate. It needs a Store that implements UserIndex: New refuses
// one that does not (memcached, which cannot list). The zero value is an
// index without devices.
type UserIndexConfig struct {
	// Devices keeps the user agent and client IP of the request that logged
	// each session in, for the listing of a user's sessions. Off by
	// default: they are personal data.
	Devices bool
	// ClientIP returns the client's IP address for Devices. Nil means the
	// host of the request's RemoteAddr; behind a proxy, pass a function
	// that applies your proxy rules (Echo's e.IPExtractor is one).
	ClientIP func(r *http.Request) string
}

// Defaults that a zero Config field stands for.
const (
	DefaultCookieName = "session"
	DefaultCookiePath = "/"
	DefaultKeyPrefix  = "session:"
	DefaultLifetime   = 31 * 24 * time.Hour
	// DefaultMaxRecordSize is the MaxRecordSize a zero Config stands for.
	DefaultMaxRecordSize = 1 << 20
	// DefaultRefreshInterval is the RefreshInterval that zero stands for.
	DefaultRefreshInterval = time.Minute
	DefaultUserKey         = "_user_id" // Flask-Login's
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
	if cfg.Cookie.Name == "" {
		cfg.Cookie.Name = DefaultCookieName
	}
	if cfg.Cookie.Path == "" {
		cfg.Cookie.Path = DefaultCookiePath
	}
	if cfg.Cookie.SameSite == 0 {
		cfg.Cookie.SameSite = http.SameSiteLaxMode
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
	if cfg.MaxRecordSize == 0 {
		cfg.MaxRecordSize = DefaultMaxRecordSize
	}
	if cfg.RefreshInterval == 0 {
		cfg.RefreshInterval = DefaultRefreshInterval
	}
	if half := cfg.Lifetime / 2; cfg.RefreshInterval > half {
		cfg.RefreshInterval = half
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

// validate reports every problem in a defaulted Config at once, naming each
// field by its path in Config.
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

	c := cfg.Cookie
	if c.SameSite == http.SameSiteNoneMode && !c.Secure {
		bad("Cookie.SameSite is None but Cookie.Secure is false; browsers reject such cookies: set Cookie.Secure: true or use SameSite Lax")
	}
	if c.Partitioned && !c.Secure {
		bad("Cookie.Partitioned needs Cookie.Secure: true; browsers reject partitioned cookies that are not Secure")
	}
	switch name := strings.ToLower(c.Name); {
	case strings.HasPrefix(name, "__host-") && (!c.Secure || c.Domain != "" || c.Path != "/"):
		bad("Cookie.Name %q starts with __Host-, which browsers accept only with Secure, no Domain and Path \"/\"; set Cookie.Secure: true, leave Cookie.Domain empty and Cookie.Path \"/\", or use another name", c.Name)
	case strings.HasPrefix(name, "__secure-") && !c.Secure:
		bad("Cookie.Name %q starts with __Secure-, which browsers accept only with Secure; set Cookie.Secure: true or use another name", c.Name)
	}
	if !validCookieName(c.Name) {
		bad("Cookie.Name %q is not a valid cookie name; use letters, digits and -_.", c.Name)
	}
	if strings.ContainsAny(c.Path, ";\x00\r\n") || strings.ContainsAny(c.Domain, ";\x00\r\n ") {
		bad("Cookie.Path or Cookie.Domain holds a character that breaks the Set-Cookie header")
	}

	if cfg.IDLength < minIDLength || base64.RawURLEncoding.EncodedLen(cfg.IDLength) > maxIDChars {
		bad("IDLength is %d bytes; use between %d and 192 (default %d)", cfg.IDLength, minIDLength, DefaultIDLength)
	}
	if cfg.Lifetime < time.Second {
		bad("Lifetime is %v; use at least one second (default 31 days)", cfg.Lifetime)
	}
	if cfg.AbsoluteTimeout < 0 {
		bad("AbsoluteTimeout is %v; use a positive duration, or zero for none", cfg.AbsoluteTimeout)
	}
	if err := checkKeyPrefix(cfg.Store, cfg.KeyPrefix); err != nil {
		errs = append(errs, err)
	}

	switch cfg.UserKey {
	case keyPermanent, keyCreated, keyFlashes, keyUserAgent, keyIP:
		bad("UserKey %q is a key this package keeps its own data under; use another (default %q)", cfg.UserKey, DefaultUserKey)
	}
	if cfg.Users != nil {
		if _, ok := cfg.Store.(UserIndex); !ok {
			bad("Users needs a Store that can list a user's sessions (one that implements sessions.UserIndex); %T cannot: use memstore, filestore, redisstore, mongostore, gormstore or dynamostore, or leave Users nil", cfg.Store)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("sessions: invalid Config: %w", err)
	}
	return nil
}

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
