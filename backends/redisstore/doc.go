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
// WithWaitReplicas makes writes wait for replicas (see Deployment).
//
// # Deployment
//
// Single node: redis.NewClient. Nothing survives the loss of the node's
// memory beyond what its persistence (RDB, AOF) kept.
//
// Sentinel: redis.NewFailoverClient(&redis.FailoverOptions{MasterName: …,
// SentinelAddrs: …}), or redis.NewUniversalClient with MasterName set. The
// client asks the sentinels for the master and follows +switch-master.
//
// Cluster: redis.NewClusterClient. Each session is one key, prefix plus
// session ID, with no hash tag, so sessions spread over every slot and every
// master; each command and script names that one key and runs on its
// slot's master, so nothing ever spans slots.
//
// Set ContextTimeoutEnabled so that request deadlines bound each command,
// short DialTimeout and ReadTimeout so that a dead master is noticed fast,
// and MaxRetries with MinRetryBackoff/MaxRetryBackoff that cover a
// failover (the tests use 300 ms dials, 2 s reads, 5 retries backing off
// from 50 to 500 ms).
//
// Redis replicates asynchronously: a master that acknowledged a write and
// died before its replica got it loses the write at failover, and the
// session goes back to its previous state (or, for a new session, away).
// WithWaitReplicas(n, timeout) closes that window: each write (Create,
// Replace, DeleteIf, Delete) is pipelined with WAIT n timeout, to the same
// master in the same round trip (on Cluster, to the master that
// ClusterClient.MasterForKey names, reloading the slot map and retrying on
// MOVED, READONLY or a lost connection), and a write that fewer than n
// replicas acknowledged in time fails with an error wrapping
// ErrNotReplicated, which the session core reports as a failed save
// (sessions.ErrStoreSave, a 500 by default): never a silent success. The
// master may still have applied it; it is only not known to be safe.
//
// The cost, measured on a local 3+3 Cluster on loopback: about 50 µs more
// per write (a read-modify-write request 195 → 246 µs, a new session
// 119 → 167 µs), with round trips unchanged (0/1/2/1 for untouched, read,
// read-modify-write and new-session requests). When no replica answers,
// every write waits the whole timeout and then fails: a master left without
// its replica (after a failover, until a replica is attached again) takes no
// session writes at all. Keep the timeout short (hundreds of milliseconds)
// and below ReadTimeout, and run enough replicas that one lost node
// leaves each master n of them. WAIT is not a consensus: it makes a failover
// to an acknowledging replica lossless, not every possible failure.
//
// What a failover cost in the package's tests (32 clients doing
// read-modify-writes through Gin; the master SIGKILLed, down-after 1 s /
// cluster-node-timeout 1 s; the killed node restarted as a replica once the
// failover was done): promotion took about 2.2–2.5 s on both topologies.
// Sentinel: about 30 requests of some 11,000 got a 500, the last about
// 2.3 s after the kill, and a client waited at most about 3 s. Cluster
// without waiting: go-redis's retries rode it out with no failed request,
// but a client waited up to about 3 s; with waiting, up to 10 requests got
// a 500 while the new master had no replica, for about 3.3 s. No
// acknowledged write and no session was lost in these runs, with the option
// or without it: on loopback a replica is rarely more than a fraction of a
// millisecond behind. Without the option that is luck, not a guarantee.
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
