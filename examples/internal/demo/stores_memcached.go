//go:build memcached

package demo

import (
	"github.com/bradfitz/gomemcache/memcache"

	"github.com/serversession/serversession/backends/memcachedstore"
	"github.com/serversession/serversession/sessions"
)

// The "memcached" choice: memcachedstore on $SERVERSESSION_MEMCACHED_ADDR
// (127.0.0.1:11211 by default), built only with -tags memcached, as every
// store that needs a server is.
func init() {
	Stores["memcached"] = func(string) (sessions.Store, func(), error) {
		mc := memcache.New(env("SERVERSESSION_MEMCACHED_ADDR", "127.0.0.1:11211"))
		return memcachedstore.New(mc), func() { mc.Close() }, nil
	}
}
