package gormstore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"strings"

	"gorm.io/gorm"
)

// createTableSQL is the CREATE TABLE IF NOT EXISTS statement for each
// dialect, with %s standing for the quoted table name. The shape is
// Flask-Session's (SQLAlchemy model: id Integer primary key, session_id
// String(255) unique, data LargeBinary, expiry DateTime), so that a Flask
// service can use a table that New created and the other way round. Two
// deliberate differences, both on MySQL/MariaDB: data is a LONGBLOB, where
// SQLAlchemy's BLOB stops at 64 KiB, and session_id compares bytes
// (utf8mb4_bin), where the server's default collation would make keys that
// differ only in case the same key. On SQLite id also autoincrements.
//
// user_id is the store's own column, for sessions.UserIndex (see
// userindex.go): the user a session is tied to, NULL for none.
// Flask-Session never names it, so its INSERTs leave it NULL and its
// UPDATEs leave it alone. A table created without it (Flask-Session's)
// gets it from migrateUserIndex. On MySQL it is VARBINARY, so that user
// IDs compare byte for byte: a VARCHAR's collation would ignore trailing
// spaces, even a _bin one.
var createTableSQL = map[string]string{
	"sqlite": `CREATE TABLE IF NOT EXISTS %s (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	session_id VARCHAR(255) UNIQUE,
	data BLOB,
	expiry DATETIME,
	user_id VARCHAR(255)
)`,
	"postgres": `CREATE TABLE IF NOT EXISTS %s (
	id SERIAL PRIMARY KEY,
	session_id VARCHAR(255) UNIQUE,
	data BYTEA,
	expiry TIMESTAMP WITHOUT TIME ZONE,
	user_id VARCHAR(255)
)`,
	"mysql": `CREATE TABLE IF NOT EXISTS %s (
	id INTEGER NOT NULL AUTO_INCREMENT PRIMARY KEY,
	session_id VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin UNIQUE,
	data LONGBLOB,
	expiry DATETIME,
	user_id VARBINARY(255) NULL
)`,
}

// validTableName reports whether name is an identifier, optionally
// qualified by a schema: letters, digits and underscores, not starting with
// a digit, at most 63 bytes a part (PostgreSQL's limit).
func validTableName(name string) bool {
	parts := strings.Split(name, ".")
	if len(parts) > 2 {
		return false
	}
	for _, p := range parts {
		if p == "" || len(p) > 63 || (p[0] >= '0' && p[0] <= '9') {
			return false
		}
		for i := 0; i < len(p); i++ {
			c := p[i]
			if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
				return false
			}
		}
	}
	return true
}

// migrate creates the table unless it exists, checks that the table it
// finds has the columns the store uses, and adds what the user index needs
// to a table that lacks it (see migrateUserIndex). It changes an existing
// table in that one way only: it may be Flask-Session's, and Flask-Session
// may still be using it.
func (s *Store) migrate(ctx context.Context) error {
	ddl, ok := createTableSQL[s.dialect]
	if !ok {
		return fmt.Errorf("gormstore: the %q dialect is not supported; use sqlite, postgres or mysql", s.dialect)
	}
	db := s.db.WithContext(ctx)
	if err := db.Exec(fmt.Sprintf(ddl, s.quoted)).Error; err != nil {
		// Two processes creating the table at once can make PostgreSQL
		// answer with a unique violation on its catalog even with IF NOT
		// EXISTS. The table is there then, and that is all we wanted.
		if ctx.Err() != nil || !db.Migrator().HasTable(s.table) {
			return fmt.Errorf("gormstore: create table %s: %w", s.table, err)
		}
	}
	if err := db.Exec("SELECT session_id, data, expiry FROM " + s.quoted + " WHERE 1 = 0").Error; err != nil {
		return fmt.Errorf("gormstore: table %s must have the columns session_id, data and expiry: %w", s.table, err)
	}
	if err := s.migrateUserIndex(ctx); err != nil {
		return err
	}
	if s.dialect == "mysql" {
		return s.checkMySQLColumns(ctx)
	}
	return nil
}

// userColumnType is the type of the user_id column for each dialect, as
// createTableSQL has it.
var userColumnType = map[string]string{
	"sqlite":   "VARCHAR(255)",
	"postgres": "VARCHAR(255)",
	"mysql":    "VARBINARY(255) NULL",
}

// migrateUserIndex adds the nullable column user_id to a table that lacks
// it (Flask-Session's), and an index on it named after the table
// (userIndexName). Each step looks first and changes nothing when the
// column or the index is there, so that a New on a migrated table takes no
// lock on it; several processes migrating at once are fine: a step that
// fails because another process just did it is checked again and passes.
// Other columns are left as they are: a next_user_id column, which an
// earlier version of this package added, is neither read nor written.
//
// The index is partial (WHERE user_id IS NOT NULL) on PostgreSQL and
// SQLite, so that the sessions of no user, usually most, cost it nothing;
// MySQL and MariaDB have no partial indexes, and index every row.
func (s *Store) migrateUserIndex(ctx context.Context) error {
	db := s.db.WithContext(ctx)
	has, err := s.hasColumn(ctx, "user_id")
	if err != nil {
		return fmt.Errorf("gormstore: table %s: looking for the user_id column: %w", s.table, err)
	}
	if !has {
		if err := db.Exec("ALTER TABLE " + s.quoted + " ADD COLUMN user_id " + userColumnType[s.dialect]).Error; err != nil {
			if has, herr := s.hasColumn(ctx, "user_id"); herr != nil || !has {
				return fmt.Errorf("gormstore: table %s: adding the user_id column: %w", s.table, err)
			}
		}
	}
	name := userIndexName(s.table)
	if has, err = s.hasIndex(ctx, name); err != nil {
		return fmt.Errorf("gormstore: table %s: looking for the index %s: %w", s.table, name, err)
	}
	if has {
		return nil
	}
	if err := db.Exec(s.createIndexSQL(name)).Error; err != nil {
		if has, herr := s.hasIndex(ctx, name); herr != nil || !has {
			return fmt.Errorf("gormstore: table %s: creating the index %s on user_id: %w", s.table, name, err)
		}
	}
	return nil
}

// createIndexSQL is the CREATE INDEX of migrateUserIndex for the index
// name on user_id.
func (s *Store) createIndexSQL(name string) string {
	schema, table, qualified := strings.Cut(s.table, ".")
	quote := func(name string) string { return quoteTable(s.db, name) }
	switch s.dialect {
	case "sqlite":
		// SQLite qualifies the index, not the table, with the schema.
		q := quote(name)
		if qualified {
			q = quote(schema) + "." + q
		} else {
			table = schema
		}
		return "CREATE INDEX IF NOT EXISTS " + q + " ON " + quote(table) + " (user_id) WHERE user_id IS NOT NULL"
	case "postgres":
		// PostgreSQL puts the index in the table's schema.
		return "CREATE INDEX IF NOT EXISTS " + quote(name) + " ON " + s.quoted + " (user_id) WHERE user_id IS NOT NULL"
	default:
		// MySQL has no IF NOT EXISTS here (MariaDB has).
		return "CREATE INDEX " + quote(name) + " ON " + s.quoted + " (user_id)"
	}
}

// hasColumn reports whether the table has the column col.
func (s *Store) hasColumn(ctx context.Context, col string) (bool, error) {
	db := s.db.WithContext(ctx)
	if s.dialect == "postgres" {
		// A catalog lookup, where the other dialects try a SELECT: a
		// statement that fails inside a transaction aborts it on
		// PostgreSQL. to_regclass resolves the name as the statements do.
		var n int64
		err := db.Raw("SELECT COUNT(*) FROM pg_attribute WHERE attrelid = to_regclass(?) AND attname = ? AND NOT attisdropped", s.quoted, col).Row().Scan(&n)
		return n > 0, err
	}
	if err := db.Exec("SELECT " + col + " FROM " + s.quoted + " WHERE 1 = 0").Error; err != nil {
		if ctx.Err() != nil {
			return false, ctx.Err()
		}
		return false, nil // the column is missing, or the database is away and ALTER TABLE will say so
	}
	return true, nil
}

// hasIndex reports whether the table has an index named name.
func (s *Store) hasIndex(ctx context.Context, name string) (bool, error) {
	var (
		q    string
		args []any
	)
	schema, table, qualified := strings.Cut(s.table, ".")
	if !qualified {
		schema, table = "", schema
	}
	switch s.dialect {
	case "sqlite":
		master := "sqlite_master"
		if qualified {
			master = quoteTable(s.db, schema) + ".sqlite_master"
		}
		q = "SELECT COUNT(*) FROM " + master + " WHERE type = 'index' AND name = ? AND tbl_name = ?"
		args = []any{name, table}
	case "postgres":
		q = "SELECT COUNT(*) FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid WHERE x.indrelid = to_regclass(?) AND i.relname = ?"
		args = []any{s.quoted, name}
	default:
		q = "SELECT COUNT(*) FROM information_schema.STATISTICS " +
			"WHERE TABLE_SCHEMA = COALESCE(NULLIF(?, ''), DATABASE()) AND TABLE_NAME = ? AND INDEX_NAME = ?"
		args = []any{schema, table, name}
	}
	var n int64
	err := s.db.WithContext(ctx).Raw(q, args...).Row().Scan(&n)
	return n > 0, err
}

// userIndexName is the name of the index on user_id of table: the table's
// own name (without its schema) and _user_id_idx, as PostgreSQL would name
// it. A name over 63 bytes, PostgreSQL's limit, which it would truncate so
// that two long table names could end up asking for one index, keeps the
// first part of the table name and a hash of all of it instead.
func userIndexName(table string) string {
	if _, t, ok := strings.Cut(table, "."); ok {
		table = t
	}
	const suffix = "_user_id_idx"
	if len(table)+len(suffix) <= 63 {
		return table + suffix
	}
	sum := sha256.Sum256([]byte(table))
	return table[:63-len(suffix)-9] + "_" + hex.EncodeToString(sum[:4]) + suffix
}

// checkMySQLColumns checks an existing MySQL table (Flask-Session's,
// typically). Two things the conditional writes rely on are required: an
// AUTO_INCREMENT column (Create tells its insert from a live row by the
// insert ID), and a binary data column (Replace and DeleteIf compare it
// byte for byte; a text column's collation could ignore case or trailing
// spaces). Two more are logged as warnings: a data column that cannot hold
// large sessions (SQLAlchemy's BLOB stops at 64 KiB), and a session_id
// whose collation ignores case, so that keys differing only in case are
// one key.
func (s *Store) checkMySQLColumns(ctx context.Context) error {
	var cols []struct {
		Name      string  `gorm:"column:COLUMN_NAME"`
		Type      string  `gorm:"column:DATA_TYPE"`
		Collation *string `gorm:"column:COLLATION_NAME"`
		Extra     string  `gorm:"column:EXTRA"`
	}
	schema, table, found := strings.Cut(s.table, ".")
	if !found {
		table = schema
		schema = ""
	}
	q := "SELECT COLUMN_NAME, DATA_TYPE, COLLATION_NAME, EXTRA FROM information_schema.COLUMNS " +
		"WHERE TABLE_SCHEMA = COALESCE(NULLIF(?, ''), DATABASE()) AND TABLE_NAME = ?"
	if err := s.db.WithContext(ctx).Raw(q, schema, table).Scan(&cols).Error; err != nil {
		return fmt.Errorf("gormstore: reading the columns of table %s: %w", s.table, err)
	}
	autoIncrement := false
	for _, c := range cols {
		if strings.Contains(strings.ToLower(c.Extra), "auto_increment") {
			autoIncrement = true
		}
		switch {
		case strings.EqualFold(c.Name, "data"):
			switch t := strings.ToLower(c.Type); t {
			case "blob", "tinyblob", "varbinary", "binary":
				s.logger.LogAttrs(ctx, slog.LevelWarn,
					"gormstore: the data column is a "+t+"; sessions over its size limit (64 KiB for a BLOB) will fail to save",
					slog.String("table", s.table),
					slog.String("fix", "ALTER TABLE "+s.table+" MODIFY data LONGBLOB"))
			case "mediumblob", "longblob":
			default:
				return fmt.Errorf("gormstore: table %s: the data column is a %s; it must be binary (LONGBLOB), so that records compare byte for byte: ALTER TABLE %s MODIFY data LONGBLOB", s.table, t, s.table)
			}
		case strings.EqualFold(c.Name, "session_id"):
			if c.Collation != nil && !strings.HasSuffix(strings.ToLower(*c.Collation), "_bin") {
				s.logger.LogAttrs(ctx, slog.LevelWarn,
					"gormstore: session_id has the case-insensitive collation "+*c.Collation+
						"; keys that differ only in case will be treated as one",
					slog.String("table", s.table),
					slog.String("fix", "ALTER TABLE "+s.table+" MODIFY session_id VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"))
			}
		}
	}
	if !autoIncrement {
		return fmt.Errorf("gormstore: table %s has no AUTO_INCREMENT column; on MySQL and MariaDB, Create tells its insert from an existing row by the insert ID: add one, as Flask-Session's table has (ALTER TABLE %s ADD id INT AUTO_INCREMENT UNIQUE)", s.table, s.table)
	}
	return nil
}

// quoteTable quotes name for db's dialect, schema and table apart.
func quoteTable(db *gorm.DB, name string) string {
	var b strings.Builder
	db.Dialector.QuoteTo(&b, name)
	return b.String()
}
