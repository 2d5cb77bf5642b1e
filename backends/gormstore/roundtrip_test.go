package gormstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/serversession/serversession/sessions"
)

// countingPool records every statement (and transaction) gorm sends to the
// database.
type countingPool struct {
	gorm.ConnPool
	mu   sync.Mutex
	sent []string
}

func (p *countingPool) record(q string) {
	p.mu.Lock()
	p.sent = append(p.sent, strings.Fields(q)[0])
	p.mu.Unlock()
}

// take returns the first word of each statement sent since the last take.
func (p *countingPool) take() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	s := p.sent
	p.sent = nil
	return s
}

func (p *countingPool) PrepareContext(ctx context.Context, q string) (*sql.Stmt, error) {
	p.record(q)
	return p.ConnPool.PrepareContext(ctx, q)
}

func (p *countingPool) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	p.record(q)
	return p.ConnPool.ExecContext(ctx, q, args...)
}

func (p *countingPool) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	p.record(q)
	return p.ConnPool.QueryContext(ctx, q, args...)
}

func (p *countingPool) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	p.record(q)
	return p.ConnPool.QueryRowContext(ctx, q, args...)
}

// BeginTx counts a transaction, which would cost BEGIN and COMMIT round
// trips, so that the test catches one.
func (p *countingPool) BeginTx(ctx context.Context, opts *sql.TxOptions) (*sql.Tx, error) {
	p.record("BEGIN")
	return p.ConnPool.(gorm.TxBeginner).BeginTx(ctx, opts)
}

// TestStatements checks that each operation is the one statement the
// package documentation names, outside a transaction (gorm would otherwise
// wrap writes in BEGIN … COMMIT).
func TestStatements(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d dialect) {
		db := d.open(t)
		pool := &countingPool{ConnPool: db.Statement.ConnPool}
		db.Statement.ConnPool = pool
		s := newTestStore(t, db)
		// Registered after newTestStore's, so run before: the table is
		// dropped through the pool New was given, which the MySQL
		// migrator needs to be a *sql.DB.
		t.Cleanup(func() { db.Statement.ConnPool = pool.ConnPool })
		pool.take()

		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		loadTouch := "UPDATE"
		// A Replace whose data equals old.Data may change no row on
		// MySQL, which then counts none; it checks the row with a SELECT.
		identical := "UPDATE"
		if d.engine == "mysql" {
			loadTouch = "SELECT UPDATE"
			identical = "UPDATE SELECT"
		}
		for _, c := range []struct {
			op   string
			want string
			run  func() error
		}{
			{"Create", "INSERT", func() error { return s.Create(ctx, "k", []byte("v"), time.Hour) }},
			{"Create (conflict)", "INSERT", func() error { return wantConflict(s.Create(ctx, "k", []byte("w"), time.Hour)) }},
			{"Replace", "UPDATE", func() error { return s.Replace(ctx, "k", sessions.Record{Data: []byte("v")}, []byte("w"), time.Hour) }},
			{"Replace (conflict)", "UPDATE", func() error {
				return wantConflict(s.Replace(ctx, "k", sessions.Record{Data: []byte("v")}, []byte("x"), time.Hour))
			}},
			{"Replace (identical, conflict)", identical, func() error {
				return wantConflict(s.Replace(ctx, "k", sessions.Record{Data: []byte("v")}, []byte("v"), time.Hour))
			}},
			{"Replace (identical)", identical + "|UPDATE", func() error {
				return s.Replace(ctx, "k", sessions.Record{Data: []byte("w")}, []byte("w"), time.Hour)
			}},
			{"DeleteIf (conflict)", "DELETE", func() error { return wantConflict(s.DeleteIf(ctx, "k", sessions.Record{Data: []byte("v")})) }},
			{"DeleteIf", "DELETE", func() error { return s.DeleteIf(ctx, "k", sessions.Record{Data: []byte("w")}) }},
			{"DeleteIf (empty, conflict)", "DELETE", func() error { return wantConflict(s.DeleteIf(ctx, "k", sessions.Record{})) }},
			{"Create (again)", "INSERT", func() error { return s.Create(ctx, "k", []byte("w"), time.Hour) }},
			{"Load", "SELECT", func() error { _, _, err := s.Load(ctx, "k"); return err }},
			{"Load (missing)", "SELECT", func() error { _, _, err := s.Load(ctx, "missing"); return err }},
			{"LoadTouch", loadTouch, func() error { _, _, err := s.LoadTouch(ctx, "k", time.Hour); return err }},
			{"LoadTouch (missing)", strings.Fields(loadTouch)[0], func() error { _, _, err := s.LoadTouch(ctx, "missing", time.Hour); return err }},
			{"Delete", "DELETE", func() error { return s.Delete(ctx, "k") }},
			{"DeleteExpired", "DELETE", func() error { _, err := s.DeleteExpired(ctx); return err }},
		} {
			if err := c.run(); err != nil {
				t.Fatalf("%s: %v", c.op, err)
			}
			// want may list alternatives: a Replace of identical data
			// changes the row on MySQL if the second has turned since the
			// last write, and needs no SELECT then.
			if got := strings.Join(pool.take(), " "); !slices.Contains(strings.Split(c.want, "|"), got) {
				t.Errorf("%s sent [%s]; want [%s]", c.op, got, c.want)
			}
		}
	})
}

// wantConflict turns the ErrConflict an operation should have returned into
// success, and its absence into an error.
func wantConflict(err error) error {
	if errors.Is(err, sessions.ErrConflict) {
		return nil
	}
	return fmt.Errorf("got %v; want an error wrapping sessions.ErrConflict", err)
}
