package gormstore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"
)

// rowUser returns the user_id of the row of key, <nil> for NULL.
func rowUser(t *testing.T, s *Store, key string) string {
	t.Helper()
	var u sql.NullString
	if err := s.db.Raw("SELECT user_id FROM "+s.quoted+" WHERE session_id = ?", key).Row().Scan(&u); err != nil {
		t.Fatalf("read the user of %q: %v", key, err)
	}
	if !u.Valid {
		return "<nil>"
	}
	return u.String
}

// setRowUser sets the user_id and the expiry of the row of key directly
// (nil for NULL).
func setRowUser(t *testing.T, s *Store, key string, user any, exp time.Time) {
	t.Helper()
	err := s.db.Exec("UPDATE "+s.quoted+" SET user_id = ?, expiry = ? WHERE session_id = ?", user, exp.UTC(), key).Error
	if err != nil {
		t.Fatalf("set the user of %q: %v", key, err)
	}
}

// listedKeys returns the keys UserRecords(user) returns, sorted.
func listedKeys(t *testing.T, ctx context.Context, s *Store, user string) string {
	t.Helper()
	recs, err := s.UserRecords(ctx, user)
	if err != nil {
		t.Fatalf("UserRecords(%q): %v", user, err)
	}
	var keys []string
	for _, r := range recs {
		keys = append(keys, r.Key)
	}
	if len(keys) > 1 && keys[0] > keys[1] {
		keys[0], keys[1] = keys[1], keys[0]
	}
	return strings.Join(keys, " ")
}

// TestTieColumn checks what Tie and Untie leave in user_id: Tie puts its
// user there, over another (the lifecycle's move), and Untie clears it
// only if it holds Untie's user, so that the Untie of the old user after a
// move leaves the new one.
func TestTieColumn(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d dialect) {
		s := newTestStore(t, d.open(t))
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := s.Create(ctx, "k", []byte("v"), time.Hour); err != nil {
			t.Fatal(err)
		}
		tie := func(u string) {
			t.Helper()
			if err := s.Tie(ctx, u, "k", time.Hour); err != nil {
				t.Fatalf("Tie(%s): %v", u, err)
			}
		}
		untie := func(u string) {
			t.Helper()
			if err := s.Untie(ctx, u, "k"); err != nil {
				t.Fatalf("Untie(%s): %v", u, err)
			}
		}
		for _, step := range []struct {
			op, user, want string
		}{
			{"tie", "alice", "alice"},
			{"tie", "alice", "alice"},
			{"tie", "bob", "bob"},     // moving from alice to bob
			{"untie", "alice", "bob"}, // the move is done
			{"untie", "carol", "bob"},
			{"tie", "alice", "alice"}, // and back
			{"untie", "bob", "alice"},
			{"untie", "alice", "<nil>"},
			{"untie", "alice", "<nil>"},
			{"tie", "carol", "carol"},
		} {
			if step.op == "tie" {
				tie(step.user)
			} else {
				untie(step.user)
			}
			if got := rowUser(t, s, "k"); got != step.want {
				t.Fatalf("after %s(%s), user_id = %s; want %s", step.op, step.user, got, step.want)
			}
		}
	})
}

// TestCreateOverExpiredUnties checks that a Create over an expired row, or
// over a row without an expiry, clears user_id, and that a conflicting
// Create over a live row leaves it as it is.
func TestCreateOverExpiredUnties(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d dialect) {
		s := newTestStore(t, d.open(t))
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()

		past := time.Now().Add(-time.Minute)
		insertRow(t, s, "expired", []byte("old"), &past)
		setRowUser(t, s, "expired", "alice", past)
		insertRow(t, s, "null", []byte("old"), nil)
		if err := s.db.Exec("UPDATE " + s.quoted + " SET user_id = 'alice' WHERE session_id = 'null'").Error; err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{"expired", "null"} {
			if got := rowUser(t, s, k); got != "alice" {
				t.Fatalf("setup: user of %s = %s", k, got)
			}
			if err := s.Create(ctx, k, []byte("new"), time.Hour); err != nil {
				t.Fatalf("Create over the %s row: %v", k, err)
			}
			if got := rowUser(t, s, k); got != "<nil>" {
				t.Errorf("after Create over the %s row tied to alice, user_id = %s; want <nil>", k, got)
			}
		}
		if got := listedKeys(t, ctx, s, "alice"); got != "" {
			t.Errorf("UserRecords(alice) after the Creates = [%s]; want none", got)
		}

		// A live row keeps its users through a conflicting Create.
		if err := s.Tie(ctx, "alice", "expired", time.Hour); err != nil {
			t.Fatal(err)
		}
		checkConflict(t, "Create", "expired", s.Create(ctx, "expired", []byte("not written"), time.Hour))
		if got := rowUser(t, s, "expired"); got != "alice" {
			t.Errorf("after a conflicting Create over a tied live row, user_id = %s; want alice", got)
		}
	})
}

// TestTieLongUser checks that a user ID of 255 bytes is tied and listed,
// and a longer one is refused before it reaches the database, which
// could cut it short (MySQL outside strict mode).
func TestTieLongUser(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d dialect) {
		s := newTestStore(t, d.open(t))
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := s.Create(ctx, "k", []byte("v"), time.Hour); err != nil {
			t.Fatal(err)
		}
		long := strings.Repeat("ü", 127) + "x" // 255 bytes
		if err := s.Tie(ctx, long, "k", time.Hour); err != nil {
			t.Fatalf("Tie of a %d-byte user: %v", len(long), err)
		}
		if got := listedKeys(t, ctx, s, long); got != "k" {
			t.Errorf("UserRecords of a %d-byte user = [%s]; want [k]", len(long), got)
		}
		if got := listedKeys(t, ctx, s, long[:len(long)-1]); got != "" {
			t.Errorf("UserRecords of the same user one byte shorter = [%s]; want none", got)
		}
		if err := s.Tie(ctx, long+"y", "k", time.Hour); err == nil || !strings.Contains(err.Error(), "256 bytes") {
			t.Errorf("Tie of a 256-byte user = %v; want an error saying how long it is", err)
		}
		if got := rowUser(t, s, "k"); got != long {
			t.Errorf("after the refused Tie, user_id = %s; want the 255-byte user", got)
		}
	})
}

// TestUserIndexStatements checks the statements of Tie, Untie and
// UserRecords: one each, and a second for a UserRecords that finds an
// expired row, which it unties.
func TestUserIndexStatements(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d dialect) {
		db := d.open(t)
		pool := &countingPool{ConnPool: db.Statement.ConnPool}
		db.Statement.ConnPool = pool
		s := newTestStore(t, db)
		t.Cleanup(func() { db.Statement.ConnPool = pool.ConnPool })
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := s.Create(ctx, "k", []byte("v"), time.Hour); err != nil {
			t.Fatal(err)
		}
		if err := s.Create(ctx, "old", []byte("v"), time.Hour); err != nil {
			t.Fatal(err)
		}
		pool.take()
		for _, c := range []struct {
			op   string
			want string
			run  func() error
		}{
			{"Tie", "UPDATE", func() error { return s.Tie(ctx, "u", "k", time.Hour) }},
			{"Tie (again)", "UPDATE", func() error { return s.Tie(ctx, "u", "k", time.Hour) }},
			{"Tie (missing)", "UPDATE", func() error { return s.Tie(ctx, "u", "missing", time.Hour) }},
			{"UserRecords", "SELECT", func() error { _, err := s.UserRecords(ctx, "u"); return err }},
			{"UserRecords (none)", "SELECT", func() error { _, err := s.UserRecords(ctx, "nobody"); return err }},
			{"Untie", "UPDATE", func() error { return s.Untie(ctx, "u", "k") }},
			{"Untie (not tied)", "UPDATE", func() error { return s.Untie(ctx, "u", "k") }},
			{"UserRecords (an expired row)", "SELECT UPDATE", func() error {
				if err := s.Tie(ctx, "u", "old", time.Hour); err != nil {
					return err
				}
				setRowUser(t, s, "old", "u", time.Now().Add(-time.Minute))
				pool.take()
				_, err := s.UserRecords(ctx, "u")
				return err
			}},
			{"UserRecords (after the untie of the expired row)", "SELECT", func() error { _, err := s.UserRecords(ctx, "u"); return err }},
		} {
			if err := c.run(); err != nil {
				t.Fatalf("%s: %v", c.op, err)
			}
			if got := strings.Join(pool.take(), " "); got != c.want {
				t.Errorf("%s sent [%s]; want [%s]", c.op, got, c.want)
			}
		}
		if got := rowUser(t, s, "old"); got != "<nil>" {
			t.Errorf("after UserRecords found the expired row, its user_id = %s; want <nil>", got)
		}
	})
}

// TestUserIndexUsesIndexes checks, with the database's own EXPLAIN, that
// the statements of Tie, Untie and UserRecords find their rows through the
// index on user_id (and, for Tie, session_id's), not by a scan.
// PostgreSQL is asked to avoid sequential scans, which it would rightly
// prefer on a table this small, so that a plan without the indexes shows
// that they cannot serve the statement; MySQL is asked which indexes it
// could use.
func TestUserIndexUsesIndexes(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d dialect) {
		db := d.open(t)
		s := newTestStore(t, db)
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		for i := range 50 {
			k := fmt.Sprintf("k%d", i)
			if err := s.Create(ctx, k, []byte("v"), time.Hour); err != nil {
				t.Fatal(err)
			}
			if err := s.Tie(ctx, fmt.Sprintf("u%d", i%10), k, time.Hour); err != nil {
				t.Fatal(err)
			}
		}
		if d.engine == "postgres" {
			if err := db.Exec("ANALYZE " + s.quoted).Error; err != nil {
				t.Fatal(err)
			}
		}
		userIdx := userIndexName(s.table)
		args := namedArgs("u3", "k3", time.Now().UTC())
		for _, c := range []struct {
			op, sql string
			want    []string
		}{
			{"Tie", s.tie, []string{userIdx, "session_id"}},
			{"Untie", s.untie, []string{userIdx}},
			{"UserRecords", s.userRecords, []string{userIdx}},
			{"UserRecords' untie of expired rows", s.untieExpired, []string{userIdx}},
		} {
			plan := explain(t, db, d.engine, c.sql, args)
			t.Logf("%s:\n%s", c.op, plan)
			for _, w := range c.want {
				if !strings.Contains(plan, w) {
					t.Errorf("the plan of %s does not use the index %s:\n%s", c.op, w, plan)
				}
			}
			if d.engine == "sqlite" && strings.Contains(plan, "SCAN") {
				t.Errorf("the plan of %s scans the table:\n%s", c.op, plan)
			}
		}
	})
}

// explain returns the database's plan for the statement q, as text.
func explain(t *testing.T, db *gorm.DB, engine, q string, args map[string]any) string {
	t.Helper()
	var plan strings.Builder
	err := db.Transaction(func(tx *gorm.DB) error {
		prefix := "EXPLAIN "
		switch engine {
		case "sqlite":
			prefix = "EXPLAIN QUERY PLAN "
		case "postgres":
			if err := tx.Exec("SET LOCAL enable_seqscan = off").Error; err != nil {
				return err
			}
		}
		rows, err := tx.Raw(prefix+q, args).Rows()
		if err != nil {
			return err
		}
		defer rows.Close()
		cols, err := rows.Columns()
		if err != nil {
			return err
		}
		for rows.Next() {
			vals := make([]sql.NullString, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				return err
			}
			for i, v := range vals {
				// MySQL: which indexes the optimizer may use, and uses.
				if engine != "mysql" || cols[i] == "possible_keys" || cols[i] == "key" || cols[i] == "type" {
					fmt.Fprintf(&plan, "%s=%s ", cols[i], v.String)
				}
			}
			plan.WriteByte('\n')
		}
		return rows.Err()
	})
	if err != nil {
		t.Fatalf("EXPLAIN %s: %v", q, err)
	}
	return plan.String()
}

// TestMigrateFlaskTableConcurrently runs New on one Flask-Session table
// from several goroutines at once, as processes deployed together would:
// every New succeeds, and the table ends up with the user index's column
// and index once.
func TestMigrateFlaskTableConcurrently(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d dialect) {
		db := d.open(t)
		table := tableName(t)
		dropOnCleanup(t, db, table)
		if err := db.Exec(fmt.Sprintf(flaskDDL[d.engine], quoteTable(db, table))).Error; err != nil {
			t.Fatalf("create Flask-Session's table: %v", err)
		}
		before := columnTypes(t, db, table)
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				if _, err := New(db, WithTableName(table), WithLogger(testLogger(t))); err != nil {
					t.Errorf("New: %v", err)
				}
			})
		}
		wg.Wait()
		if after, want := columnTypes(t, db, table), before+userColumnTypes(d.engine); after != want {
			t.Errorf("after concurrent migrations, columns %s; want %s", after, want)
		}
		checkUserIndexes(t, db, table)
	})
}

// TestQualifiedTableName checks the migration and the user index on a
// table named with its schema (PostgreSQL, SQLite's "main") or database
// (MySQL): the index is created where the table is, under the table's own
// name.
func TestQualifiedTableName(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d dialect) {
		db := d.open(t)
		table := tableName(t)
		dropOnCleanup(t, db, table)
		schema := "main"
		switch d.engine {
		case "postgres":
			schema = "public"
		case "mysql":
			if err := db.Raw("SELECT DATABASE()").Row().Scan(&schema); err != nil {
				t.Fatal(err)
			}
		}
		// A Flask-Session table, migrated under the qualified name.
		if err := db.Exec(fmt.Sprintf(flaskDDL[d.engine], quoteTable(db, table))).Error; err != nil {
			t.Fatalf("create Flask-Session's table: %v", err)
		}
		s, err := New(db, WithTableName(schema+"."+table), WithLogger(testLogger(t)))
		if err != nil {
			t.Fatalf("New with table %s.%s: %v", schema, table, err)
		}
		if _, err := New(db, WithTableName(schema+"."+table), WithLogger(testLogger(t))); err != nil {
			t.Fatalf("second New with table %s.%s: %v", schema, table, err)
		}
		checkUserIndexes(t, db, table)
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := s.Create(ctx, "k", []byte("v"), time.Hour); err != nil {
			t.Fatal(err)
		}
		if err := s.Tie(ctx, "u", "k", time.Hour); err != nil {
			t.Fatal(err)
		}
		if got := listedKeys(t, ctx, s, "u"); got != "k" {
			t.Errorf("UserRecords(u) = [%s]; want [k]", got)
		}
	})
}

// TestLongTableNames checks that two tables whose names are as long as
// PostgreSQL allows and differ only at the end get an index of their own,
// which PostgreSQL's truncation of long names would otherwise merge into
// one name (and, with IF NOT EXISTS, one table without its index).
func TestLongTableNames(t *testing.T) {
	prefix := tableName(t)[:11] // "gs_" and random hex, so that concurrent runs do not share tables
	a := prefix + strings.Repeat("x", 63-len(prefix)-1) + "a"
	b := prefix + strings.Repeat("x", 63-len(prefix)-1) + "b"
	na, nb := userIndexName(a), userIndexName(b)
	if len(na) > 63 || len(nb) > 63 || na == nb {
		t.Errorf("userIndexName = %q and %q; want two names of at most 63 bytes", na, nb)
	}
	if got := userIndexName("app." + a); got != na {
		t.Errorf("userIndexName(app.%s) = %q; want %q, without the schema", a, got, na)
	}
	if got := userIndexName("sessions"); got != "sessions_user_id_idx" {
		t.Errorf("userIndexName(sessions) = %q; want sessions_user_id_idx", got)
	}
	forEachDialect(t, func(t *testing.T, d dialect) {
		db := d.open(t)
		for _, table := range []string{a, b} {
			dropOnCleanup(t, db, table)
			if err := db.Migrator().DropTable(table); err != nil {
				t.Fatal(err)
			}
		}
		for _, table := range []string{a, b} {
			if _, err := New(db, WithTableName(table), WithLogger(testLogger(t))); err != nil {
				t.Fatalf("New with a %d-byte table name: %v", len(table), err)
			}
		}
		for _, table := range []string{a, b} {
			if name := userIndexName(table); !db.Migrator().HasIndex(table, name) {
				t.Errorf("table %s has no index %s", table, name)
			}
		}
	})
}

// TestUserRecordsWithoutParseTime lists a user's sessions through a MySQL
// connection without parseTime, where the driver returns DATETIME as text.
func TestUserRecordsWithoutParseTime(t *testing.T) {
	cfg := mysqlConfig(t)
	openMySQL(t) // skips without the server
	cfg.ParseTime = false
	db := openMySQLDSN(t, cfg.FormatDSN())
	s := newTestStore(t, db)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := s.Create(ctx, "k", []byte("v"), time.Hour); err != nil {
		t.Fatal(err)
	}
	if err := s.Tie(ctx, "u", "k", time.Hour); err != nil {
		t.Fatal(err)
	}
	recs, err := s.UserRecords(ctx, "u")
	if err != nil || len(recs) != 1 {
		t.Fatalf("UserRecords = (%v, %v); want the record", recs, err)
	}
	if left := time.Until(recs[0].Expires); left < time.Hour-time.Minute || left > time.Hour+time.Minute {
		t.Errorf("Expires = %v, %v away; want about 1h", recs[0].Expires, left)
	}
}

func TestScannedTime(t *testing.T) {
	want := time.Date(2031, 2, 3, 4, 5, 6, 789000000, time.UTC)
	for _, v := range []any{
		want,
		want.In(time.FixedZone("UTC+14", 14*3600)),
		"2031-02-03 04:05:06.789",
		[]byte("2031-02-03 04:05:06.789000"),
		"2031-02-03T04:05:06.789Z",
		"2031-02-03 04:05:06.789+00:00",
		"2031-02-03 18:05:06.789+14:00",
	} {
		var st scannedTime
		if err := st.Scan(v); err != nil || !st.t.Equal(want) || st.t.Location() != time.UTC {
			t.Errorf("Scan(%v) = (%v, %v); want %v in UTC", v, st.t, err, want)
		}
	}
	var st scannedTime
	if err := st.Scan("2031-02-03 04:05:06"); err != nil || !st.t.Equal(want.Truncate(time.Second)) {
		t.Errorf("Scan of a whole second = (%v, %v)", st.t, err)
	}
	if err := st.Scan(nil); err != nil || !st.t.IsZero() {
		t.Errorf("Scan(nil) = (%v, %v); want the zero time", st.t, err)
	}
	for _, v := range []any{"soon", int64(42), 1.5} {
		if err := st.Scan(v); err == nil {
			t.Errorf("Scan(%v) returned no error", v)
		}
	}
}
