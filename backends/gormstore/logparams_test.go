package gormstore

import (
	"bytes"
	"context"
	"errors"
	"log"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/serversession/serversession/sessions"
)

// The application's gorm logger sees this store's SQL without its
// parameters: a session ID is a credential.
func TestLoggedSQLHidesSessionIDs(t *testing.T) {
	var buf bytes.Buffer
	l := logger.New(log.New(&buf, "", 0), logger.Config{LogLevel: logger.Info})
	db, err := gorm.Open(sqlite.Open(filepath.Join(t.TempDir(), "s.db")), &gorm.Config{Logger: l})
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(db)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	const key = "session:SECRET-session-id-0123456789abcdefghijklmn"
	ctx := context.Background()
	if err := s.Create(ctx, key, []byte("data"), time.Hour); err != nil {
		t.Fatal(err)
	}
	if err := s.Replace(ctx, key, sessions.Record{Data: []byte("data")}, []byte("new"), time.Hour); err != nil {
		t.Fatal(err)
	}
	// A conflict is not an error of the statement, and logs no parameter either.
	if err := s.Create(ctx, key, []byte("again"), time.Hour); !errors.Is(err, sessions.ErrConflict) {
		t.Fatalf("Create over a live row = %v; want ErrConflict", err)
	}
	if _, _, err := s.LoadTouch(ctx, key, time.Hour); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteIf(ctx, key, sessions.Record{Data: []byte("stale")}); !errors.Is(err, sessions.ErrConflict) {
		t.Fatalf("DeleteIf of a stale record = %v; want ErrConflict", err)
	}
	if err := s.DeleteIf(ctx, key, sessions.Record{Data: []byte("new")}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "session_id") {
		t.Fatalf("the SQL was not logged at all: %s", buf.String())
	}
	if strings.Contains(buf.String(), "SECRET") {
		t.Errorf("the logged SQL holds the session ID:\n%s", buf.String())
	}
}
