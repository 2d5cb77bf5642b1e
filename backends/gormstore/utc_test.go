package gormstore

import (
	"context"
	"math"
	"testing"
	"time"
)

// secondsLeftSQL is, per dialect, an SQL expression for the seconds from
// the database's own idea of the current UTC time to a row's expiry. If the
// store wrote expiry in any zone other than UTC, it would be off by hours.
var secondsLeftSQL = map[string]string{
	"sqlite":   "CAST(strftime('%s', expiry) AS INTEGER) - CAST(strftime('%s', 'now') AS INTEGER)",
	"postgres": "EXTRACT(EPOCH FROM expiry - (now() AT TIME ZONE 'UTC'))",
	"mysql":    "TIMESTAMPDIFF(SECOND, UTC_TIMESTAMP(), expiry)",
}

// TestExpiryIsUTC checks, on the database's clock, that expiry holds the
// UTC time now + ttl, and that a session whose expiry passed is not read,
// with the Go process and the database session both set to zones far from
// UTC.
func TestExpiryIsUTC(t *testing.T) {
	local := time.Local
	time.Local = time.FixedZone("UTC+14", 14*3600)
	t.Cleanup(func() { time.Local = local })

	forEachDialect(t, func(t *testing.T, d dialect) {
		db := d.open(t)
		sqlDB, err := db.DB()
		if err != nil {
			t.Fatal(err)
		}
		sqlDB.SetMaxOpenConns(1) // one connection, so the zone set below applies to every statement
		switch d.engine {
		case "postgres":
			err = db.Exec("SET TIME ZONE 'Pacific/Kiritimati'").Error // +14:00
		case "mysql":
			err = db.Exec("SET time_zone = '-11:00'").Error
		}
		if err != nil {
			t.Fatalf("set the session time zone: %v", err)
		}

		s := newTestStore(t, db)
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		const ttl = time.Hour
		if err := s.Create(ctx, "k", []byte("v"), ttl); err != nil {
			t.Fatal(err)
		}
		var left float64
		if err := db.Raw("SELECT "+secondsLeftSQL[d.engine]+" FROM "+s.quoted+" WHERE session_id = ?", "k").Scan(&left).Error; err != nil {
			t.Fatalf("read expiry: %v", err)
		}
		if math.Abs(left-ttl.Seconds()) > 5 {
			t.Fatalf("expiry is %.0fs from the database's UTC now; want %.0fs: not stored as UTC", left, ttl.Seconds())
		}

		// A row that expired a minute ago by the database's UTC clock.
		if err := db.Exec("UPDATE "+s.quoted+" SET expiry = "+flaskExpiry(d.engine, -time.Minute)+" WHERE session_id = ?", "k").Error; err != nil {
			t.Fatal(err)
		}
		if _, found, err := s.Load(ctx, "k"); err != nil || found {
			t.Fatalf("Load of a row that expired a minute ago (UTC) = (found %v, %v); want not found", found, err)
		}
	})
}
