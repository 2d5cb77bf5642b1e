package gormstore

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"gorm.io/gorm"

	"github.com/serversession/serversession/internal/retry"
	"github.com/serversession/serversession/internal/sweep"
	"github.com/serversession/serversession/sessions"
)

// Store keeps sessions in an SQL table through gorm. It is safe for
// concurrent use; it implements sessions.Store, sessions.LoadToucher and
// sessions.UserIndex.
type Store struct {
	db      *gorm.DB
	dialect string
	table   string // as configured
	quoted  string // quoted for the dialect

	logger       *slog.Logger
	cleanupEvery time.Duration

	// SQL built once by New, with the quoted table name.
	selectData    string // SELECT data … for Load
	updateExpiry  string // UPDATE … SET expiry for LoadTouch on MySQL
	updateData    string // UPDATE … RETURNING data for LoadTouch; "" where unsupported
	insert        string // INSERT … unless a live row is there, for Create
	replace       string // UPDATE … WHERE data = ? for Replace
	replaceEmpty  string // the same, where an empty old record may also be a NULL data
	deleteIf      string // DELETE … WHERE data = ? for DeleteIf
	deleteIfEmpty string // the same, where an empty old record may also be a NULL data
	matchesNew    string // SELECT 1 … for a MySQL Replace that changed no row
	tie           string // UPDATE … for Tie (see userindex.go)
	untie         string // UPDATE … for Untie
	untieExpired  string // UPDATE … for UserRecords, when it found expired rows
	userRecords   string // SELECT … WHERE user_id = ? for UserRecords

	sweeper *sweep.Sweeper // the background sweep; nil when there is none
}

var (
	_ sessions.Store       = (*Store)(nil)
	_ sessions.LoadToucher = (*Store)(nil)
	_ sessions.UserIndex   = (*Store)(nil)
)

// errNilDB is returned by New for a nil *gorm.DB.
var errNilDB = errors.New("gormstore: New: the *gorm.DB is nil; pass the handle gorm.Open returned")

// New returns a Store that keeps sessions in db, creating the table if it
// does not exist yet. An existing table, Flask-Session's included, is used
// as it is, except that New adds the nullable user_id column and its index
// if the table lacks them (see the package documentation). It supports
// gorm's sqlite, postgres and mysql dialects.
//
// With WithCleanupInterval, New also starts the background sweep; call
// Close to stop it.
func New(db *gorm.DB, opts ...Option) (*Store, error) {
	if db == nil {
		return nil, errNilDB
	}
	s := &Store{
		// Every operation is one statement: gorm's default transaction
		// around writes would add two round trips (BEGIN, COMMIT).
		// Its logger never shows parameters: they hold session IDs.
		db:     db.Session(&gorm.Session{SkipDefaultTransaction: true, NewDB: true, Logger: hideParams(db.Logger)}),
		table:  DefaultTableName,
		logger: slog.Default(),
	}
	for _, o := range opts {
		o(s)
	}
	if !validTableName(s.table) {
		return nil, fmt.Errorf("gormstore: table name %q is not a plain identifier (letters, digits, underscores; optionally schema.table)", s.table)
	}
	s.dialect = db.Dialector.Name()
	s.quoted = quoteTable(db, s.table)
	s.selectData = "SELECT data FROM " + s.quoted + " WHERE session_id = ? AND expiry > ? LIMIT 1"
	s.updateExpiry = "UPDATE " + s.quoted + " SET expiry = ? WHERE session_id = ? AND expiry > ?"
	if s.dialect == "postgres" || s.dialect == "sqlite" {
		s.updateData = "UPDATE " + s.quoted + " SET expiry = ? WHERE session_id = ? AND expiry > ? RETURNING data"
	}
	s.buildWrites()

	ctx := db.Statement.Context
	if ctx == nil {
		ctx = context.Background()
	}
	if err := s.migrate(ctx); err != nil {
		return nil, err
	}
	if s.cleanupEvery > 0 {
		s.sweeper = sweep.Start(s.cleanupEvery, s.sweepPass)
	}
	return s, nil
}

// Load returns the record stored under key, or found == false when there is
// none or it has expired. One round trip (SELECT).
func (s *Store) Load(ctx context.Context, key string) (sessions.Record, bool, error) {
	if err := ctx.Err(); err != nil {
		return sessions.Record{}, false, fmt.Errorf("gormstore: load %q: %w", key, err)
	}
	data, found, err := s.query(ctx, s.selectData, key, time.Now().UTC())
	if err != nil {
		return sessions.Record{}, false, fmt.Errorf("gormstore: load %q: %w", key, err)
	}
	return sessions.Record{Data: data}, found, nil
}

// LoadTouch returns the record stored under key and sets it to expire after
// ttl. On PostgreSQL and SQLite it is one round trip (UPDATE … RETURNING
// data). MySQL and MariaDB have no UPDATE … RETURNING, so there it is a
// SELECT followed, when the record is found, by an UPDATE of expiry. A
// missing or expired record is found == false and is not brought back.
func (s *Store) LoadTouch(ctx context.Context, key string, ttl time.Duration) (sessions.Record, bool, error) {
	if err := ctx.Err(); err != nil {
		return sessions.Record{}, false, fmt.Errorf("gormstore: load-touch %q: %w", key, err)
	}
	now := time.Now().UTC()
	var (
		data  []byte
		found bool
		err   error
	)
	if s.updateData == "" {
		data, found, err = s.query(ctx, s.selectData, key, now)
		if err == nil && found {
			err = s.touch(ctx, key, now, ttl)
		}
	} else {
		data, found, err = s.query(ctx, s.updateData, expiry(now, ttl), key, now)
	}
	if err != nil {
		return sessions.Record{}, false, fmt.Errorf("gormstore: load-touch %q: %w", key, err)
	}
	return sessions.Record{Data: data}, found, nil
}

// query runs a statement that returns the data column of at most one row.
func (s *Store) query(ctx context.Context, sql string, args ...any) ([]byte, bool, error) {
	var (
		data  []byte
		found bool
	)
	err := retry.Do(ctx, deadlockRetry, func() error {
		// Rows, not Scan: Scan logs through a recorder that bypasses the
		// logger's ParamsFilter, and so would log the session ID.
		rows, err := s.db.WithContext(ctx).Raw(sql, args...).Rows()
		if err != nil {
			return err
		}
		defer rows.Close()
		data, found = nil, rows.Next()
		if found {
			if err := rows.Scan(&data); err != nil {
				return err
			}
		}
		return rows.Err()
	})
	if err != nil || !found {
		return nil, false, err
	}
	if data == nil {
		return []byte{}, true, nil
	}
	return data, true, nil // database/sql copies what it scans into a []byte
}

// touch sets the record under key to expire after ttl without rewriting
// its data: one UPDATE of expiry, for LoadTouch where UPDATE … RETURNING is
// missing. A missing or expired record is left alone.
func (s *Store) touch(ctx context.Context, key string, now time.Time, ttl time.Duration) error {
	exp := expiry(now, ttl)
	return retry.Do(ctx, deadlockRetry, func() error {
		return s.db.WithContext(ctx).Exec(s.updateExpiry, exp, key, now).Error
	})
}

// Delete removes the record under key: one DELETE. A missing record is not
// an error.
func (s *Store) Delete(ctx context.Context, key string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("gormstore: delete %q: %w", key, err)
	}
	err := retry.Do(ctx, deadlockRetry, func() error {
		return s.db.WithContext(ctx).Exec("DELETE FROM "+s.quoted+" WHERE session_id = ?", key).Error
	})
	if err != nil {
		return fmt.Errorf("gormstore: delete %q: %w", key, err)
	}
	return nil
}

// expiry is the moment a record saved at now with ttl ends, in UTC and
// rounded up to a whole second. Flask-Session's tables hold expiry in a
// DATETIME without fractional seconds on MySQL, which MariaDB truncates;
// rounding up ourselves means every dialect and column precision stores the
// same moment, never one before now+ttl.
func expiry(now time.Time, ttl time.Duration) time.Time {
	exp := now.Add(ttl).UTC()
	if t := exp.Truncate(time.Second); t.Before(exp) {
		return t.Add(time.Second)
	}
	return exp
}
