package sessions

import (
	"fmt"
	"sync/atomic"
	"time"

	"github.com/serversession/serversession/internal/signing"
)

// Manager runs the session lifecycle for one Config. Adapters make one with
// New and start each request's session with Begin (see Handle); handlers
// never need it.
type Manager struct {
	cfg         Config
	signer      *signing.Signer // nil when cookies carry the bare ID
	signWarned  atomic.Int64    // when warnOtherSigner last logged, in Unix nanoseconds
	cookies     cookieFormat
	loadToucher LoadToucher   // cfg.Store as a LoadToucher, if it is one and refresh is on
	ties        *userTies     // cfg.Store's user index, with Users; nil without
	handles     KeyHandler    // cfg.Store as a KeyHandler, if it is one and Users is set
	writes      *writeLocks   // one session's writes at a time
	ended       endedKeys     // sessions ended lately, whose cookies must not come back
	refreshed   refreshedKeys // records refreshed or written within the RefreshInterval
	now         func() time.Time
	storeName   string // for the Observer's StoreCall.Store; set with an Observer
}

// New checks cfg, fills in its defaults and returns a Manager for it. The
// error says which field to change.
func New(cfg Config) (*Manager, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	cookies, err := newCookieFormat(cfg)
	if err != nil {
		return nil, fmt.Errorf("sessions: invalid Config: the cookie attributes are rejected by net/http: %w", err)
	}
	m := &Manager{cfg: cfg, cookies: cookies, now: time.Now, writes: newWriteLocks()}
	if cfg.SecretKey != nil {
		m.signer = signing.New(append([][]byte{cfg.SecretKey}, cfg.SecretKeyFallbacks...), cfg.FlaskSigner)
	}
	if cfg.Users != nil {
		m.ties = &userTies{cfg.Store.(UserIndex)} // checked by withDefaults
		m.handles, _ = cfg.Store.(KeyHandler)
	}
	if cfg.Observer != nil && cfg.Store != nil {
		m.storeName = storeName(cfg.Store)
		if m.ties != nil {
			m.ties.UserIndex = observedIndex{m.ties.UserIndex, m}
		}
	}
	if cfg.RefreshInterval > 0 {
		m.loadToucher, _ = cfg.Store.(LoadToucher)
		m.refreshed.every = cfg.RefreshInterval
	}
	if cfg.Store == nil {
		cfg.Logger.Warn(ErrNoStore.Error())
	}
	return m, nil
}

// MustNew is New for middleware constructors that return no error: it
// panics with New's message, at startup, never on a request.
func MustNew(cfg Config) *Manager {
	m, err := New(cfg)
	if err != nil {
		panic(err.Error())
	}
	return m
}

// Config returns the configuration in use, with defaults filled in.
func (m *Manager) Config() Config { return m.cfg }

// key returns the storage key of a session ID.
func (m *Manager) key(id string) string { return m.cfg.KeyPrefix + id }
