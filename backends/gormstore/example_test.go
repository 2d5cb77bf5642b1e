package gormstore_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/serversession/serversession/backends/gormstore"
	"github.com/serversession/serversession/sessions"
)

// Example keeps sessions in an SQLite file, in Flask-Session's "sessions"
// table, with expired rows swept every ten minutes.
func Example() {
	dir, err := os.MkdirTemp("", "gormstore-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	// WAL and a busy timeout let concurrent requests write without
	// "database is locked" errors.
	dsn := "file:" + filepath.Join(dir, "sessions.db") + "?_busy_timeout=5000&_journal_mode=WAL"
	db, err := gorm.Open(sqlite.Open(dsn), &gorm.Config{Logger: logger.Discard})
	if err != nil {
		log.Fatal(err)
	}
	sqlDB, err := db.DB()
	if err != nil {
		log.Fatal(err)
	}
	defer sqlDB.Close()

	store, err := gormstore.New(db, gormstore.WithCleanupInterval(10*time.Minute))
	if err != nil {
		log.Fatal(err)
	}
	defer store.Close() // stops the sweep; the *gorm.DB stays yours

	// The session middleware makes these calls; here by hand, to show them.
	// Create writes only where no live session is, Replace only over the
	// record that was loaded.
	ctx := context.Background()
	const ttl = 31 * 24 * time.Hour
	if err := store.Create(ctx, "session:abc", []byte("record"), ttl); err != nil {
		log.Fatal(err)
	}
	rec, found, err := store.LoadTouch(ctx, "session:abc", ttl)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s %v\n", rec.Data, found)

	if err := store.Replace(ctx, "session:abc", rec, []byte("changed"), ttl); err != nil {
		log.Fatal(err)
	}
	// rec is stale now: a second Replace over it is refused.
	err = store.Replace(ctx, "session:abc", rec, []byte("lost update"), ttl)
	fmt.Println(errors.Is(err, sessions.ErrConflict))
	err = store.Create(ctx, "session:abc", []byte("lost update"), ttl)
	fmt.Println(errors.Is(err, sessions.ErrConflict))

	if err := store.Delete(ctx, "session:abc"); err != nil {
		log.Fatal(err)
	}
	_, found, err = store.Load(ctx, "session:abc")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(found)
	// Output:
	// record true
	// true
	// true
	// false
}
