package gormstore

import (
	"strings"
	"testing"
)

// On MySQL and MariaDB, New refuses an existing table its conditional
// writes cannot rely on: one without an AUTO_INCREMENT column (Create would
// report a conflict for its own insert), or with a text data column (a
// collation could make different records compare equal). Flask-Session's
// table has neither problem.
func TestNewRefusesMySQLTablesItCannotWriteSafely(t *testing.T) {
	db := openMySQL(t)
	for name, tc := range map[string]struct{ ddl, want string }{
		"no auto increment": {"CREATE TABLE %s (session_id VARCHAR(255) PRIMARY KEY, data LONGBLOB, expiry DATETIME)", "AUTO_INCREMENT"},
		"text data":         {"CREATE TABLE %s (id INT AUTO_INCREMENT PRIMARY KEY, session_id VARCHAR(255) UNIQUE, data TEXT, expiry DATETIME)", "must be binary"},
	} {
		t.Run(name, func(t *testing.T) {
			table := tableName(t)
			if err := db.Exec(strings.Replace(tc.ddl, "%s", table, 1)).Error; err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Exec("DROP TABLE IF EXISTS " + table) })
			if _, err := New(db, WithTableName(table)); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("New over a table with %s: error %v, want one saying %q", name, err, tc.want)
			}
		})
	}
}
