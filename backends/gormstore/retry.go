package gormstore

import (
	"errors"
	"strings"
	"time"

	"github.com/serversession/serversession/internal/retry"
)

// deadlockRetry, for retry.Do, runs a statement again while the database
// reports that it rolled the statement back to break a deadlock (SQLSTATE
// 40001 or 40P01), up to five runs in all, waiting 1, 3, 9 and then 27 ms
// between them.
// InnoDB does this to an INSERT … ON DUPLICATE KEY UPDATE racing a DELETE of
// a neighbouring key, because of gap locks; MySQL's documentation asks
// applications to retry. Each store operation is a single autocommit
// statement, so running it again is safe. The waits end early when the
// context does.
var deadlockRetry = retry.Policy{
	Attempts: 5,
	Delay:    retry.Exponential(time.Millisecond, 3, 0),
	Retry:    isDeadlock,
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
