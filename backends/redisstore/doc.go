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
// WithKeyPrefix names the sessions' key prefix, under which the Store keeps
// its users' indexes (see Sessions of a user); pass it the Config.KeyPrefix
// when that is not the default. The Store reports it (KeyPrefix), and
// sessions.New refuses a Config whose KeyPrefix differs, naming the option
// to pass, so that every key the app writes starts with its KeyPrefix:
//
//	store := redisstore.New(rdb, redisstore.WithKeyPrefix("myapp:"))
//	mw := ginsession.New(sessions.Config{Store: store, KeyPrefix: "myapp:"})
//
// # Client-side cache
//
// Within sessions.Config.RefreshInterval a read of a session is a plain
// GET (a read due a refresh is a GETEX, which is a write and never
// cached). On a RESP3 client with go-redis's client-side cache, that GET
// is served from the process's memory once warm: 0 round trips. It is
// opt-in, on the client:
//
//	rdb := redis.NewClient(&redis.Options{
//		Addr:                  "127.0.0.1:6379",
//		Protocol:              3,
//		ContextTimeoutEnabled: true,
//		ClientSideCacheConfig: redisstore.CacheConfig(10_000, 64<<20),
//	})
//
// CacheConfig bounds the cache in entries and bytes and sets go-redis's
// MaxStaleness to CacheMaxStaleness (1 s). Which setup gets what:
//
//   - a single node (*redis.Client, DB 0) or a Cluster
//     (*redis.ClusterClient, a cache per node) with Protocol 3 and
//     ClientSideCacheConfig: cached reads;
//   - Sentinel (redis.NewFailoverClient), RESP2, a DB other than 0, a
//     credentials provider, or no ClientSideCacheConfig: every read goes to
//     the server, as without the cache; nothing else changes.
//
// Writes (SET NX, the compare-and-set scripts, DEL, GETEX) always go to the
// server and are conditional, so a stale cached read can only make a write
// conflict, never lose an update. After each of its writes to a key
// (including one that conflicted), the Store loads that key past the cache
// for MaxStaleness, until no copy fetched before the write can remain: a
// process reads its own writes (the redirect after a login sees the
// login), and the reload after a conflict reads the record that won. So
// the reads of a session in the second after a write cost a round trip;
// later ones within the RefreshInterval are cached. The user index's
// reads (PTTL, the listing) never use the cache.
//
// Staleness. A logout, Regenerate or revocation is final at once in the
// process that made it: the session core remembers the sessions it ended
// (for a minute, up to 4,096 of them) and does not use a record of one,
// cached or not. Another process sees it when Redis's invalidation reaches
// its client: 0.2 to 5 ms on loopback in the package's tests, on a single
// node and on a Cluster, once 150 ms on a loaded machine (go-redis drains
// invalidations from idle connections every 5 ms by default). If an
// invalidation is lost (a dropped connection, a failover), MaxStaleness
// is the hard cap: no cached record is served more than CacheMaxStaleness
// after it was fetched (with every invalidation dropped, the tests see the
// logout 1.00 s after the record was cached). An expiry needs no invalidation to be seen late:
// a session is refreshed long before its TTL ends.
//
// Memory. go-redis estimates each cached session at about 250 bytes plus
// its record (96 bytes of overhead, the cache key, the Redis key). Size
// MaxEntries to the sessions a process reads within a RefreshInterval;
// MaxMemoryBytes to MaxEntries times (250 + a typical record). The cache is
// sharded 16 ways and each shard holds 1/16 of MaxMemoryBytes: a record
// larger than that is simply not cached, so keep MaxMemoryBytes at least 16
// times the largest record.
//
// Hits and misses. CacheStats returns the cache's hits and misses, which
// extra/otelsessions reports as the counter serversession.cache.requests
// when given the Store (otelsessions.WithCache). Reads past the cache
// count as neither, so many misses beside the hits mean a cache too small
// for the sessions read within a RefreshInterval, or sessions that other
// processes write often (each write invalidates every cached copy).
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
// Replace, DeleteIf, Delete, and the index's Tie and Untie) is pipelined with WAIT n timeout, to the same
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
// read-modify-writes through the net/http middleware; the master SIGKILLed, down-after 1 s /
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
// # Sessions of a user
//
// The Store implements sessions.UserIndex, for Config.Users: the
// listing and revoking of a user's sessions, at a cost proportional to that
// user's sessions, never a scan. Records are not changed for it: each user
// has one more key, a sorted set, beside them:
//
//	prefix + "user-sha256:" + hex(SHA-256(user))   sorted set, no TTL
//	  member      a session's storage key (prefix + ID)
//	  score       that record's expiry in Unix ms, as the index last learnt
//	              it, on the clock of the Redis server that holds the set
//
// The prefix is WithKeyPrefix's, "session:" by default; sessions.New
// requires it to be the Config's KeyPrefix. The user ID is hashed, so key
// names show no user ID (an e-mail address, say), and a user ID holding
// braces cannot choose its Cluster slot. User IDs are binary-safe, and no
// session key can be a user key: session IDs never hold a ':'.
//
// Migrating: earlier versions named the set prefix + "user:" + user, with
// the raw ID, and those keys are no longer read, so sessions tied before
// the upgrade are missing from listings and revocations until they log in
// again. To carry them over, rename each such key to its hashed name while
// the app is stopped (RENAME is atomic; on Cluster, ZRANGE ... WITHSCORES
// then ZADD into the new key and DEL the old one), for example:
//
//	redis-cli --scan --pattern 'session:user:*' | while read -r k; do
//	  u=${k#session:user:}
//	  redis-cli RENAME "$k" "session:user-sha256:$(printf %s "$u" | sha256sum | cut -d' ' -f1)"
//	done
//
// (a user ID with newlines or binary bytes needs a program instead).
//
// The set has no TTL. A record's TTL moves at every refresh (LoadTouch,
// Replace) without the index hearing of it, so a TTL on the set
// could end it while sessions it lists live on, and "log out everywhere"
// would miss them. Instead the index is pruned as it is used: Tie and
// Untie check the entries whose score has passed, up to 100 at a time, and
// a listing
// checks every entry; each checked entry is dropped if its record is gone,
// and re-scored to its record's expiry if the record was refreshed. Redis
// deletes the set with its last member. So the entry of a session that
// expired lingers only until that user's index is next written (Tie,
// Untie) or listed (UserRecords): a listing leaves the user's live sessions
// only, and so does a write, unless more than 100 entries were due.
//
// What the scores cannot tell: the entry of a record deleted without its
// Untie (a revoke by another service, such as a Flask app, or an Untie that
// failed) stays until the next listing, or until its score, the record's
// expiry as last seen, passes and a write checks it; it is never listed:
// the listing's GET finds nothing. And the index of a user who never logs in again and
// is never listed keeps its last entries, whose records are gone, until it
// is: one small key per such user.
//
// An entry names a key, not one record: a record created again under a
// key whose entry still lingers (possible only if the key's record was
// deleted or expired without its Untie, and a Create reused the ID) is
// listed for that user until the entry goes. The session core checks that
// each listed record names the user, and skips those that do not.
//
// Every command names one key, so that everything works on Cluster: the
// index's scripts touch the user's set alone (one slot), and the commands
// on records (GET, PTTL) are single-key commands sent in pipelines, which
// ClusterClient splits by node and sends to the nodes side by side, one
// round trip in time. Concurrent calls never undo each other: a prune
// changes an entry only if its score is still the one it checked, so a
// key tied again meanwhile keeps its new entry.
//
//	Tie          1 round trip   EVALSHA on the user's set: ZADD key
//	                            now+ttl, and the entries whose score passed
//	             +2 when some   PTTL of each (pipelined), then EVALSHA on
//	             score passed   the set: drop the dead, re-score the live
//	Untie        1 round trip   EVALSHA on the user's set: ZREM key, and
//	                            the entries whose score passed
//	             +2 when some   as for Tie
//	             score passed
//	UserRecords  2 round trips  EVALSHA on the set (ZRANGE, server clock),
//	                            then GET + PTTL of every entry (pipelined)
//	             +1 when some   EVALSHA on the set: drop the dead, re-score
//	             are dead or    those whose score has passed though they
//	             mis-scored     live, or that expire well before it
//
// With WithWaitReplicas, Tie and Untie wait as the other writes do: a Tie
// that fewer replicas acknowledged fails, and the session core then saves
// nothing (it deletes a record it just created) rather than keep a session
// that its user's index might lose at a failover. The prunes do not wait,
// and their errors are dropped: a prune lost is redone by the next check.
// A listing never waits. The index's scripts read the server's clock
// (TIME) before they write, which Redis allows since 5.0.
//
// # Interfaces
//
// The Store implements sessions.Store; sessions.LoadToucher, so a read that
// refreshes the session is one GETEX, which never rewrites the data; and
// sessions.UserIndex (see Sessions of a user).
//
// # Round trips
//
//	Load       1 round trip  GET key
//	LoadTouch  1 round trip  GETEX key PX ms   (load and TTL refresh together)
//	Create     1 round trip  SET key val PX ms NX
//	Replace    1 round trip  EVALSHA sha 1 key old val ms
//	DeleteIf   1 round trip  EVALSHA sha 1 key old
//	Delete     1 round trip  DEL key
//
// and for the user index (see Sessions of a user) Tie and Untie 1 (3 when
// entries are due a check), UserRecords 2 (3 when entries need fixing).
//
// The first Replace or DeleteIf (or index call) on a server (or node)
// whose script cache does not hold its script yet gets NOSCRIPT, and
// go-redis sends the script once with EVAL: two round trips that one time,
// and after every SCRIPT FLUSH or restart.
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
// to -1 if such a repeat must not happen. With WithWaitReplicas on a
// Cluster, where the Store sends the write and its WAIT, and retries them,
// itself, a retry after a lost answer is a script that counts a Create's or
// a Replace's own data, found in place, as its success, and writes it again
// for the WAIT to cover; a DeleteIf whose retry finds the record gone still
// reports ErrConflict, since that may be another request's deletion.
//
// Data returned by Load and LoadTouch is a fresh slice the caller owns, and
// no method keeps a slice it was given.
// Corrupt bytes come back as stored: decoding them is the session core's job.
package redisstore
