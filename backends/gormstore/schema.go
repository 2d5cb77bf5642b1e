package gormstore

import (
	"context"
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
var createTableSQL = map[string]string{
	"sqlite": `CREATE TABLE IF NOT EXISTS %s (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	session_id VARCHAR(255) UNIQUE,
	data BLOB,
	expiry DATETIME
)`,
	"postgres": `CREATE TABLE IF NOT EXISTS %s (
	id SERIAL PRIMARY KEY,
	session_id VARCHAR(255) UNIQUE,
	data BYTEA,
	expiry TIMESTAMP WITHOUT TIME ZONE
)`,
	"mysql": `CREATE TABLE IF NOT EXISTS %s (
	id INTEGER NOT NULL AUTO_INCREMENT PRIMARY KEY,
	session_id VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin UNIQUE,
	data LONGBLOB,
	expiry DATETIME
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

// migrate creates the table unless it exists, and checks that the table it
// finds has the columns the store uses. It never alters an existing table:
// it may be Flask-Session's, and Flask-Session may still be using it.
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
	if s.dialect == "mysql" {
		return s.checkMySQLColumns(ctx)
	}
	return nil
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
