package gormstore

import (
	"context"
	"errors"
	"strings"
	"time"
)

// maxAttempts bounds how often a statement is tried when the database
// aborts it as a deadlock victim.
const maxAttempts = 5

// retry runs op, and runs it again while the database reports that it
// rolled the statement back to break a deadlock (SQLSTATE 40001 or 40P01).
// InnoDB does this to an INSERT … ON DUPLICATE KEY UPDATE racing a DELETE of
// a neighbouring key, because of gap locks; MySQL's documentation asks
// applications to retry. Each store operation is a single autocommit
// statement, so running it again is safe. Waits between attempts are short
// and end early when ctx does.
func retry(ctx context.Context, op func() error) error {
	wait := time.Millisecond
	for attempt := 1; ; attempt++ {
		err := op()
		if err == nil || attempt == maxAttempts || !isDeadlock(err) {
			return err
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
		wait *= 3
	}
}

// sqlStater is implemented by pgx's *pgconn.PgError.
type sqlStater interface{ SQLState() string }

// isDeadlock reports whether err says the statement was rolled back as a
// deadlock victim or a serialization failure. go-sql-driver/mysql's
// MySQLError has no method for its SQLSTATE, so for MySQL the message is
// matched ("Error 1213 (40001): Deadlock found …"); importing that driver
// here would register it in every program that uses this package.
func isDeadlock(err error) bool {
	var s sqlStater
	if errors.As(err, &s) {
		code := s.SQLState()
		return code == "40001" || code == "40P01"
	}
	msg := err.Error()
	return strings.Contains(msg, "Error 1213") || strings.Contains(msg, "(40001)")
}
