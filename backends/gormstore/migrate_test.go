package gormstore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
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
// migration must leave the table alone (a migration that tried to create
// the table again used to fail here in Flask-Session itself), and the store
// must read Flask's rows and write its own, conditionally.
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
		if after := columnTypes(t, db, table); after != before {
			t.Errorf("New changed the table:\nbefore %s\nafter  %s", before, after)
		}
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
	})
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
		for _, col := range []string{"id", "session_id", "data", "expiry"} {
			if !strings.Contains(got, col+":") {
				t.Errorf("table lacks column %s: %s", col, got)
			}
		}
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
