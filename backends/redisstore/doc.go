// Package redisstore keeps sessions in Redis through go-redis v9.
//
// # Setup
//
// Pass the client you already have. Anything that satisfies
// redis.UniversalClient works: a single node (*redis.Client), Sentinel
// (redis.NewFailoverClient) and Cluster (*redis.ClusterClient) all go
// through the same code.
//
//	rdb := redis.NewClient(&redis.Options{
//		Addr:                  "127.0.0.1:6379",
//		ContextTimeoutEnabled: true, // let request deadlines bound each command
//	})
//	store := redisstore.New(rdb)
//	mw := ginsession.New(sessions.Config{Store: store, SecretKey: key})
//
// The Store does not own the client: close it yourself when the app stops.
//
// # Options
//
// None are defined yet; New takes ...Option so that settings can be added
// without breaking callers.
//
// # Storage format and expiry
//
// A record is one Redis string under the key the session core passes in
// (the configured prefix plus the session ID, "session:<id>" by default), as
// Flask-Session writes it, so a Flask service and a Go service can share
// sessions. Redis expires records itself: every write carries the lifetime as
// a millisecond TTL (PX ms), rounded up to whole milliseconds. There is
// nothing to clean up.
//
// # Conditional writes
//
// Writes never overwrite blindly, so that two requests on one session cannot
// silently undo each other and a deleted (logged-out) session never comes
// back:
//
//   - Create is SET key data PX ms NX: it writes only where no live record
//     is, and Redis's nil answer becomes an error wrapping
//     sessions.ErrConflict.
//   - Replace runs a small Lua script (EVALSHA) that GETs the record,
//     compares it byte for byte with the one the request loaded, and SETs
//     the new data with PX only if they are equal. A missing, expired,
//     deleted or changed record is left as it is (nothing is created) and
//     the error wraps sessions.ErrConflict. The script touches exactly one
//     key, which it declares, so it runs on Cluster as on a single node.
//     The old record travels with the new one in the same request: Redis
//     compares bytes, not a hash.
//   - DeleteIf runs the same comparison in a script of its own, which DELs
//     the record only if its bytes are still the loaded ones; otherwise it
//     changes nothing and the error wraps sessions.ErrConflict, saying
//     whether the record was gone or changed.
//
// Redis strings carry no version, so Load and LoadTouch return Records with
// Version 0, and Replace and DeleteIf always compare Data.
//
// # Round trips
//
//	Load       1 round trip  GET key
//	LoadTouch  1 round trip  GETEX key PX ms   (load and TTL refresh together)
//	Create     1 round trip  SET key val PX ms NX
//	Replace    1 round trip  EVALSHA sha 1 key old val ms
//	DeleteIf   1 round trip  EVALSHA sha 1 key old
//	Touch      1 round trip  PEXPIRE key ms    (the data is not rewritten)
//	Delete     1 round trip  DEL key
//
// The first Replace or DeleteIf on a server (or node) whose script cache
// does not hold its script yet gets NOSCRIPT, and go-redis sends the script
// once with EVAL: two round trips that one time, and after every SCRIPT
// FLUSH or restart.
//
// GETEX needs Redis 6.2 or later. Against an older server (or a proxy
// without GETEX) the first LoadTouch that gets "unknown command" switches the
// Store, for its lifetime, to a pipelined GET + PEXPIRE: still one round
// trip, two commands. None of GETEX, PEXPIRE and the scripts ever creates a
// key that is not there.
//
// Besides these, go-redis sends its own handshake (HELLO, CLIENT SETINFO)
// once per new pooled connection, not per operation.
//
// # When Redis is down
//
// Every operation returns an error; none reports a missing record. How long
// a failing call takes is go-redis's doing: by default it retries a command
// (MaxRetries, 3) and each dial (DialerRetries, 5), which can hold a request
// for a second or two; lower them for faster failures. After PoolSize
// failed dials go-redis fails fast with the last dial error and probes the
// server once a second, so the Store works again within about a second of
// Redis coming back, with no action from the app.
//
// # Errors and deadlines
//
// A missing or expired record is found == false with a nil error; redis.Nil
// never escapes. A refused Create, Replace or DeleteIf wraps
// sessions.ErrConflict.
// Any other failure is returned wrapped with the operation and key, e.g.
// `redisstore: load "session:abc": dial tcp 127.0.0.1:6379: connect:
// connection refused`, so the session core never mistakes an outage for a
// logged-out user. Each method returns ctx.Err() at once when the context
// is already done. Whether a deadline also bounds a command in flight is up
// to the client: go-redis only applies context deadlines to socket reads and
// writes when ContextTimeoutEnabled is set; otherwise ReadTimeout and
// WriteTimeout (5 s by default in go-redis v9.23) bound each command.
//
// go-redis retries a command whose connection failed (MaxRetries, 3 by
// default). If a Create, Replace or DeleteIf reached Redis and only its
// answer was lost, the retry finds the store's own write (or its deletion)
// and reports ErrConflict; the session core then reloads and applies its
// changes again. Set MaxRetries
// to -1 if such a repeat must not happen.
//
// Data returned by Load and LoadTouch is a fresh slice the caller owns, and
// no method keeps a slice it was given.
// Corrupt bytes come back as stored: decoding them is the session core's job.
package redisstore
