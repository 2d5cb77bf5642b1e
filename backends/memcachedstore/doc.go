// Package memcachedstore keeps sessions in memcached through
// github.com/bradfitz/gomemcache.
//
// # Setup
//
// Pass the client you already have:
//
//	mc := memcache.New("127.0.0.1:11211")
//	mc.Timeout = 200 * time.Millisecond // bounds every call; see Deadlines
//	store := memcachedstore.New(mc, memcachedstore.WithItemSizeLimit(4<<20)) // memcached -I 4m
//	mw := ginsession.New(sessions.Config{Store: store, SecretKey: key})
//
// Memcached must run with CAS enabled (the default; not -C). The Store
// does not own the client: close it yourself when the app stops.
//
// # Options
//
// WithItemSizeLimit tells the Store memcached's item size limit (-I), which
// it enforces itself; see Record size below. Without it the Store assumes
// memcached's default, 1 MiB.
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
// # Conditional writes
//
// Writes never overwrite blindly, so that two requests on one session cannot
// silently undo each other and a deleted (logged-out) session never comes
// back. A refused write changes nothing and returns an error wrapping
// sessions.ErrConflict.
//
//   - Create is memcached's add, which stores only where no live item is.
//   - Load reads with gets and returns the item's CAS value as the Record's
//     Version. Replace of such a Record is cas with that value: memcached
//     writes only if the item is still the one loaded (answering EXISTS if
//     it was overwritten, NOT_FOUND if it expired or was deleted; cas never
//     creates an item). gat keeps the CAS value, so a refresh in between
//     does not make the Record stale.
//   - LoadTouch uses gat, whose answer carries no CAS value, so its Record
//     has Version 0, as has the Record{Data: d} the session core builds
//     after its own write. memcached cannot compare bytes, so Replace of a
//     Record with Version 0 reads the item with gets first, compares its
//     bytes with Data in the client, and then sends cas with the CAS value
//     it read: two round trips instead of one, and the full record read
//     back over the network. The cas still makes the write atomic: an item
//     changed between the gets and the cas is refused.
//   - DeleteIf compares as Replace does (the CAS value of a Record from
//     Load; gets and the bytes first for Version 0), but memcached's text
//     protocol has no delete that takes a CAS value. Its cas does, and
//     reads a negative exptime as "expire at once": DeleteIf sends cas of
//     an empty value with exptime -1, which replaces the record, only if
//     it is still the loaded one, by an item that has already expired. The
//     key then reads as missing for gets, gat and cas, and add can
//     create it again; memcached reclaims the expired item's memory itself.
//     (The meta command md with a C flag, memcached 1.6+, would do the same
//     but gomemcache does not speak the meta protocol.)
//
// # Interfaces
//
// The Store implements sessions.Store and sessions.LoadToucher, so a read
// that refreshes the session is one gat, which never rewrites the data. It
// does not implement sessions.UserIndex (see Sessions of a user).
//
// # Round trips
//
//	Load       1 round trip   gets key
//	LoadTouch  1 round trip   gat exptime key   (load and TTL refresh together)
//	Create     1 round trip   add key 0 exptime len
//	Replace    1 round trip   cas key 0 exptime len casid  (Record from Load)
//	           2 round trips  gets key, then cas             (Version 0: from
//	                          LoadTouch, or the bytes of an earlier write;
//	                          1 when the bytes already differ)
//	DeleteIf   1 round trip   cas key 0 -1 0 casid         (Record from Load)
//	           2 round trips  gets key, then cas             (Version 0, as
//	                          for Replace; 1 when the bytes already differ)
//	Delete     1 round trip   delete key
//
// Neither gat nor cas ever creates an item that is not there.
//
// # Sessions of a user
//
// The Store does not implement sessions.UserIndex: memcached cannot list
// keys, and an index kept in items of its own could be evicted, like any
// item, while the sessions it lists live on, so a revoke could miss one.
// An app that sets Config.Users (to list and revoke a user's
// sessions) with this Store is refused at startup: sessions.New returns an
// error that names the Store's type. Keep sessions in memstore, filestore,
// Redis (redisstore), SQL (gormstore) or MongoDB (mongostore) for that.
//
// # Record size
//
// memcached refuses an item larger than its -I limit, and counts against it
// the key and an item header as well as the value: an item is the value,
// the key and 59 bytes (memcached 1.6 on 64-bit: a 48-byte header, the
// key's NUL, the 8-byte CAS value and the value's CRLF). Under the default
// -I 1m, the largest record under a 44-byte key is 1048576 - 59 - 44 =
// 1048473 bytes. Create and Replace refuse a larger record before sending
// anything, with an error wrapping ErrTooLarge. That is not only to save the
// upload: when memcached refuses an oversized set, it also deletes the item
// stored under that key, which would log the user out. (memcached 1.6 keeps
// the item when it refuses an add or cas, but the Store does not rely on
// that.) The limit it checks against is the one given with
// WithItemSizeLimit, so give the smallest -I of your servers; older or
// differently built memcached servers may count a few bytes more.
//
// # Errors
//
// A missing or expired record is found == false with a nil error. A refused
// Create, Replace or DeleteIf wraps sessions.ErrConflict. Any other failure is
// returned wrapped with the operation and key, so the session core never
// mistakes an outage for a logged-out user. Two failures have sentinels of
// this package:
//
//   - ErrBadKey: the key breaks memcached's rules (empty, over 250 bytes, or
//     holding a space, a control character or DEL). Such a key is rejected
//     before anything is sent, for every operation, Load included: it is
//     never reported as a missing record.
//   - ErrTooLarge: a record too large for the item size limit, refused by
//     the Store before sending (see Record size), or by memcached itself,
//     answering "SERVER_ERROR object too large for cache", when the limit
//     given to the Store is above the server's.
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
// Data returned by Load and LoadTouch is a fresh slice the caller owns, and
// no method keeps a slice it was given.
// Corrupt bytes come back as stored: decoding them is the session core's job.
package memcachedstore
