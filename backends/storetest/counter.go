package storetest

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/serversession/serversession/sessions"
)

// Counter counts the calls a store receives, for tests of round-trip
// budgets: each call to a store of this module is one round trip
// (gormstore's LoadTouch on MySQL aside, which takes two). Load, Create,
// Replace, DeleteIf, Delete, LoadTouch, Tie, Untie and UserRecords each
// count one.
type Counter struct{ calls atomic.Int64 }

// Calls returns the number of calls counted so far.
func (c *Counter) Calls() int64 { return c.calls.Load() }

// Reset sets the count back to zero.
func (c *Counter) Reset() { c.calls.Store(0) }

// Count returns s wrapped so that every call adds one to the returned
// Counter. The wrapper implements sessions.LoadToucher, sessions.UserIndex
// and sessions.KeyHandler exactly when s does, so the lifecycle takes the
// same paths as with s. KeyHandle is not counted: it makes no round trip.
// sessions.Pinger is not forwarded: through the wrapper, Manager.Ping
// checks the store with a Load, which is counted.
func Count(s sessions.Store) (*Counter, sessions.Store) {
	c := &Counter{}
	base := counted{s, c}
	lt, isLT := s.(sessions.LoadToucher)
	ix, isIx := s.(sessions.UserIndex)
	kh, isKH := s.(sessions.KeyHandler)
	clt, cix := countedLoadTouch{lt, c}, countedIndex{ix, c}
	switch {
	case isLT && isIx && isKH:
		return c, struct {
			counted
			countedLoadTouch
			countedIndex
			sessions.KeyHandler
		}{base, clt, cix, kh}
	case isLT && isIx:
		return c, struct {
			counted
			countedLoadTouch
			countedIndex
		}{base, clt, cix}
	case isIx && isKH:
		return c, struct {
			counted
			countedIndex
			sessions.KeyHandler
		}{base, cix, kh}
	case isLT:
		return c, struct {
			counted
			countedLoadTouch
		}{base, clt}
	case isIx:
		return c, struct {
			counted
			countedIndex
		}{base, cix}
	}
	return c, base
}

type counted struct {
	s sessions.Store
	c *Counter
}

func (w counted) Load(ctx context.Context, key string) (sessions.Record, bool, error) {
	w.c.calls.Add(1)
	return w.s.Load(ctx, key)
}

func (w counted) Create(ctx context.Context, key string, data []byte, ttl time.Duration) error {
	w.c.calls.Add(1)
	return w.s.Create(ctx, key, data, ttl)
}

func (w counted) Replace(ctx context.Context, key string, old sessions.Record, data []byte, ttl time.Duration) error {
	w.c.calls.Add(1)
	return w.s.Replace(ctx, key, old, data, ttl)
}

func (w counted) DeleteIf(ctx context.Context, key string, old sessions.Record) error {
	w.c.calls.Add(1)
	return w.s.DeleteIf(ctx, key, old)
}

func (w counted) Delete(ctx context.Context, key string) error {
	w.c.calls.Add(1)
	return w.s.Delete(ctx, key)
}

type countedLoadTouch struct {
	lt sessions.LoadToucher
	c  *Counter
}

func (w countedLoadTouch) LoadTouch(ctx context.Context, key string, ttl time.Duration) (sessions.Record, bool, error) {
	w.c.calls.Add(1)
	return w.lt.LoadTouch(ctx, key, ttl)
}

type countedIndex struct {
	ix sessions.UserIndex
	c  *Counter
}

func (w countedIndex) Tie(ctx context.Context, user, key string, ttl time.Duration) error {
	w.c.calls.Add(1)
	return w.ix.Tie(ctx, user, key, ttl)
}

func (w countedIndex) Untie(ctx context.Context, user, key string) error {
	w.c.calls.Add(1)
	return w.ix.Untie(ctx, user, key)
}

func (w countedIndex) UserRecords(ctx context.Context, user string) ([]sessions.UserRecord, error) {
	w.c.calls.Add(1)
	return w.ix.UserRecords(ctx, user)
}
