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
// creates a unique index on id and a TTL index on expiration, and both calls
// are idempotent, so New is safe on a collection that already has them,
// including one that Flask-Session set up.
//
// # Documents
//
// Each session is one document:
//
//	{_id: ObjectId(...), id: "session:<sid>", val: BinData(0, <record>), expiration: ISODate(...)}
//
// id is the storage key (prefix + session ID), val the encoded record, and
// expiration the moment the session ends, in UTC with millisecond precision.
// _id is left to the server, as pymongo leaves it.
//
// # Options
//
// WithLogger sets the log/slog logger for the two things the store reports
// on its own: a server that rejects the TTL index, and a document whose val
// is not binary data. The default is slog.Default().
//
// # Expiry
//
// The TTL index (expireAfterSeconds: 0) lets the server delete documents
// once expiration has passed; MongoDB's TTL monitor runs about once a
// minute. Reads never rely on it: Load, LoadTouch and Touch match only
// documents whose expiration is still in the future, by the application's
// clock, so a session is gone the moment it expires.
//
// Some servers reject TTL indexes: FerretDB 1.x answers NotImplemented, and
// some hosted MongoDB-compatible services lack them too. New then logs a
// warning and carries on. Expired documents are still never read, but they
// stay on disk until something deletes them: call DeleteExpired on a
// schedule (a time.Ticker in a goroutine you own, or a cron job).
//
// # Round trips
//
// Every operation is one round trip to the server:
//
//	Load         find (filter id, expiration > now; projection val)
//	LoadTouch    findAndModify (same filter, $set expiration)
//	Save         update with upsert ($set id, val, expiration)
//	Touch        update without upsert ($set expiration; an expired or missing session is left alone)
//	Delete       delete (limit 1)
//	DeleteExpired  delete (expiration <= now, every match)
//
// The session middleware uses LoadTouch when sessions are refreshed on each
// request, so a read with refresh costs one round trip, as a Redis GETEX
// does.
//
// On FerretDB 1.x with its SQLite handler, only equality on _id is pushed
// down to SQLite; a filter on id reads every document of the collection.
// That is fine for tests, but it makes every operation cost time in
// proportion to the collection's size there. MongoDB itself uses the unique
// index on id.
package mongostore
