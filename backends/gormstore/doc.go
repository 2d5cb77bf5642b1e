// Package gormstore is a sessions.Store that keeps sessions in an SQL table
// through gorm, in the table Flask-Session 0.8 uses, so that a Go service
// and a Flask service can share it. It supports gorm's sqlite, postgres and
// mysql dialects (MySQL and MariaDB).
//
// # Setup
//
// Pass the *gorm.DB you already have:
//
//	db, err := gorm.Open(postgres.Open(dsn), &gorm.Config{})
//	...
//	store, err := gormstore.New(db)
//
// New creates the table if it does not exist (CREATE TABLE IF NOT EXISTS)
// and checks that the table has the columns it uses. The one change it
// makes to an existing table is to add the user index's column and its
// index when they are missing (see User index), which Flask-Session does
// not notice; so it is safe on a table that Flask-Session created and
// still uses, and safe to run from several processes at once. To bound the
// time New may take, pass db.WithContext(ctx).
//
// The table, "sessions" unless WithTableName says otherwise:
//
//	id          integer primary key, autoincrement
//	session_id  varchar(255) unique   the storage key: prefix + session ID
//	data        blob                  BLOB on SQLite, BYTEA on PostgreSQL, LONGBLOB on MySQL
//	expiry      timestamp             DATETIME / TIMESTAMP WITHOUT TIME ZONE, in UTC
//	user_id     varchar(255) NULL     the user index (VARBINARY(255) on MySQL); indexed
//
// On MySQL, session_id is created with the utf8mb4_bin collation, because
// the server's default collation ignores case and session IDs do not. A
// table Flask-Session created on MySQL has a case-insensitive session_id and
// a BLOB that stops at 64 KiB; New works with it and logs a warning for
// each, with the ALTER TABLE that fixes it. Two things New requires of an
// existing MySQL table, and refuses it without: an AUTO_INCREMENT column
// (Create tells its own insert from a live row by the insert ID; Flask's
// id column is one) and a binary data column (records are compared byte
// for byte; a text column's collation could ignore case or trailing
// spaces).
//
// # Options
//
//   - WithTableName: the table (Flask-Session's SESSION_SQLALCHEMY_TABLE).
//   - WithCleanupInterval: a background sweep that calls DeleteExpired on
//     that period; Close stops it.
//   - WithLogger: the log/slog logger for sweep failures and the MySQL
//     warnings above; slog.Default() by default.
//
// # Expiry
//
// expiry holds the UTC time at which the session ends, rounded up to a
// whole second, so that every column precision (MySQL's DATETIME keeps none)
// stores the same moment. Every read compares it with the current UTC time
// passed as a parameter (expiry > ?), so an expired row is never returned
// and no database time-zone setting is involved; LoadTouch does not
// extend an expired row either. Times come from the application's clock,
// as in Flask-Session.
//
// Expired rows stay in the table until DeleteExpired removes them: call it
// on a schedule, or set WithCleanupInterval. DeleteExpired also removes rows
// without an expiry, which Flask-Session treats as expired.
//
// # Conditional writes
//
// Writes never overwrite a record blindly, so that concurrent requests on
// one session cannot silently undo each other and a deleted session never
// comes back. Create writes only where no live row is, Replace and DeleteIf
// only over the row the request loaded, compared byte for byte (BLOB on SQLite, BYTEA
// on PostgreSQL, a binary BLOB on MySQL); no version column is needed, so
// Flask-Session's table stays as it is. A write whose condition fails
// changes nothing and returns an error wrapping sessions.ErrConflict, and
// the session middleware reloads the session and applies its changes
// again. Each is one statement:
//
//	Create on PostgreSQL and SQLite:
//	  INSERT INTO sessions AS cur (session_id, data, expiry) VALUES (?, ?, ?)
//	  ON CONFLICT (session_id) DO UPDATE SET data = excluded.data, expiry = excluded.expiry,
//	    user_id = NULL
//	  WHERE cur.expiry <= ? OR cur.expiry IS NULL
//	Create on MySQL and MariaDB:
//	  INSERT INTO sessions (session_id, data, expiry) VALUES (?, ?, ?)
//	  ON DUPLICATE KEY UPDATE
//	    data = IF(expiry > ? AND LAST_INSERT_ID(0) = 0, data, VALUES(data)),
//	    user_id = IF(expiry > ?, user_id, NULL),
//	    expiry = IF(expiry > ?, expiry, VALUES(expiry))
//	Replace:
//	  UPDATE sessions SET data = ?, expiry = ? WHERE session_id = ? AND data = ? AND expiry > ?
//	DeleteIf:
//	  DELETE FROM sessions WHERE session_id = ? AND data = ? AND expiry > ?
//
// For an empty old record, Replace and DeleteIf test (data = ? OR data IS
// NULL) instead of data = ?, since Load reports a NULL data as an empty
// record.
//
// An expired row that DeleteExpired has not removed yet, or a row without
// an expiry, counts as absent: Create overwrites it, untied from any user,
// and Replace and DeleteIf leave it alone. A live row makes Create affect no row, and a
// Replace or DeleteIf whose row changed, expired or went away affects none
// either; that is the conflict.
//
// MySQL has no WHERE on ON DUPLICATE KEY UPDATE, so each assignment keeps
// its value while the row is live. MySQL assigns left to right, each
// assignment seeing the ones before it, so expiry comes last and both
// tests see the old expiry. MySQL also counts the rows a statement changed,
// not those it matched, unless the client sets CLIENT_FOUND_ROWS
// (go-sql-driver's clientFoundRows=true), and the store works either way:
//
//   - Create: an insert counts 1 and an overwrite 2; a live row counts 0,
//     or 1 with CLIENT_FOUND_ROWS. LAST_INSERT_ID(0), evaluated only for a
//     live row, sets the statement's insert ID to 0, where an insert
//     reports the new row's id, so the two are told apart.
//   - Replace: a Replace that writes exactly what the row holds (the same
//     bytes and the same expiry second) changes nothing and counts 0
//     without CLIENT_FOUND_ROWS. Only then, when the new data equals the
//     old, a second statement (SELECT 1 … WHERE session_id = ? AND data = ?
//     AND expiry = ? AND expiry > ?) checks that the row holds what Replace
//     would have written.
//   - DeleteIf: a DELETE counts the rows it deleted, with or without
//     CLIENT_FOUND_ROWS, so no second statement is ever needed.
//
// # Interfaces
//
// The Store implements sessions.Store; sessions.LoadToucher, so a read that
// refreshes the session is one UPDATE … RETURNING (two statements on MySQL)
// that never rewrites the data; and sessions.UserIndex (see User index).
// Close and DeleteExpired are for the app: the session middleware never
// calls them.
//
// # Round trips
//
// Each operation is one SQL statement, run outside a transaction:
//
//	Load           SELECT data … WHERE session_id = ? AND expiry > ?
//	LoadTouch      UPDATE … SET expiry … RETURNING data (PostgreSQL, SQLite);
//	               on MySQL, which has no UPDATE … RETURNING, a SELECT then
//	               UPDATE … SET expiry = ? WHERE session_id = ? AND expiry > ?
//	Create         INSERT … ON CONFLICT … DO UPDATE … WHERE (MySQL: ON DUPLICATE KEY UPDATE with IF())
//	Replace        UPDATE … WHERE session_id = ? AND data = ? AND expiry > ?
//	               (on MySQL, plus the SELECT above for an unchanged row)
//	DeleteIf       DELETE … WHERE session_id = ? AND data = ? AND expiry > ?
//	Delete         DELETE … WHERE session_id = ?
//	DeleteExpired  DELETE … WHERE expiry <= ? OR expiry IS NULL
//	Tie            UPDATE … SET user_id (see User index)
//	Untie          UPDATE … SET user_id = NULL WHERE user_id = ?
//	UserRecords    SELECT … WHERE user_id = ?;
//	               plus an UPDATE when it found expired rows of the user
//
// LoadTouch extends a live row only: a deleted or expired session
// is never brought back.
//
// A statement is one round trip when the driver sends its parameters with
// the query: pgx (gorm's postgres driver) caches prepared statements, so it
// does after the first use; go-sql-driver/mysql prepares, executes and
// closes a statement for each call (two round trips) unless the DSN sets
// interpolateParams=true, which is recommended here and halves the cost of
// a write in our benchmarks.
//
// InnoDB sometimes resolves concurrent inserts and deletes of neighbouring
// keys by rolling one back as a deadlock victim, and PostgreSQL at
// REPEATABLE READ or SERIALIZABLE aborts a write that raced another; the
// store runs such a statement again (up to five attempts), which is safe
// because each is a single autocommit statement whose condition is
// evaluated afresh.
//
// # User index
//
// The Store implements sessions.UserIndex, for Config.Users: the
// sessions of a user can be listed and revoked without a scan of the
// table. The index lives in each row, in the nullable column user_id, the
// user the session is tied to, with an index on it named after the table
// (sessions_user_id_idx for "sessions"; partial, WHERE user_id IS NOT
// NULL, on PostgreSQL and SQLite). A row holds one user. The session
// middleware moves a session from one user to another by tying the new
// user before it rewrites the record, which overwrites user_id, and
// untying the old one after, which then leaves the row alone; it checks
// the user each listed record names, so a move that failed halfway lists
// nothing wrong. The column is 255 wide, and Tie refuses a longer user ID;
// on MySQL it is VARBINARY, so that user IDs compare byte for byte (a
// VARCHAR's collation ignores trailing spaces).
//
// New adds the column and the index to a table that lacks them, as
// Flask-Session's does: an ALTER TABLE … ADD COLUMN and a CREATE INDEX,
// run once. It looks first, so that a New on a migrated table runs no
// DDL; concurrent News on one table are fine. On a large table, mind that
// the CREATE INDEX blocks writes to the table on PostgreSQL while it
// builds. Flask-Session never names the column: its INSERT leaves a row
// untied, and its UPDATE of data and expiry keeps the row's tie, as
// Replace and LoadTouch do.
//
// A table that an earlier version of this package migrated also has a
// column next_user_id, with an index (sessions_next_user_id_idx for
// "sessions"). New leaves both alone, and the store neither reads nor
// writes them; once no process runs the earlier version, they can go
// (the index first, which SQLite requires):
//
//	DROP INDEX sessions_next_user_id_idx            -- MySQL: … ON sessions
//	ALTER TABLE sessions DROP COLUMN next_user_id
//
// A session that the earlier version left tied to a second user in that
// column (after a move whose untie failed) is listed for its first user
// only, whose listings skip it, since the record names the second, until
// it is tied again.
//
// The entries end with their rows, so that the index never outgrows the
// user's live sessions: a deleted row takes its entry along, an expired
// row is never listed, a Create over an expired row starts untied, and
// DeleteExpired removes expired rows with their entries. Until then, an
// expired row keeps its entry only until its user's index is next written
// or listed: Tie and Untie untie the user from its expired rows in their
// own statement, and UserRecords, which reads the user's rows whatever
// their expiry, does so in a second statement when it found one.
//
// Each call is one statement, whose rows the indexes find (Tie's WHERE is
// an OR of equalities on session_id and user_id, which PostgreSQL answers
// with a BitmapOr, SQLite with a multi-index OR and MySQL with an index
// merge; the others need the index on user_id only):
//
//	Tie          UPDATE … SET user_id = CASE WHEN session_id = ? AND expiry > ? THEN ? END
//	             WHERE session_id = ? AND expiry > ?
//	             OR user_id = ? AND (expiry <= ? OR expiry IS NULL)
//	Untie        UPDATE … SET user_id = NULL
//	             WHERE user_id = ? AND (session_id = ? OR expiry <= ? OR expiry IS NULL)
//	UserRecords  SELECT session_id, data, expiry … WHERE user_id = ?
//	             (data and a live flag only for rows whose expiry > ?), then, only if
//	             it found expired rows, Untie's UPDATE without the session_id term
//
// Tie and Untie do not look at the number of rows they affected, so MySQL's
// way of counting them, with or without CLIENT_FOUND_ROWS, does not matter.
//
// # SQLite
//
// Concurrent requests write concurrently: open the database with a busy
// timeout and WAL (for mattn/go-sqlite3, "file:sessions.db?_busy_timeout=5000&_journal_mode=WAL"),
// or limit the pool to one connection with sql.DB.SetMaxOpenConns(1);
// otherwise writes can fail with "database is locked".
package gormstore
