package gormstore

import (
	"context"
	"fmt"
	"time"

	"github.com/serversession/serversession/internal/retry"
	"github.com/serversession/serversession/sessions"
)

// The user index (sessions.UserIndex) lives in each row, in the nullable
// column user_id, with an index on it: the user the session is tied to,
// NULL for none. A row holds one user: the lifecycle moves a session from
// one user to another by tying the new user, which overwrites user_id,
// before it rewrites the record, and untying the old one after, which
// then finds user_id holding another user and leaves it alone.
//
// An entry lives in its row, so it ends with the row: a deleted row takes
// its entry along, an expired row is never listed, and a Create over an
// expired row sets user_id back to NULL. An expired row keeps its entry
// only until its user's index is next written or listed: Tie and Untie
// clear the user from the user's expired rows in the same statement, and
// UserRecords does when it finds one.

// maxUserLen bounds a user ID, in bytes: the column is 255 wide (in bytes
// on MySQL, in characters elsewhere), and a MySQL server that is not in
// strict mode would cut a longer ID short instead of failing, so that two
// long IDs could become one.
const maxUserLen = 255

// buildUserIndex builds the statements of Tie, Untie and UserRecords for
// s.quoted. Their parameters are named (@user, @key, @now).
func (s *Store) buildUserIndex() {
	const (
		live = "session_id = @key AND expiry > @now"
		gone = "(expiry <= @now OR expiry IS NULL)"
	)
	// Tie: the live row of @key gets @user, whoever it had; the expired
	// rows of @user get NULL.
	s.tie = "UPDATE " + s.quoted + " SET user_id = CASE WHEN " + live + " THEN @user END " +
		"WHERE " + live + " OR user_id = @user AND " + gone
	// Untie and its part for UserRecords: every row they change holds
	// @user, so the index on user_id finds them all.
	s.untie = "UPDATE " + s.quoted + " SET user_id = NULL WHERE user_id = @user AND (session_id = @key OR " + gone + ")"
	s.untieExpired = "UPDATE " + s.quoted + " SET user_id = NULL WHERE user_id = @user AND " + gone
	s.userRecords = "SELECT session_id, CASE WHEN expiry > @now THEN data END, expiry, " +
		"CASE WHEN expiry > @now THEN 1 ELSE 0 END FROM " + s.quoted + " WHERE user_id = @user"
}

// namedArgs are the parameters of the user index's statements.
func namedArgs(user, key string, now time.Time) map[string]any {
	return map[string]any{"user": user, "key": key, "now": now}
}

// Tie ties the record under key to user, if the record is live, and unties
// user from its expired records: one UPDATE, whose WHERE finds the row of
// key by session_id and the user's rows by the index on user_id. A record
// tied to another user is tied to user instead: that is how the lifecycle
// moves a session from one user to the next. A missing or expired record
// is left alone, and that is not an error; ttl is not needed, since the
// entry ends with its row. Tying a key already tied to user changes
// nothing. A user ID over 255 bytes is an error.
//
// The number of rows the UPDATE affected is not looked at, so MySQL's way
// of counting them (changed rows, or matched ones with CLIENT_FOUND_ROWS)
// makes no difference.
func (s *Store) Tie(ctx context.Context, user, key string, ttl time.Duration) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("gormstore: tie %q: %w", key, err)
	}
	if len(user) > maxUserLen {
		return fmt.Errorf("gormstore: tie %q: the user ID is %d bytes long; at most %d fit the user_id column", key, len(user), maxUserLen)
	}
	if err := s.execIndex(ctx, s.tie, namedArgs(user, key, time.Now().UTC())); err != nil {
		return fmt.Errorf("gormstore: tie %q: %w", key, err)
	}
	return nil
}

// execIndex runs one of the index's UPDATEs, retried as every statement of
// the store is.
func (s *Store) execIndex(ctx context.Context, stmt string, args map[string]any) error {
	return retry.Do(ctx, deadlockRetry, func() error { return s.db.WithContext(ctx).Exec(stmt, args).Error })
}

// Untie unties the record under key from user, and user from its expired
// records: one UPDATE … SET user_id = NULL WHERE user_id = ?, which the
// index on user_id answers. A record tied to another user (the session
// moved to it), or no record at all, is left alone, and that is not an
// error.
func (s *Store) Untie(ctx context.Context, user, key string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("gormstore: untie %q: %w", key, err)
	}
	if err := s.execIndex(ctx, s.untie, namedArgs(user, key, time.Now().UTC())); err != nil {
		return fmt.Errorf("gormstore: untie %q: %w", key, err)
	}
	return nil
}

// UserRecords returns the live records tied to user, each with its key and
// expiry: one SELECT … WHERE user_id = ?, which the index on user_id
// answers without reading the rows of other users. Expired rows are never
// returned; if the SELECT found any, a second statement unties user from
// them (the UPDATE of Untie, without a key), so that they do not linger in
// the index.
func (s *Store) UserRecords(ctx context.Context, user string) ([]sessions.UserRecord, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("gormstore: user records: %w", err)
	}
	args := namedArgs(user, "", time.Now().UTC())
	var (
		out     []sessions.UserRecord
		expired bool
	)
	err := retry.Do(ctx, deadlockRetry, func() error {
		out, expired = out[:0], false
		rows, err := s.db.WithContext(ctx).Raw(s.userRecords, args).Rows()
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var (
				key  string
				data []byte
				exp  scannedTime
				live int64
			)
			if err := rows.Scan(&key, &data, &exp, &live); err != nil {
				return err
			}
			if live == 0 {
				expired = true
				continue
			}
			if data == nil {
				data = []byte{} // as Load reports a NULL data
			}
			out = append(out, sessions.UserRecord{Key: key, Record: sessions.Record{Data: data}, Expires: exp.t})
		}
		return rows.Err()
	})
	if err == nil && expired {
		err = s.execIndex(ctx, s.untieExpired, args)
	}
	if err != nil {
		return nil, fmt.Errorf("gormstore: user records: %w", err)
	}
	return out, nil
}

// scannedTime reads an expiry as the drivers return it: a time.Time (pgx;
// mattn/go-sqlite3 for a DATETIME column; go-sql-driver/mysql with
// parseTime=true), or the text of a DATETIME (go-sql-driver/mysql without
// parseTime, SQLite drivers that return text). Text without a zone is UTC,
// as the store and Flask-Session write it. NULL is the zero time.
type scannedTime struct{ t time.Time }

// timeLayouts are the text forms of a DATETIME that scannedTime reads.
var timeLayouts = []string{
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02T15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04:05.999999999",
}

// Scan implements sql.Scanner.
func (st *scannedTime) Scan(v any) error {
	var text string
	switch v := v.(type) {
	case nil:
		st.t = time.Time{}
		return nil
	case time.Time:
		st.t = v.UTC()
		return nil
	case []byte:
		text = string(v)
	case string:
		text = v
	default:
		return fmt.Errorf("reading expiry: unexpected %T", v)
	}
	for _, layout := range timeLayouts {
		if t, err := time.Parse(layout, text); err == nil {
			st.t = t.UTC()
			return nil
		}
	}
	return fmt.Errorf("reading expiry: %q is not a time", text)
}
