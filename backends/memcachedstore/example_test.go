package memcachedstore_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/bradfitz/gomemcache/memcache"

	"github.com/serversession/serversession/backends/memcachedstore"
	"github.com/serversession/serversession/sessions"
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
	// The server runs with -I 4m; tell the Store, which refuses larger
	// records itself rather than let memcached refuse them.
	store := memcachedstore.New(mc, memcachedstore.WithItemSizeLimit(4<<20))

	ctx := context.Background()
	const key = "session:example-id" // prefix + session ID, as the core builds it
	lifetime := 31 * 24 * time.Hour  // over 30 days: sent as an absolute Unix time

	// add session:example-id 0 <now+2678400> 10: only if no record is there.
	if err := store.Create(ctx, key, []byte("\x81\xa7user_id\x2a"), lifetime); err != nil {
		fmt.Println(err) // ErrTooLarge past the item limit, sessions.ErrConflict if the ID is taken
		return
	}
	// gets session:example-id: the record and its CAS value (rec.Version).
	rec, found, err := store.Load(ctx, key)
	if err != nil {
		fmt.Println(err) // memcached is down: not the same as a missing session
		return
	}
	fmt.Println(found, len(rec.Data))
	// cas session:example-id 0 <now+2678400> 10 <rec.Version>: one round trip.
	err = store.Replace(ctx, key, rec, []byte("\x81\xa7user_id\x2b"), lifetime)
	if errors.Is(err, sessions.ErrConflict) {
		fmt.Println("another request changed or deleted the session first")
	}
	// delete session:example-id
	if err := store.Delete(ctx, key); err != nil {
		fmt.Println(err)
	}
}
