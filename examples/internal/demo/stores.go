package demo

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/bradfitz/gomemcache/memcache"
	"github.com/redis/go-redis/v9"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/serversession/serversession/backends/filestore"
	"github.com/serversession/serversession/backends/memcachedstore"
	"github.com/serversession/serversession/backends/memstore"
	"github.com/serversession/serversession/backends/mongostore"
	"github.com/serversession/serversession/backends/redisstore"
	"github.com/serversession/serversession/sessions"
)

// Stores maps each -store name to how the demo opens it. Servers are found
// through the same variables as the tests, with loopback defaults. The
// "sqlite" choice is added by stores_sqlite.go only when the demo is built
// with -tags sqlite, since its driver (go-sqlite3) needs cgo and a C
// compiler; the default demo builds with CGO_ENABLED=0.
var Stores = map[string]func(dir string) (sessions.Store, func(), error){
	"memory": func(string) (sessions.Store, func(), error) {
		s := memstore.New()
		return s, func() { s.Close() }, nil
	},
	"filesystem": func(dir string) (sessions.Store, func(), error) {
		s, err := filestore.New(filepath.Join(dir, "sessions"))
		if err != nil {
			return nil, nil, err
		}
		return s, func() { s.Close() }, nil
	},
	"redis": func(string) (sessions.Store, func(), error) {
		rdb := redis.NewClient(&redis.Options{Addr: env("SERVERSESSION_REDIS_ADDR", "127.0.0.1:6379")})
		return redisstore.New(rdb), func() { rdb.Close() }, nil
	},
	"memcached": func(string) (sessions.Store, func(), error) {
		mc := memcache.New(env("SERVERSESSION_MEMCACHED_ADDR", "127.0.0.1:11211"))
		return memcachedstore.New(mc), func() { mc.Close() }, nil
	},
	"mongodb": func(string) (sessions.Store, func(), error) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		client, err := mongo.Connect(options.Client().ApplyURI(env("SERVERSESSION_MONGO_URI", "mongodb://127.0.0.1:27017")))
		if err != nil {
			return nil, nil, err
		}
		s, err := mongostore.New(ctx, client.Database("flask_session").Collection("sessions"))
		if err != nil {
			client.Disconnect(ctx)
			return nil, nil, err
		}
		return s, func() { client.Disconnect(context.Background()) }, nil
	},
}

// OpenStore opens the store called name, keeping any files under dir.
func OpenStore(name, dir string) (sessions.Store, func(), error) {
	open, ok := Stores[name]
	if !ok && name == "sqlite" {
		return nil, nil, fmt.Errorf("demo: the sqlite store is left out of this build: it needs cgo and a C compiler; " +
			"build with the sqlite tag, e.g. go run -tags sqlite ./examples/gin -store sqlite")
	}
	if !ok {
		return nil, nil, fmt.Errorf("demo: unknown store %q; choose one of %s", name, storeNames())
	}
	s, close, err := open(dir)
	if err != nil {
		return nil, nil, fmt.Errorf("demo: open the %s store: %w", name, err)
	}
	return s, close, nil
}

func storeNames() string {
	names := make([]string, 0, len(Stores))
	for n := range Stores {
		names = append(names, n)
	}
	sort.Strings(names)
	list := strings.Join(names, ", ")
	if _, ok := Stores["sqlite"]; !ok {
		list += " (sqlite needs -tags sqlite)"
	}
	return list
}

func env(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}
