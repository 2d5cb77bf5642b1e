//go:build sqlite

package demo

import (
	"path/filepath"
	"time"

	"gorm.io/driver/sqlite"
	"gorm.io/gorm"

	"github.com/serversession/serversession/backends/gormstore"
	"github.com/serversession/serversession/sessions"
)

// The "sqlite" choice: gormstore on a SQLite file in the demo's folder.
// Its driver, gorm.io/driver/sqlite, is cgo go-sqlite3, so this file is
// built only with -tags sqlite (and cgo with a C compiler).
func init() {
	Stores["sqlite"] = func(dir string) (sessions.Store, func(), error) {
		db, err := gorm.Open(sqlite.Open(filepath.Join(dir, "sessions.db")), &gorm.Config{})
		if err != nil {
			return nil, nil, err
		}
		s, err := gormstore.New(db, gormstore.WithCleanupInterval(time.Hour))
		if err != nil {
			return nil, nil, err
		}
		return s, func() { s.Close() }, nil
	}
}
