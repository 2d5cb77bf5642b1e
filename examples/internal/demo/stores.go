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
	"gorm.io/driver/sqlite"
	"gorm.io/gorm"

	"github.com/serversession/serversession/backends/filestore"
	"github.com/serversession/serversession/backends/gormstore"
	"github.com/serversession/serversession/backends/memcachedstore"
	"github.com/serversession/serversession/backends/memstore"
	"github.com/serversession/serversession/backends/mongostore"
	"github.com/serversession/serversession/backends/redisstore"
	"github.com/serversession/serversession/sessions"
)

// Stores maps each -store name to how the demo opens it. Servers are found
// through the same variables as the tests, with loopback defaults.
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
	"sqlite": func(dir string) (sessions.Store, func(), error) {
		db, err := gorm.Open(sqlite.Open(filepath.Join(dir, "sessions.db")), &gorm.Config{})
		if err != nil {
			return nil, nil, err
		}
		s, err := gormstore.New(db, gormstore.WithCleanupInterval(time.Hour))
		if err != nil {
			return nil, nil, err
		}
		return s, func() { s.Close() }, nil
	},
}

// OpenStore opens the store called name, keeping any files under dir.
func OpenStore(name, dir string) (sessions.Store, func(), error) {
	open, ok := Stores[name]
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
	return strings.Join(names, ", ")
}

func env(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}
