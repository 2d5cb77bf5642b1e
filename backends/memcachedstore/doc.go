// Package memcachedstore keeps sessions in memcached through
// github.com/bradfitz/gomemcache.
//
// # Setup
//
// Pass the client you already have:
//
//	mc := memcache.New("127.0.0.1:11211")
//	mc.Timeout = 200 * time.Millisecond // bounds every call; see Deadlines
//	store := memcachedstore.New(mc)
//	mw := ginsession.New(sessions.Config{Store: store, SecretKey: key})
//
// Start memcached with an item size limit above your largest session
// (-I 4m, say; the default is 1 MiB, key and overhead included). The Store
// does not own the client: close it yourself when the app stops.
//
// # Options
//
// None are defined yet; New takes ...Option so that settings can be added
// without breaking callers.
//
// # Storage format and expiry
//
// A record is one memcached item under the key the session core passes in
// (the configured prefix plus the session ID, "session:<id>" by default),
// with flags 0, as Flask-Session writes it, so a Flask service and a Go
// service can share sessions. Memcached expires items itself; there is
// nothing to clean up, and like any cache it may evict a session early when
// it runs out of memory.
//
// Lifetimes are sent in whole seconds, rounded up. Memcached reads an
// expiration above 30 days (2592000 s) as an absolute Unix time, so longer
// lifetimes, such as the default 31 days, are sent as now + lifetime
// (Flask-Session does the same); otherwise memcached would read them as a
// date in 1970 and drop the item at once. Absolute times are taken from the
// app's clock, so keep the app's and memcached's clocks in sync. Lifetimes
// that end after 2038-01-19 (memcached's 32-bit time) are an error.
//
// # Round trips
//
//	Load       1 round trip  gets key
//	LoadTouch  1 round trip  gat exptime key   (load and TTL refresh together)
//	Save       1 round trip  set key 0 exptime len
//	Touch      1 round trip  touch key exptime (the data is not rewritten)
//	Delete     1 round trip  delete key
//
// # Errors
//
// A missing or expired record is (nil, false, nil). Any other failure is
// returned wrapped with the operation and key, so the session core never
// mistakes an outage for a logged-out user. Two failures have sentinels:
//
//   - ErrBadKey: the key breaks memcached's rules (empty, over 250 bytes, or
//     holding a space, a control character or DEL). Such a key is rejected
//     before anything is sent, for every operation, Load included: it is
//     never reported as a missing record.
//   - ErrTooLarge: memcached refused a value above its item size limit
//     (-I), answering "SERVER_ERROR object too large for cache".
//
// # Deadlines
//
// gomemcache takes no context. Every method returns ctx.Err() at once when
// the context is already done, but a call in flight is bounded by the
// client's Timeout (default 500 ms, applied to the dial and to the whole
// exchange), not by the context's deadline. The Store does not change
// Timeout per call: the field is shared by every goroutine using the client,
// and writing it would race with them. Set Timeout to what a request can
// afford. When a call fails after the context ended, the error wraps the
// context's error too, so errors.Is(err, context.DeadlineExceeded) holds.
//
// Data returned by Load and LoadTouch is a fresh slice the caller owns.
// Corrupt bytes come back as stored: decoding them is the session core's job.
package memcachedstore
