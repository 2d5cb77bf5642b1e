package memcachedstore_test

import (
	"context"
	"fmt"
	"time"

	"github.com/bradfitz/gomemcache/memcache"

	"github.com/serversession/serversession/backends/memcachedstore"
)

// Example keeps a session record in a local memcached. In an app the store
// goes into sessions.Config{Store: store}, and the middleware calls these
// methods; they are called by hand here to show what each one sends. It
// needs memcached on 127.0.0.1:11211, so it is compiled but not run by go
// test.
func Example() {
	mc := memcache.New("127.0.0.1:11211")
	mc.Timeout = 200 * time.Millisecond // bounds each call: gomemcache takes no context
	defer mc.Close()
	store := memcachedstore.New(mc)

	ctx := context.Background()
	const key = "session:example-id" // prefix + session ID, as the core builds it
	lifetime := 31 * 24 * time.Hour  // over 30 days: sent as an absolute Unix time

	// set session:example-id 0 <now+2678400> 10
	if err := store.Save(ctx, key, []byte("\x81\xa7user_id\x2a"), lifetime); err != nil {
		fmt.Println(err) // errors.Is(err, memcachedstore.ErrTooLarge) past the item limit
		return
	}
	// gat <now+2678400> session:example-id: load and refresh, one round trip.
	data, found, err := store.LoadTouch(ctx, key, lifetime)
	if err != nil {
		fmt.Println(err) // memcached is down: not the same as a missing session
		return
	}
	fmt.Println(found, len(data))
	// delete session:example-id
	if err := store.Delete(ctx, key); err != nil {
		fmt.Println(err)
	}
}
