package gormstore

import (
	"context"
	"fmt"
	"time"

	"github.com/serversession/serversession/sessions"
)

// The user index (sessions.UserIndex) lives in each row, in two columns
// with an index on each: user_id, the user the session is tied to, and
// next_user_id, a second user it is tied to while it moves from one to the
// other (the lifecycle ties the new user before it rewrites the record,
// and unties the old one after). NULL is no user. Untying user_id moves
// next_user_id into its place, so a row tied to one user always has it in
// user_id.
//
// An entry lives in its row, so it ends with the row: a deleted row takes
// its entries along, an expired row is never listed, and a Create over an
// expired row sets both columns back to NULL. An expired row keeps its
// entries only until its user's index is next written or listed: Tie and
// Untie clear the user from the user's expired rows in the same statement,
// and UserRecords does when it finds one.
//
// A row holds two users at most. Tying a third replaces next_user_id, the
// latest user it was being moved to: if that move had failed, the record
// still names the user in user_id, which stays. Only after a move whose
// Untie of the old user failed, followed by a second move that failed too,
// can a record name the user a third Tie replaced; the core unties stale
// entries as it lists them, which frees the place again.

// maxUserLen bounds a user ID, in bytes: the columns are 255 wide (in bytes
// on MySQL, in characters elsewhere), and a MySQL server that is not in
// strict mode would cut a longer ID short instead of failing, so that two
// long IDs could become one.
const maxUserLen = 255

// buildUserIndex builds the statements of Tie, Untie and UserRecords for
// s.quoted. Their parameters are named (@user, @key, @now). MySQL assigns
// the SET list left to right, each assignment seeing the values before it,
// where PostgreSQL and SQLite see the row as it was; every assignment is
// written so that both readings agree: user_id is assigned first, and
// next_user_id reads it only through COALESCE(user_id, @user), which is
// the same before and after user_id's assignment on the row being tied,
// and not at all on the others.
func (s *Store) buildUserIndex() {
	const (
		live    = "session_id = @key AND expiry > @now"
		gone    = "(expiry <= @now OR expiry IS NULL)"
		expired = "user_id = @user AND " + gone + " OR next_user_id = @user AND " + gone
		// untied removes @user from a row tied to it, moving next_user_id
		// up if @user was in user_id.
		untied = " SET user_id = CASE WHEN user_id = @user THEN next_user_id ELSE user_id END, next_user_id = NULL WHERE "
	)
	// Tie: on the live row of @key, put @user in user_id if that is free,
	// or else in next_user_id unless it is in user_id already; on the
	// expired rows of @user, untie it.
	s.tie = "UPDATE " + s.quoted + " SET " +
		"user_id = CASE WHEN " + live + " THEN COALESCE(user_id, @user) " +
		"WHEN user_id = @user THEN next_user_id ELSE user_id END, " +
		"next_user_id = CASE WHEN " + live + " THEN " +
		"CASE WHEN COALESCE(user_id, @user) = @user THEN next_user_id ELSE @user END " +
		"ELSE NULL END " +
		"WHERE " + live + " OR " + expired
	s.untie = "UPDATE " + s.quoted + untied +
		"session_id = @key AND (user_id = @user OR next_user_id = @user) OR " + expired
	s.untieExpired = "UPDATE " + s.quoted + untied + expired
	s.userRecords = "SELECT session_id, CASE WHEN expiry > @now THEN data END, expiry, " +
		"CASE WHEN expiry > @now THEN 1 ELSE 0 END FROM " + s.quoted +
		" WHERE user_id = @user OR next_user_id = @user"
}

// namedArgs are the parameters of the user index's statements.
func namedArgs(user, key string, now time.Time) map[string]any {
	return map[string]any{"user": user, "key": key, "now": now}
}

// Tie ties the record under key to user, if the record is live, and unties
// user from its expired records: one UPDATE, whose WHERE finds the row of
// key by session_id and the user's rows by the indexes on user_id and
// next_user_id. A missing or expired record is left alone, and that is not
// an error; ttl is not needed, since the entry ends with its row. Tying a
// key already tied to user changes nothing. A user ID over 255 bytes is an
// error.
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
	args := namedArgs(user, key, time.Now().UTC())
	err := retry(ctx, func() error {
		return s.db.WithContext(ctx).Exec(s.tie, args).Error
	})
	if err != nil {
		return fmt.Errorf("gormstore: tie %q: %w", key, err)
	}
	return nil
}

// Untie unties the record under key from user, and user from its expired
// records: one UPDATE, found by the indexes as Tie's is. A record tied to
// other users only, or no record at all, is left alone, and that is not an
// error.
func (s *Store) Untie(ctx context.Context, user, key string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("gormstore: untie %q: %w", key, err)
	}
	args := namedArgs(user, key, time.Now().UTC())
	err := retry(ctx, func() error {
		return s.db.WithContext(ctx).Exec(s.untie, args).Error
	})
	if err != nil {
		return fmt.Errorf("gormstore: untie %q: %w", key, err)
	}
	return nil
}

// UserRecords returns the live records tied to user, each with its key and
// expiry: one SELECT … WHERE user_id = ? OR next_user_id = ?, which the
// indexes on both columns answer without reading the rows of other users.
// Expired rows are never returned; if the SELECT found any, a second
// statement unties user from them (the UPDATE of Untie, without a key), so
// that they do not linger in the index.
func (s *Store) UserRecords(ctx context.Context, user string) ([]sessions.UserRecord, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("gormstore: user records: %w", err)
	}
	args := namedArgs(user, "", time.Now().UTC())
	var (
		out     []sessions.UserRecord
		expired bool
	)
	err := retry(ctx, func() error {
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
		err = retry(ctx, func() error {
			return s.db.WithContext(ctx).Exec(s.untieExpired, args).Error
		})
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
