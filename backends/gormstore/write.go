package gormstore

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/serversession/serversession/internal/retry"
	"github.com/serversession/serversession/sessions"
)

// buildWrites builds the statements of Create, Replace and DeleteIf for
// s.dialect and s.quoted.
//
// Create is one INSERT that writes only where no live row is:
//
//   - PostgreSQL and SQLite: INSERT … ON CONFLICT (session_id) DO UPDATE
//     SET data = excluded.data, expiry = excluded.expiry, user_id = NULL
//     WHERE cur.expiry <= ? OR cur.expiry IS NULL (cur being the existing
//     row), which overwrites an expired row, untied from its user, and
//     leaves a live one alone; it affects one row, or none when a live row
//     is there.
//   - MySQL and MariaDB have no WHERE on ON DUPLICATE KEY UPDATE, so each
//     assignment keeps its column's value while the row is live:
//     data = IF(expiry > ? AND LAST_INSERT_ID(0) = 0, data, VALUES(data)),
//     then user_id = IF(expiry > ?, user_id, NULL), then
//     expiry = IF(expiry > ?, expiry, VALUES(expiry)). MySQL assigns left to
//     right and later assignments see the earlier ones, so expiry is
//     assigned last: every test sees the row's old expiry. The affected-rows
//     count is 1 for an insert and 2 for an overwrite; for a live row it is
//     0, or 1 when the client set CLIENT_FOUND_ROWS (go-sql-driver's
//     clientFoundRows=true), the same as an insert. LAST_INSERT_ID(0),
//     evaluated only for a live row, tells the two apart: after it the
//     statement's insert ID is 0, where an insert reports the new row's id.
//
// Replace is one UPDATE … SET data = ?, expiry = ? WHERE session_id = ? AND
// data = ? AND expiry > ?, on every dialect; it affects no row when the
// record changed, expired or was deleted. DeleteIf is one DELETE … WHERE
// session_id = ? AND data = ? AND expiry > ?, with the same condition. For
// an empty old record both test (data = ? OR data IS NULL) instead, since
// Load reports a NULL data as an empty record.
func (s *Store) buildWrites() {
	cols := " (session_id, data, expiry) VALUES (?, ?, ?)"
	switch s.dialect {
	case "mysql":
		s.insert = "INSERT INTO " + s.quoted + cols + " ON DUPLICATE KEY UPDATE " +
			"data = IF(expiry > ? AND LAST_INSERT_ID(0) = 0, data, VALUES(data)), " +
			"user_id = IF(expiry > ?, user_id, NULL), " +
			"expiry = IF(expiry > ?, expiry, VALUES(expiry))"
		s.matchesNew = "SELECT 1 FROM " + s.quoted + " WHERE session_id = ? AND data = ? AND expiry = ? AND expiry > ? LIMIT 1"
	default:
		s.insert = "INSERT INTO " + s.quoted + " AS cur" + cols + " ON CONFLICT (session_id) DO UPDATE " +
			"SET data = excluded.data, expiry = excluded.expiry, user_id = NULL WHERE cur.expiry <= ? OR cur.expiry IS NULL"
	}
	update := "UPDATE " + s.quoted + " SET data = ?, expiry = ? WHERE session_id = ? AND "
	s.replace = update + "data = ? AND expiry > ?"
	s.replaceEmpty = update + "(data = ? OR data IS NULL) AND expiry > ?"
	del := "DELETE FROM " + s.quoted + " WHERE session_id = ? AND "
	s.deleteIf = del + "data = ? AND expiry > ?"
	s.deleteIfEmpty = del + "(data = ? OR data IS NULL) AND expiry > ?"
	s.buildUserIndex()
}

// Create stores data under key, to expire after ttl, unless a live record
// is stored there; then it changes nothing and returns an error wrapping
// sessions.ErrConflict. An expired row that has not been deleted yet is
// overwritten, and so is a row without an expiry; either way the new record
// is tied to no user. One round trip: the INSERT that buildWrites describes.
func (s *Store) Create(ctx context.Context, key string, data []byte, ttl time.Duration) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("gormstore: create %q: %w", key, err)
	}
	if data == nil {
		data = []byte{} // nil would be stored as NULL
	}
	now := time.Now().UTC()
	exp := expiry(now, ttl)
	var created bool
	err := retry.Do(ctx, deadlockRetry, func() error {
		if s.dialect != "mysql" {
			res := s.db.WithContext(ctx).Exec(s.insert, key, data, exp, now)
			created = res.RowsAffected == 1
			return res.Error
		}
		r := gorm.WithResult()
		res := s.db.WithContext(ctx).Clauses(r).Exec(s.insert, key, data, exp, now, now, now)
		if res.Error != nil || r.Result == nil {
			created = false
			return res.Error
		}
		id, err := r.Result.LastInsertId()
		if err != nil {
			return err
		}
		created = res.RowsAffected == 2 || res.RowsAffected == 1 && id != 0
		return nil
	})
	if err != nil {
		return fmt.Errorf("gormstore: create %q: %w", key, err)
	}
	if !created {
		return fmt.Errorf("gormstore: create %q: %w", key, sessions.ErrConflict)
	}
	return nil
}

// Replace stores data under key, to expire after ttl, if the live row of
// key still holds old.Data, compared byte for byte; otherwise (the record
// changed, expired or was deleted) it changes nothing, creates nothing and
// returns an error wrapping sessions.ErrConflict. old.Version is not used.
// One round trip: UPDATE … WHERE session_id = ? AND data = ? AND expiry > ?.
//
// MySQL and MariaDB count the rows an UPDATE changed, not the rows it
// matched, unless the client set CLIENT_FOUND_ROWS: a Replace that writes
// the data and expiry the row already holds (the same bytes, within the
// same second) reports no row. Only then, and only when data equals
// old.Data, a second statement checks whether the row is live and holds
// exactly what Replace would have written; if so, Replace succeeded.
func (s *Store) Replace(ctx context.Context, key string, old sessions.Record, data []byte, ttl time.Duration) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("gormstore: replace %q: %w", key, err)
	}
	if data == nil {
		data = []byte{}
	}
	oldData := old.Data
	stmt := s.replace
	if len(oldData) == 0 {
		// Load reports a NULL data as an empty record.
		oldData, stmt = []byte{}, s.replaceEmpty
	}
	now := time.Now().UTC()
	exp := expiry(now, ttl)
	var replaced bool
	err := retry.Do(ctx, deadlockRetry, func() error {
		res := s.db.WithContext(ctx).Exec(stmt, data, exp, key, oldData, now)
		replaced = res.RowsAffected > 0
		return res.Error
	})
	if err == nil && !replaced && s.dialect == "mysql" && bytes.Equal(oldData, data) {
		replaced, err = s.holds(ctx, key, data, exp, now)
	}
	if err != nil {
		return fmt.Errorf("gormstore: replace %q: %w", key, err)
	}
	if !replaced {
		return fmt.Errorf("gormstore: replace %q: %w", key, sessions.ErrConflict)
	}
	return nil
}

// DeleteIf removes the record under key if the live row of key still holds
// old.Data, compared byte for byte, as for Replace; otherwise (the record
// changed, expired or was deleted) it changes nothing and returns an error
// wrapping sessions.ErrConflict. old.Version is not used. One round trip:
// DELETE … WHERE session_id = ? AND data = ? AND expiry > ?.
//
// A DELETE's affected-rows count is the number of rows it deleted on every
// dialect, MySQL and MariaDB included whether or not the client set
// CLIENT_FOUND_ROWS, so no row affected is the conflict.
func (s *Store) DeleteIf(ctx context.Context, key string, old sessions.Record) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("gormstore: delete-if %q: %w", key, err)
	}
	oldData, stmt := old.Data, s.deleteIf
	if len(oldData) == 0 {
		// Load reports a NULL data as an empty record.
		oldData, stmt = []byte{}, s.deleteIfEmpty
	}
	now := time.Now().UTC()
	var deleted bool
	err := retry.Do(ctx, deadlockRetry, func() error {
		res := s.db.WithContext(ctx).Exec(stmt, key, oldData, now)
		deleted = res.RowsAffected > 0
		return res.Error
	})
	if err != nil {
		return fmt.Errorf("gormstore: delete-if %q: %w", key, err)
	}
	if !deleted {
		return fmt.Errorf("gormstore: delete-if %q: %w", key, sessions.ErrConflict)
	}
	return nil
}

// holds reports whether the row of key is live at now, holds data and
// expires at exp: what a Replace that changed no row on MySQL would have
// written.
func (s *Store) holds(ctx context.Context, key string, data []byte, exp, now time.Time) (bool, error) {
	var found bool
	err := retry.Do(ctx, deadlockRetry, func() error {
		rows, err := s.db.WithContext(ctx).Raw(s.matchesNew, key, data, exp, now).Rows()
		if err != nil {
			return err
		}
		defer rows.Close()
		found = rows.Next()
		return rows.Err()
	})
	return found, err
}
