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
// a millisecond TTL (SET key val PX ms), rounded up to whole milliseconds.
// There is nothing to clean up.
//
// # Round trips
//
//	Load       1 round trip  GET key
//	LoadTouch  1 round trip  GETEX key PX ms   (load and TTL refresh together)
//	Save       1 round trip  SET key val PX ms
//	Touch      1 round trip  PEXPIRE key ms    (the data is not rewritten)
//	Delete     1 round trip  DEL key
//
// GETEX needs Redis 6.2 or later. Against an older server (or a proxy
// without GETEX) the first LoadTouch that gets "unknown command" switches the
// Store, for its lifetime, to a pipelined GET + PEXPIRE: still one round
// trip, two commands.
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
// A missing or expired record is (nil, false, nil); redis.Nil never escapes.
// Any other failure is returned wrapped with the operation and key, e.g.
// `redisstore: load "session:abc": dial tcp 127.0.0.1:6379: connect:
// connection refused`, so the session core never mistakes an outage for a
// logged-out user. Each method returns ctx.Err() at once when the context
// is already done. Whether a deadline also bounds a command in flight is up
// to the client: go-redis only applies context deadlines to socket reads and
// writes when ContextTimeoutEnabled is set; otherwise ReadTimeout and
// WriteTimeout (5 s by default in go-redis v9.23) bound each command.
//
// Data returned by Load and LoadTouch is a fresh slice the caller owns.
// Corrupt bytes come back as stored: decoding them is the session core's job.
package redisstore
