package gormstore

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/serversession/serversession/sessions"
)

// flaskDDL is the CREATE TABLE that Flask-Session 0.8's SQLAlchemy model
// emits on each dialect (%s is the quoted table name).
var flaskDDL = map[string]string{
	"sqlite": `CREATE TABLE %s (
	id INTEGER NOT NULL,
	session_id VARCHAR(255),
	data BLOB,
	expiry DATETIME,
	PRIMARY KEY (id),
	UNIQUE (session_id)
)`,
	"postgres": `CREATE TABLE %s (
	id SERIAL NOT NULL,
	session_id VARCHAR(255),
	data BYTEA,
	expiry TIMESTAMP WITHOUT TIME ZONE,
	PRIMARY KEY (id),
	UNIQUE (session_id)
)`,
	"mysql": `CREATE TABLE %s (
	id INTEGER NOT NULL AUTO_INCREMENT,
	session_id VARCHAR(255),
	data BLOB,
	expiry DATETIME,
	PRIMARY KEY (id),
	UNIQUE (session_id)
)`,
}

// flaskExpiry returns an SQL expression for "now + offset" as Flask-Session
// stores it: a naive UTC datetime (on SQLite, SQLAlchemy's text format).
func flaskExpiry(dialect string, offset time.Duration) string {
	switch dialect {
	case "postgres":
		return fmt.Sprintf("(now() AT TIME ZONE 'UTC') + interval '%d seconds'", int(offset.Seconds()))
	case "mysql":
		return fmt.Sprintf("UTC_TIMESTAMP() + INTERVAL %d SECOND", int(offset.Seconds()))
	default:
		return "'" + time.Now().UTC().Add(offset).Format("2006-01-02 15:04:05.000000") + "'"
	}
}

// TestExistingFlaskTable creates the table exactly as Flask-Session does,
// fills it as Flask-Session does, and then runs New on it twice: the
// migration must add the user index's column and its index and
// change nothing else (a migration that tried to create the table again
// used to fail here in Flask-Session itself), and the store must read
// Flask's rows and write its own, conditionally. Flask-Session's own
// statements must still work on the migrated table.
func TestExistingFlaskTable(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d dialect) {
		db := d.open(t)
		table := tableName(t)
		quoted := quoteTable(db, table)
		dropOnCleanup(t, db, table)
		if err := db.Exec(fmt.Sprintf(flaskDDL[d.engine], quoted)).Error; err != nil {
			t.Fatalf("create Flask-Session's table: %v", err)
		}
		record := []byte{0x81, 0xaa, '_', 'p', 'e', 'r', 'm', 'a', 'n', 'e', 'n', 't', 0xc3}
		insert := "INSERT INTO " + quoted + " (session_id, data, expiry) VALUES (?, ?, %s)"
		for _, r := range []struct {
			key string
			exp string
		}{
			{"session:flask-live", flaskExpiry(d.engine, time.Hour)},
			{"session:flask-expired", flaskExpiry(d.engine, -time.Hour)},
			{"session:flask-null", "NULL"},
		} {
			if err := db.Exec(fmt.Sprintf(insert, r.exp), r.key, record).Error; err != nil {
				t.Fatalf("insert Flask-Session row %s: %v", r.key, err)
			}
		}
		before := columnTypes(t, db, table)

		var logged bytes.Buffer
		log := slog.New(slog.NewTextHandler(&logged, nil))
		var s *Store
		for i := range 2 {
			var err error
			if s, err = New(db, WithTableName(table), WithLogger(log)); err != nil {
				t.Fatalf("New #%d on Flask-Session's table: %v", i+1, err)
			}
		}
		if after, want := columnTypes(t, db, table), before+userColumnTypes(d.engine); after != want {
			t.Errorf("New changed the table other than by adding the user index's column:\nbefore %s\nafter  %s\nwant   %s", before, after, want)
		}
		checkUserIndexes(t, db, table)
		if d.engine == "mysql" {
			for _, want := range []string{"MODIFY data LONGBLOB", "COLLATE utf8mb4_bin"} {
				if !strings.Contains(logged.String(), want) {
					t.Errorf("New on Flask's MySQL table logged no advice containing %q; log:\n%s", want, logged.String())
				}
			}
		} else if logged.Len() > 0 {
			t.Errorf("New logged %q", logged.String())
		}

		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if rec, found, err := s.Load(ctx, "session:flask-live"); err != nil || !found || !bytes.Equal(rec.Data, record) {
			t.Errorf("Load(flask-live) = (%x, %v, %v); want (%x, true, nil)", rec.Data, found, err, record)
		}
		for _, k := range []string{"session:flask-expired", "session:flask-null"} {
			if rec, found, err := s.Load(ctx, k); err != nil || found || rec.Data != nil {
				t.Errorf("Load(%s) = (%x, %v, %v); want (nil, false, nil)", k, rec.Data, found, err)
			}
		}
		rec, found, err := s.LoadTouch(ctx, "session:flask-live", 2*time.Hour)
		if err != nil || !found || !bytes.Equal(rec.Data, record) {
			t.Errorf("LoadTouch(flask-live) = (%x, %v, %v); want (%x, true, nil)", rec.Data, found, err, record)
		}
		if err := s.Create(ctx, "session:go", []byte("from Go"), time.Hour); err != nil {
			t.Fatalf("Create: %v", err)
		}
		if err := s.Create(ctx, "session:flask-live", []byte("not written"), time.Hour); !errors.Is(err, sessions.ErrConflict) {
			t.Fatalf("Create over Flask's live row = %v; want ErrConflict", err)
		}
		if err := s.Replace(ctx, "session:flask-live", rec, []byte("overwritten by Go"), time.Hour); err != nil {
			t.Fatalf("Replace over a Flask row: %v", err)
		}
		if rec, found, err := s.Load(ctx, "session:flask-live"); err != nil || !found || string(rec.Data) != "overwritten by Go" {
			t.Errorf("Load after Replace over a Flask row = (%q, %v, %v)", rec.Data, found, err)
		}
		// Flask-Session treats a row without expiry as expired; so does Create.
		if err := s.Create(ctx, "session:flask-null", []byte("new"), time.Hour); err != nil {
			t.Fatalf("Create over Flask's row without expiry: %v", err)
		}
		if rec, found, err := s.Load(ctx, "session:flask-null"); err != nil || !found || string(rec.Data) != "new" {
			t.Errorf("Load after Create over a row without expiry = (%q, %v, %v)", rec.Data, found, err)
		}
		if n, err := s.DeleteExpired(ctx); err != nil || n != 1 {
			t.Errorf("DeleteExpired = (%d, %v); want (1, nil): the expired row", n, err)
		}
		var count int64
		if err := db.Table(table).Count(&count).Error; err != nil || count != 3 {
			t.Errorf("rows left = %d (err %v); want 3", count, err)
		}

		flaskStatementsOnMigratedTable(t, ctx, d, s)
	})
}

// flaskStatementsOnMigratedTable runs, on a table New migrated, the
// statements Flask-Session 0.8 sends through SQLAlchemy (its model knows
// id, session_id, data and expiry only), and checks that they work and
// keep the user index right: its INSERT leaves a row untied, its UPDATE
// (by primary key) keeps the row's tie, and its DELETE takes the entry
// along.
func flaskStatementsOnMigratedTable(t *testing.T, ctx context.Context, d dialect, s *Store) {
	t.Helper()
	db, q := s.db, s.quoted
	record := []byte("\x81\xa4user\xa5alice")
	// Session.add + commit of a new session.
	insert := fmt.Sprintf("INSERT INTO %s (session_id, data, expiry) VALUES (?, ?, %s)", q, flaskExpiry(d.engine, time.Hour))
	if err := db.Exec(insert, "session:flask-new", record).Error; err != nil {
		t.Fatalf("Flask's INSERT on the migrated table: %v", err)
	}
	if u := rowUser(t, s, "session:flask-new"); u != "<nil>" {
		t.Errorf("a row Flask inserted has user_id %s; want <nil>: untied", u)
	}
	// The query Flask's open_session sends.
	var (
		id   int64
		sid  string
		data []byte
	)
	sel := "SELECT " + q + ".id AS sessions_id, " + q + ".session_id AS sessions_session_id, " + q + ".data AS sessions_data, " +
		q + ".expiry AS sessions_expiry FROM " + q + " WHERE " + q + ".session_id = ? LIMIT ?"
	rows, err := db.Raw(sel, "session:flask-new", 1).Rows()
	if err != nil {
		t.Fatalf("Flask's SELECT on the migrated table: %v", err)
	}
	var exp any
	for rows.Next() {
		if err := rows.Scan(&id, &sid, &data, &exp); err != nil {
			t.Fatalf("scan Flask's SELECT: %v", err)
		}
	}
	rows.Close()
	if sid != "session:flask-new" || !bytes.Equal(data, record) {
		t.Fatalf("Flask's SELECT read (%q, %x); want (session:flask-new, %x)", sid, data, record)
	}

	// Go ties the row; Flask rewrites it by primary key, as SQLAlchemy
	// flushes a changed object; the tie stays.
	if err := s.Tie(ctx, "alice", "session:flask-new", time.Hour); err != nil {
		t.Fatalf("Tie of a row Flask inserted: %v", err)
	}
	update := fmt.Sprintf("UPDATE %s SET data=?, expiry=%s WHERE %s.id = ?", q, flaskExpiry(d.engine, 2*time.Hour), q)
	if res := db.Exec(update, []byte("rewritten by Flask"), id); res.Error != nil || res.RowsAffected != 1 {
		t.Fatalf("Flask's UPDATE on the migrated table = (%d rows, %v); want 1 row", res.RowsAffected, res.Error)
	}
	recs, err := s.UserRecords(ctx, "alice")
	if err != nil || len(recs) != 1 || recs[0].Key != "session:flask-new" || string(recs[0].Record.Data) != "rewritten by Flask" {
		t.Fatalf("UserRecords(alice) after Flask's UPDATE = (%v, %v); want the row, with Flask's data", recs, err)
	}
	if left := time.Until(recs[0].Expires); left < 2*time.Hour-time.Minute || left > 2*time.Hour+time.Minute {
		t.Errorf("UserRecords(alice) after Flask's UPDATE: Expires %v is %v away; want Flask's expiry, 2h away", recs[0].Expires, left)
	}

	// Flask's delete_session.
	if err := db.Exec("DELETE FROM "+q+" WHERE "+q+".session_id = ?", "session:flask-new").Error; err != nil {
		t.Fatalf("Flask's DELETE on the migrated table: %v", err)
	}
	if recs, err := s.UserRecords(ctx, "alice"); err != nil || len(recs) != 0 {
		t.Errorf("UserRecords(alice) after Flask's DELETE = (%v, %v); want none", recs, err)
	}
}

// userColumnTypes is what columnTypes shows of the user index's column.
func userColumnTypes(engine string) string {
	if engine == "mysql" {
		return "user_id:varbinary "
	}
	return "user_id:varchar "
}

// checkUserIndexes checks, through gorm's migrator rather than the store's
// own lookups, that table has an index on user_id named after the table
// (TestLongTableNames checks the names), and no other index on a user
// column.
func checkUserIndexes(t *testing.T, db *gorm.DB, table string) {
	t.Helper()
	checkIndexes(t, db, table, map[string]string{userIndexName(table): "user_id"})
}

// checkIndexes checks, through gorm's migrator, that the indexes of table
// on user_id or next_user_id are exactly want, index name to column.
func checkIndexes(t *testing.T, db *gorm.DB, table string, want map[string]string) {
	t.Helper()
	indexes, err := db.Migrator().GetIndexes(table)
	if err != nil {
		t.Fatalf("the indexes of %s: %v", table, err)
	}
	found := map[string]bool{}
	for _, idx := range indexes {
		cols := idx.Columns()
		col, ok := want[idx.Name()]
		if !ok {
			if slices.Contains(cols, "user_id") || slices.Contains(cols, "next_user_id") {
				t.Errorf("table %s has an index %s on %v; want none but %v", table, idx.Name(), cols, want)
			}
			continue
		}
		found[idx.Name()] = true
		if len(cols) != 1 || cols[0] != col {
			t.Errorf("index %s of %s is on %v; want [%s]", idx.Name(), table, cols, col)
		}
	}
	for name, col := range want {
		if !found[name] {
			t.Errorf("table %s has no index %s on %s", table, name, col)
		}
	}
}

// TestNewCreatesTable checks the table New creates: Flask-Session's columns,
// and a second New on it is harmless.
func TestNewCreatesTable(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d dialect) {
		db := d.open(t)
		var logged bytes.Buffer
		s := newTestStore(t, db, WithLogger(slog.New(slog.NewTextHandler(&logged, nil))))
		if _, err := New(db, WithTableName(s.table), WithLogger(slog.New(slog.NewTextHandler(&logged, nil)))); err != nil {
			t.Fatalf("second New: %v", err)
		}
		if logged.Len() > 0 {
			t.Errorf("New on its own table logged %q", logged.String())
		}
		got := columnTypes(t, db, s.table)
		for _, col := range []string{"id", "session_id", "data", "expiry", "user_id"} {
			if !strings.Contains(got, col+":") {
				t.Errorf("table lacks column %s: %s", col, got)
			}
		}
		if strings.Contains(got, "next_user_id") {
			t.Errorf("table has a next_user_id column, which the store does not use: %s", got)
		}
		checkUserIndexes(t, db, s.table)
		t.Logf("columns: %s", got)
	})
}

// TestConcurrentNew runs New on one new table from several goroutines at
// once, as several processes starting together would: every New succeeds.
func TestConcurrentNew(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d dialect) {
		db := d.open(t)
		table := tableName(t)
		dropOnCleanup(t, db, table)
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				if _, err := New(db, WithTableName(table), WithLogger(testLogger(t))); err != nil {
					t.Errorf("New: %v", err)
				}
			})
		}
		wg.Wait()
	})
}

func TestNewRejects(t *testing.T) {
	if _, err := New(nil); err == nil {
		t.Error("New(nil) returned no error")
	}
	db := openSQLite(t)
	for _, name := range []string{"", "a b", "x;DROP TABLE y", "1abc", `a"b`, "a.b.c", "ab.", strings.Repeat("a", 64)} {
		if _, err := New(db, WithTableName(name)); err == nil {
			t.Errorf("New with table name %q returned no error", name)
		}
	}
	if !validTableName("app.sessions") || !validTableName("Sessions_2") {
		t.Error("validTableName rejects good names")
	}
	// A table without the store's columns is reported, not altered.
	if err := db.Exec("CREATE TABLE other (id INTEGER PRIMARY KEY, payload BLOB)").Error; err != nil {
		t.Fatal(err)
	}
	_, err := New(db, WithTableName("other"))
	if err == nil || !strings.Contains(err.Error(), "session_id, data and expiry") {
		t.Errorf("New on a table of another shape returned %v; want an error naming the columns", err)
	}
}

// columnTypes describes table's columns as "name:type" pairs, in order.
func columnTypes(t *testing.T, db *gorm.DB, table string) string {
	t.Helper()
	cols, err := db.Migrator().ColumnTypes(table)
	if err != nil {
		t.Fatalf("column types of %s: %v", table, err)
	}
	var b strings.Builder
	for _, c := range cols {
		fmt.Fprintf(&b, "%s:%s ", c.Name(), strings.ToLower(c.DatabaseTypeName()))
	}
	return b.String()
}

// earlierDDL is the CREATE TABLE of the table an earlier version of this
// package created, with a second user column, next_user_id (%s is the
// quoted table name); earlierIndexes creates its two indexes.
var earlierDDL = map[string]string{
	"sqlite": `CREATE TABLE %s (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	session_id VARCHAR(255) UNIQUE,
	data BLOB,
	expiry DATETIME,
	user_id VARCHAR(255),
	next_user_id VARCHAR(255)
)`,
	"postgres": `CREATE TABLE %s (
	id SERIAL PRIMARY KEY,
	session_id VARCHAR(255) UNIQUE,
	data BYTEA,
	expiry TIMESTAMP WITHOUT TIME ZONE,
	user_id VARCHAR(255),
	next_user_id VARCHAR(255)
)`,
	"mysql": `CREATE TABLE %s (
	id INTEGER NOT NULL AUTO_INCREMENT PRIMARY KEY,
	session_id VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin UNIQUE,
	data LONGBLOB,
	expiry DATETIME,
	user_id VARBINARY(255) NULL,
	next_user_id VARBINARY(255) NULL
)`,
}

// earlierIndexes creates the indexes the earlier version created on
// table's user_id and next_user_id, and returns them, name to column.
func earlierIndexes(t *testing.T, db *gorm.DB, engine, table string) map[string]string {
	t.Helper()
	want := map[string]string{
		table + "_user_id_idx":      "user_id",
		table + "_next_user_id_idx": "next_user_id",
	}
	for name, col := range want {
		q := "CREATE INDEX " + quoteTable(db, name) + " ON " + quoteTable(db, table) + " (" + col + ")"
		if engine != "mysql" {
			q += " WHERE " + col + " IS NOT NULL"
		}
		if err := db.Exec(q).Error; err != nil {
			t.Fatalf("create the index %s: %v", name, err)
		}
	}
	return want
}

// rowUsers returns the user_id and next_user_id of the row of key, as
// "user_id next_user_id" with <nil> for NULL.
func rowUsers(t *testing.T, s *Store, key string) string {
	t.Helper()
	var u, n sql.NullString
	err := s.db.Raw("SELECT user_id, next_user_id FROM "+s.quoted+" WHERE session_id = ?", key).Row().Scan(&u, &n)
	if err != nil {
		t.Fatalf("read the users of %q: %v", key, err)
	}
	show := func(v sql.NullString) string {
		if !v.Valid {
			return "<nil>"
		}
		return v.String
	}
	return show(u) + " " + show(n)
}

// TestTableWithNextUserID runs New on a table that an earlier version of
// this package created, with a second user column next_user_id and an
// index on it: New sends no DDL but its CREATE TABLE IF NOT EXISTS and
// changes no column or index, and the store works on the table, reading
// and writing user_id only and leaving next_user_id as it finds it.
func TestTableWithNextUserID(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d dialect) {
		db := d.open(t)
		table := tableName(t)[:11] + "_earlier" // short enough for the index names, unhashed
		quoted := quoteTable(db, table)
		dropOnCleanup(t, db, table)
		if err := db.Exec(fmt.Sprintf(earlierDDL[d.engine], quoted)).Error; err != nil {
			t.Fatalf("create the earlier version's table: %v", err)
		}
		indexes := earlierIndexes(t, db, d.engine, table)
		hour, past := time.Now().UTC().Add(time.Hour), time.Now().UTC().Add(-time.Minute)
		for _, r := range []struct {
			key        string
			user, next any
			exp        time.Time
		}{
			{"live", "alice", "bob", hour},      // moving from alice to bob
			{"expired", "alice", "carol", past}, // an expired row of alice's
			{"next", nil, "alice", hour},        // alice in next_user_id only
		} {
			err := db.Exec("INSERT INTO "+quoted+" (session_id, data, expiry, user_id, next_user_id) VALUES (?, ?, ?, ?, ?)",
				r.key, []byte("v"), r.exp, r.user, r.next).Error
			if err != nil {
				t.Fatalf("insert %s: %v", r.key, err)
			}
		}
		before := columnTypes(t, db, table)

		pool := &countingPool{ConnPool: db.Statement.ConnPool}
		db.Statement.ConnPool = pool
		s, err := New(db, WithTableName(table), WithLogger(testLogger(t)))
		db.Statement.ConnPool = pool.ConnPool
		if err != nil {
			t.Fatalf("New on the earlier version's table: %v", err)
		}
		creates := 0
		for _, stmt := range pool.take() {
			switch strings.ToUpper(stmt) {
			case "CREATE":
				creates++
			case "ALTER", "DROP":
				t.Errorf("New on the earlier version's table sent %s", stmt)
			}
		}
		if creates != 1 {
			t.Errorf("New on the earlier version's table sent %d CREATE statements; want 1, the CREATE TABLE IF NOT EXISTS", creates)
		}
		if after := columnTypes(t, db, table); after != before {
			t.Errorf("New changed the earlier version's table:\nbefore %s\nafter  %s", before, after)
		}
		checkIndexes(t, db, table, indexes)

		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		step := func(what string, err error, key, want string) {
			t.Helper()
			if err != nil {
				t.Fatalf("%s: %v", what, err)
			}
			if got := rowUsers(t, s, key); got != want {
				t.Errorf("after %s, the users of %s = %s; want %s", what, key, got, want)
			}
		}
		if got := listedKeys(t, ctx, s, "alice"); got != "live" {
			t.Errorf("UserRecords(alice) = [%s]; want [live]: user_id only", got)
		}
		step("UserRecords(alice)", nil, "expired", "<nil> carol")
		if got := listedKeys(t, ctx, s, "bob"); got != "" {
			t.Errorf("UserRecords(bob) = [%s]; want none: next_user_id is not read", got)
		}
		step("Tie(bob, live)", s.Tie(ctx, "bob", "live", time.Hour), "live", "bob bob")
		step("Untie(alice, live)", s.Untie(ctx, "alice", "live"), "live", "bob bob")
		if got := listedKeys(t, ctx, s, "bob"); got != "live" {
			t.Errorf("UserRecords(bob) after the move = [%s]; want [live]", got)
		}
		step("Untie(bob, live)", s.Untie(ctx, "bob", "live"), "live", "<nil> bob")
		step("Tie(dave, next)", s.Tie(ctx, "dave", "next", time.Hour), "next", "dave alice")
		step("Create over the expired row", s.Create(ctx, "expired", []byte("new"), time.Hour), "expired", "<nil> carol")
		step("Create", s.Create(ctx, "new", []byte("new"), time.Hour), "new", "<nil> <nil>")
		if n := indexEntries(t, s, "dave"); n != 1 {
			t.Errorf("IndexEntries(dave) = %d; want 1", n)
		}
	})
}
