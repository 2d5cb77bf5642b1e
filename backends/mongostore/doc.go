// Package mongostore is a sessions.Store that keeps sessions in a MongoDB
// collection, in the document shape Flask-Session 0.8 uses, so that a Go
// service and a Flask service can share one collection.
//
// # Setup
//
// Pass the collection you already have; New creates the indexes it needs:
//
//	client, err := mongo.Connect(options.Client().ApplyURI("mongodb://127.0.0.1:27017"))
//	...
//	store, err := mongostore.New(ctx, client.Database("flask_session").Collection("sessions"))
//
// (Flask-Session's defaults are database "flask_session", collection
// "sessions".) New takes a context because it talks to the server: it
// creates a unique index on id, an index on users (see User index) and a
// TTL index on expiration, and each call is idempotent, so New is safe on a
// collection that already has them, including one that Flask-Session set
// up. It also asks for buildInfo, to tell FerretDB 1.x (see FerretDB
// below).
//
// # Documents
//
// Each session is one document:
//
//	{_id: ObjectId(...), id: "session:<sid>", val: BinData(0, <record>), expiration: ISODate(...)}
//
// id is the storage key (prefix + session ID), val the encoded record, and
// expiration the moment the session ends, in UTC with millisecond precision.
// _id is an ObjectId that the driver assigns at insert, as pymongo does; the
// store never reads or sets it. A session tied to a user (see User index)
// also has users: ["<user>"], which Flask-Session ignores.
//
// # Options
//
// WithLogger sets the log/slog logger for what the store reports on its
// own: a server that rejects the TTL index or the index on users, a server
// (FerretDB 1.x) whose writes the store serializes, and a document whose
// val is not binary data. The default is slog.Default().
//
// # Expiry
//
// The TTL index (expireAfterSeconds: 0) lets the server delete documents
// once expiration has passed; MongoDB's TTL monitor runs about once a
// minute. Reads never rely on it: Load and LoadTouch match only
// documents whose expiration is still in the future, by the application's
// clock, so a session is gone the moment it expires.
//
// Some servers reject TTL indexes: FerretDB 1.x answers NotImplemented, and
// some hosted MongoDB-compatible services lack them too. New then logs a
// warning and carries on. Expired documents are still never read, but they
// stay on disk until something deletes them: call DeleteExpired on a
// schedule (a time.Ticker in a goroutine you own, or a cron job).
//
// # Conditional writes
//
// Writes never overwrite a record blindly, so that concurrent requests on
// one session cannot silently undo each other and a deleted session never
// comes back:
//
//   - Create inserts {id, val, expiration}. If a document of that id is
//     already there, the unique index on id rejects the insert (a
//     duplicate key error); Create then deletes that document only if it
//     has expired (delete {id: key, expiration: {$lte: now}}) and inserts
//     again. A live document is left alone and Create returns an error
//     wrapping sessions.ErrConflict.
//   - Replace is an update without upsert, filtered on
//     {id: key, val: <the bytes loaded>, expiration: {$gt: now}}, that
//     $sets val and expiration. If it matched nothing, because the session
//     changed, expired or was deleted since it was loaded, nothing is
//     written or created and the error wraps sessions.ErrConflict.
//   - DeleteIf is a delete (limit 1) with the filter of Replace,
//     {id: key, val: <the bytes loaded>, expiration: {$gt: now}}. If it
//     deleted nothing, because the session changed, expired or was
//     deleted since it was loaded, the error wraps sessions.ErrConflict.
//
// Replace and DeleteIf compare val as Load reads it: binary data, or a
// string holding the same bytes, which Load also accepts. The session
// middleware then reloads the session and applies its changes again.
// Record.Version is not used: Replace and DeleteIf compare val itself.
//
// # Interfaces
//
// The Store implements sessions.Store; sessions.LoadToucher, so a read that
// refreshes the session is one findAndModify that never rewrites val; and
// sessions.UserIndex (see User index). DeleteExpired is for the app (for
// servers without a TTL monitor): the session middleware never calls it.
//
// # Round trips
//
// Every operation is one round trip to the server in the normal case:
//
//	Load           find (filter id, expiration > now; projection val)
//	LoadTouch      findAndModify (same filter, $set expiration)
//	Create         insert; only when a document of the id is there: delete (if expired), then insert again
//	Replace        update without upsert (filter id, val, expiration > now; $set val, expiration)
//	DeleteIf       delete (limit 1; filter id, val, expiration > now)
//	Delete         delete (limit 1)
//	DeleteExpired  delete (expiration <= now, every match)
//	Tie            update: $addToSet users on the live document of id, and $pull from the user's expired ones
//	Untie          update: $pull users from the document of id and the user's expired ones
//	UserRecords    find {users: user} (projection id, val, expiration); plus an update
//	               when it found expired documents of the user
//
// A Create that finds a live document costs two round trips, one that
// overwrites an expired document three; sessions are created under new,
// random IDs, so that is rare.
//
// The session middleware uses LoadTouch when a read is due a refresh (at
// most once per Config.RefreshInterval), so such a read costs one round
// trip, as a Redis GETEX does; other reads are a plain Load.
//
// # User index
//
// The Store implements sessions.UserIndex, for Config.Users: the
// sessions of a user can be listed and revoked without a scan of the
// collection. The index lives in each document, in the array users: the
// users the session is tied to, usually one, two while the session moves
// from one user to another (the session middleware ties the new user before
// it rewrites the record and unties the old one after). New creates a
// sparse index on users, users_1, so that documents tied to no user, usually
// most, cost it nothing; a server that rejects it is logged and tolerated,
// and listing a user's sessions then scans the collection. Flask-Session
// never names the field: its upsert ($set of id, val and expiration) keeps
// a document's users, as Replace and LoadTouch do, and the documents it inserts
// have none.
//
// The entries end with their documents, so that the index never outgrows
// the user's live sessions: a deleted document takes its entries along, an
// expired one is never listed, and a Create over an expired document
// deletes it and inserts one without users. Until the TTL monitor (or
// DeleteExpired) removes it, an expired document keeps its entries only
// until its user's index is next written or listed: Tie and Untie pull the
// user from its expired documents in their own command, and UserRecords,
// which finds the user's documents whatever their expiration, does so in a
// second command when it found one.
//
//	Tie          one update command of two statements (both multi, so that the
//	             driver sends them together): {id, expiration > now} $addToSet
//	             {users: user}, and {users: user, expiration <= now} $pull {users: user}
//	Untie        update {users: user, $or: [{id}, {expiration <= now}]} $pull {users: user}
//	UserRecords  find {users: user}; the first reply holds up to 101 documents, and a
//	             user with more sessions costs a getMore per further batch
//
// # FerretDB
//
// FerretDB 1.x runs an update or findAndModify as a find followed by a
// write of the whole document by _id, without checking the filter again, so
// two Replaces over the same loaded record could both succeed, and a
// LoadTouch racing a Replace could write back the data it found. New tells
// FerretDB 1.x from buildInfo and the Store then serializes its writes
// (Create, Replace, DeleteIf, LoadTouch, Delete, Tie, Untie) per key
// within this process, with a striped set of locks shared by every Store
// of the process, and logs a warning saying so. Conditional writes from one
// process are then atomic; several processes sharing the collection can
// still lose updates there. For multi-process deployments, use MongoDB or a
// newer FerretDB. Inserts and deletes are atomic on FerretDB 1.x, so racing
// Creates have exactly one winner in any case, but a DeleteIf can fall
// between the find and the write of a Replace, so that both would succeed;
// the lock keeps that from happening within the process. On MongoDB every
// write is atomic on its own and no lock is taken.
//
// On FerretDB 1.x with its SQLite handler, only equality on _id is pushed
// down to SQLite; a filter on id reads every document of the collection.
// That is fine for tests, but it makes every operation cost time in
// proportion to the collection's size there, UserRecords included, which
// FerretDB 1.x answers by reading every document although it accepts the
// index on users (it drops the sparse option). MongoDB itself uses the
// unique index on id and the index on users. Tie and Untie take the key's
// lock there. Their $pull from the user's expired documents cannot take
// those documents' locks; the only other writes to an expired document are
// a Create, which deletes it and inserts a new one, and the $pull of
// another user, which on a document tied to both users can undo this one:
// the entry left is pulled again at the user's next Tie, Untie or listing.
package mongostore
