// Package dynamostore is a sessions.Store that keeps sessions in a
// DynamoDB table, in the item shape Flask-Session 0.8 uses
// (SESSION_TYPE = "dynamodb"), so that a Go service and a Flask service
// can share one table. It is built on the AWS SDK for Go v2.
//
// # Setup
//
// Pass the *dynamodb.Client you already have and the table name
// (DefaultTable, "Sessions", is Flask-Session's default):
//
//	cfg, err := config.LoadDefaultConfig(ctx)
//	...
//	store, err := dynamostore.New(dynamodb.NewFromConfig(cfg), dynamostore.DefaultTable)
//
// New sends nothing unless asked to create the table: with
// WithCreateTable it creates it if missing, as Flask-Session does
// (partition key id of type S, on-demand capacity), waits until it is
// active, and turns on time to live on expiration; CreateTable does the
// same with a context of yours. A table that exists, Flask-Session's
// included, is used as it is if its partition key is id (S).
//
// The session core builds each key from Config.KeyPrefix and the session
// ID. Pass the same prefix to WithKeyPrefix when it is not the default
// "session:": the user index keeps its items under it.
//
// # Items
//
// Each session is one item:
//
//	{"id": {"S": "session:<sid>"}, "val": {"B": <record>}, "expiration": {"N": "1799237050.967"}}
//
// id is the storage key (prefix + session ID), val the encoded record
// (msgpack or JSON, as the session's codec writes it), and expiration the
// Unix time in seconds at which the session ends. This package writes it
// to the millisecond. Flask-Session writes the exact decimal of a Python
// float ("1799237050.966393947601318359375", up to 22 digits after the
// point); this package parses it as a decimal, never as an integer, to the
// nanosecond, and never through a float.
//
// Flask-Session 0.8 computes expiration from datetime.utcnow().timestamp(),
// which reads UTC as local time: on a Flask host whose time zone is not
// UTC, the items it writes expire off by the UTC offset (early east of
// Greenwich, by up to 14 hours under UTC+14; late west of it). A Go service
// sharing the table takes expiration as the true Unix time it should be,
// and writes it so: a session that Flask wrote on such a host ends early or
// late for both services alike, since Flask does not check expiration when
// it reads. Run the Flask hosts in UTC (TZ=UTC) to avoid it. Flask-Session
// 0.8 also never turns time to live on for the table it creates (an error
// in its setup is swallowed); CreateTable (or WithCreateTable) does.
//
// # Expiry
//
// DynamoDB's time to live deletes expired items in the background, within a
// day or two of their expiry, and dynalite and other local emulators never
// do. Reads never rely on it: Load, LoadTouch, Replace, DeleteIf and the
// user index treat an item whose expiration has passed as absent, and
// Create writes over it. Where the server has no time to live (CreateTable
// then returns an error wrapping ErrTTLUnsupported, which New with
// WithCreateTable logs as a warning), call DeleteExpired on a schedule.
//
// # Conditional writes
//
// Writes never overwrite a record blindly, so that concurrent requests on
// one session cannot silently undo each other and a deleted session never
// comes back. Each is one request, atomic on DynamoDB:
//
//	Load       GetItem, strongly consistent (projection val, expiration)
//	LoadTouch  UpdateItem SET expiration, if attribute_exists(id) AND expiration > now, ReturnValues ALL_NEW
//	Create     PutItem, if attribute_not_exists(id) OR expiration <= now
//	Replace    UpdateItem SET val, expiration, if val = <the bytes loaded> AND expiration > now
//	DeleteIf   DeleteItem, if val = <the bytes loaded> AND expiration > now
//	Delete     DeleteItem, without a condition (as Flask-Session's logout)
//
// A failed condition (ConditionalCheckFailedException) is an error wrapping
// sessions.ErrConflict for Create, Replace and DeleteIf, and "not found"
// for LoadTouch. Record.Version is not used: Replace and DeleteIf compare
// val itself. Flask-Session writes without a condition (UpdateItem SET val,
// expiration); to this package, a Flask write is a change to merge over.
//
// Reads are strongly consistent, as the session core needs a record right
// after it was written (an eventually consistent read could miss a login
// that just happened); they cost twice the read units of an eventually
// consistent read.
//
// # Capacity
//
// DynamoDB bills each request by the size of the whole item it reads or
// writes, attribute names included, however little of it the request
// returns or changes: a strongly consistent read costs a read unit per
// 4 KB, a write a write unit per 1 KB (of the larger of the item before
// and after), each rounded up. A session item is its record plus about 75
// bytes (the key, the attribute names, expiration). Measured on dynalite,
// whose capacity accounting follows DynamoDB's rules (see
// TestConsumedCapacity):
//
//	           record of 100 bytes   record of 3 KB (3,072 bytes)
//	Load       1 read unit           1 read unit
//	LoadTouch  1 write unit          4 write units
//	Create     1 write unit          4 write units
//	Replace    1 write unit          4 write units
//	DeleteIf   1 write unit          4 write units
//	Delete     1 write unit          4 write units
//
// A 3 KB record takes 4 write units, not 3, for those 75 bytes. LoadTouch
// is a write, billed as one though it changes only expiration: the
// session core loads with it at most once per Config.RefreshInterval (a
// minute by default) for each session; other reads use Load, a read unit
// per 4 KB.
// A request that loads and saves a session thus pays for writing its item
// twice. A write whose condition fails still consumes its write units on
// DynamoDB.
//
// # Limits and errors
//
// A DynamoDB item holds at most 400 KB, attribute names included: Create
// and Replace refuse a larger record before sending it, with an error
// wrapping ErrTooLarge, and the stored record is kept. Keep sessions
// small, as Flask's cookie-minded sessions are anyway.
//
// Errors name the operation and key, and wrap the SDK's error. Throttling
// (ProvisionedThroughputExceededException, ThrottlingException,
// RequestLimitExceeded), after the client's own retries, wraps
// ErrThrottled; a missing table (ResourceNotFoundException) wraps
// ErrTableNotFound. Neither is a conflict: the session core reports them as
// a failed load or save, and the stored record is never overwritten.
// Retries and timeouts are the client's: set them on the dynamodb.Options
// (RetryMaxAttempts, RetryMode, the HTTP client's timeouts).
//
// # User index
//
// The Store implements sessions.UserIndex, for Config.Users: the
// sessions of a user can be listed and revoked at a cost proportional to
// that user's sessions, never a scan of the table. Each user's index is an
// item of its own in the same table, with id = key prefix + "user-sha256:"
// + the SHA-256 of the user ID in hex, so the table's keys show no user ID
// (no session ID holds ":", so it never meets a session's id), and one
// attribute per session: "s:" + the session's key, holding its expiry in
// Unix milliseconds as the index last learnt it, plus a version counter,
// ver. The item has no expiration, so neither time to live nor Flask-Session
// treats it as a session, and Flask-Session never reads it.
//
// This shape was chosen over a global secondary index on a user attribute
// of the session items. A GSI is read eventually consistently, so a
// listing could miss a session tied a moment before, and "log out other
// devices" could leave it logged in; it holds one user per item, while a
// session moving from one user to another is briefly tied to both; and it
// would add an index to a table Flask-Session created. The index item is
// read strongly consistent, and each write to it is one atomic UpdateItem.
//
// The entries end with their sessions: a listing reads every entry's
// session and removes the entries of sessions that are gone or expired;
// Tie and Untie check the entries whose recorded expiry has passed (up to
// 100 at a time) and remove them, or record the session's new expiry if
// it was refreshed meanwhile. An index left empty is deleted.
//
//	Tie          UpdateItem SET the entry, ADD 1 to ver, ReturnValues ALL_NEW: 1 request;
//	             3 when entries are due (BatchGetItem, UpdateItem)
//	Untie        UpdateItem REMOVE the entry, ADD 1 to ver, if the item exists: 1 request;
//	             +2 when entries are due, +1 (a DeleteItem if ver is unchanged) when the index is left empty
//	UserRecords  GetItem of the index (strongly consistent), BatchGetItem of the sessions
//	             (strongly consistent, 100 a request), and an UpdateItem per 50 entries to fix
//	             when some are due or gone
//
// In capacity units, with the index item of a user with n sessions taking
// about 60·n bytes (its size counts whole for every write to it): Tie and
// Untie cost ceil(60·n / 1 KB) write units, and the Untie that empties the
// index one more, for deleting it; UserRecords costs ceil(60·n / 4 KB)
// read units for the index plus one read unit per session of up to 4 KB
// (each session's item rounded up on its own), and the write units of an
// index update when it has entries to fix. Measured on dynalite as above,
// with sessions of 100 bytes or 3 KB alike, and no entries due:
//
//	Tie                                  1 write unit (the 1st session or the 5th)
//	UserRecords, a user with 1 session   2 read units (2 requests)
//	UserRecords, a user with 5 sessions  6 read units (2 requests)
//	Untie, 5 sessions to 4               1 write unit
//	Untie of the last session            2 write units (2 requests: the index is deleted)
//
// An index item is limited to 400 KB like any item: about 6,000 sessions
// per user.
//
// # Testing
//
// The tests run against dynalite (from the npm registry), which
// scripts/test-servers.sh installs and starts on 127.0.0.1:8000, each test
// on a table of its own. dynalite implements the conditional writes as
// DynamoDB documents them, but answers the time to live operations with
// UnknownOperationException and never expires items.
package dynamostore
