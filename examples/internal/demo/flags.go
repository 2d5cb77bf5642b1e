package demo

import (
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"

	"github.com/serversession/serversession/sessions"
)

// Options are the demo apps' command-line flags.
type Options struct {
	Addr  string // listen address
	Store string // which store: see Stores
	Dir   string // where the filesystem store and the secret key live

	// ClientIP is the framework's way to find the client's IP address,
	// recorded with each login for the "Your sessions" page. Nil means the
	// request's RemoteAddr, right for the demo, which no proxy fronts.
	ClientIP func(r *http.Request) string
}

// ParseFlags reads the flags shared by the demo apps. The port defaults to
// $PORT, then 8080.
func ParseFlags() Options {
	port := os.Getenv("PORT")
	if port == "" {
		port = "8080"
	}
	var o Options
	flag.StringVar(&o.Addr, "addr", "127.0.0.1:"+port, "listen address (default port: $PORT, then 8080)")
	flag.StringVar(&o.Store, "store", "filesystem", "session store: "+storeNames())
	flag.StringVar(&o.Dir, "dir", defaultDir(), "folder for the filesystem store, the sqlite database and the secret key")
	flag.Parse()
	return o
}

// Config returns the session configuration of the demo: the chosen store
// and a secret key kept in o.Dir, so that sessions survive a restart, with
// each user's sessions indexed and their devices recorded for the "Your
// sessions" page. A store that cannot list a user's sessions (memcached)
// runs without the index, and the log and the page say so. close releases
// the store.
func (o Options) Config() (cfg sessions.Config, close func(), err error) {
	if err := os.MkdirAll(o.Dir, 0o700); err != nil {
		return cfg, nil, err
	}
	key, err := secretKey(filepath.Join(o.Dir, "secret.key"))
	if err != nil {
		return cfg, nil, err
	}
	store, close, err := OpenStore(o.Store, o.Dir)
	if err != nil {
		return cfg, nil, err
	}
	slog.Info("demo sessions", "store", o.Store, "dir", o.Dir)
	cfg = sessions.Config{Store: store, SecretKey: key}
	if _, ok := store.(sessions.UserIndex); ok {
		cfg.Users = &sessions.UserIndexConfig{Devices: true, ClientIP: o.ClientIP}
	} else {
		slog.Warn("demo: the " + o.Store + " store cannot list a user's sessions, so the Your sessions page (/sessions) " +
			"has nothing to show; choose another -store to try it")
	}
	tel, err := NewTelemetry()
	if err == nil {
		cfg.Observer = tel.Observer
		err = CheckStore(cfg) // fail fast when the store does not answer
	}
	if err != nil {
		close()
		return cfg, nil, err
	}
	serving.Store(&served{metrics: tel.Metrics, ready: Ready(sessions.MustNew(cfg))})
	return cfg, close, nil
}

func defaultDir() string {
	if dir, err := os.UserCacheDir(); err == nil {
		return filepath.Join(dir, "serversession-demo")
	}
	return filepath.Join(os.TempDir(), "serversession-demo")
}

// secretKey reads the key file at path, creating it with 32 random bytes
// on first use. SESSION_SECRET_KEY overrides it.
func secretKey(path string) ([]byte, error) {
	if k := os.Getenv("SESSION_SECRET_KEY"); k != "" {
		return []byte(k), nil
	}
	key, err := os.ReadFile(path)
	if err == nil && len(key) >= 16 {
		return key, nil
	}
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("demo: read secret key: %w", err)
	}
	key = make([]byte, 32)
	rand.Read(key)
	if err := os.WriteFile(path, key, 0o600); err != nil {
		return nil, fmt.Errorf("demo: write secret key: %w", err)
	}
	return key, nil
}
