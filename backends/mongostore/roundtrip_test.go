package mongostore

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/event"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/serversession/serversession/sessions"
)

// commandCounter records the commands a client sends.
type commandCounter struct {
	mu    sync.Mutex
	names []string
}

func (c *commandCounter) started(_ context.Context, e *event.CommandStartedEvent) {
	c.mu.Lock()
	c.names = append(c.names, e.CommandName)
	c.mu.Unlock()
}

// take returns the commands sent since the last take.
func (c *commandCounter) take() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := c.names
	c.names = nil
	return n
}

// TestRoundTrips checks the commands each operation sends, as the package
// documentation names them: one for each, apart from a Create that finds a
// document already there.
func TestRoundTrips(t *testing.T) {
	s, counter := countedStore(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	for _, c := range []struct {
		op   string
		want string
		run  func() error
	}{
		{"Create", "insert", func() error { return s.Create(ctx, "k", []byte("v"), time.Hour) }},
		{"Create (conflict)", "insert delete", func() error { return wantConflict(s.Create(ctx, "k", []byte("w"), time.Hour)) }},
		{"Replace", "update", func() error { return s.Replace(ctx, "k", sessions.Record{Data: []byte("v")}, []byte("w"), time.Hour) }},
		{"Replace (conflict)", "update", func() error {
			return wantConflict(s.Replace(ctx, "k", sessions.Record{Data: []byte("v")}, []byte("x"), time.Hour))
		}},
		{"DeleteIf (conflict)", "delete", func() error { return wantConflict(s.DeleteIf(ctx, "k", sessions.Record{Data: []byte("v")})) }},
		{"DeleteIf", "delete insert", func() error {
			if err := s.DeleteIf(ctx, "k", sessions.Record{Data: []byte("w")}); err != nil {
				return err
			}
			return s.Create(ctx, "k", []byte("w"), time.Hour) // for the operations below
		}},
		{"Load", "find", func() error { _, _, err := s.Load(ctx, "k"); return err }},
		{"Load (missing)", "find", func() error { _, _, err := s.Load(ctx, "missing"); return err }},
		{"LoadTouch", "findAndModify", func() error { _, _, err := s.LoadTouch(ctx, "k", time.Hour); return err }},
		{"Delete", "delete", func() error { return s.Delete(ctx, "k") }},
		{"DeleteExpired", "delete", func() error { _, err := s.DeleteExpired(ctx); return err }},
		{"Create (expired)", "insert insert delete insert", func() error {
			// The first insert plants the expired document to be overwritten.
			if err := s.Create(ctx, "old", []byte("v"), -time.Minute); err != nil {
				return err
			}
			return s.Create(ctx, "old", []byte("w"), time.Hour)
		}},
	} {
		if err := c.run(); err != nil {
			t.Fatalf("%s: %v", c.op, err)
		}
		if got := strings.Join(counter.take(), " "); got != c.want {
			t.Errorf("%s sent [%s]; want [%s]", c.op, got, c.want)
		}
	}
}

// countedStore returns a Store on a collection of its own, through a
// client whose commands the counter records, from after New.
func countedStore(t *testing.T) (*Store, *commandCounter) {
	t.Helper()
	uri := mongoURI(t)
	counter := &commandCounter{}
	client, err := mongo.Connect(options.Client().ApplyURI(uri).
		SetServerSelectionTimeout(2 * time.Second).
		SetMonitor(&event.CommandMonitor{Started: counter.started}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = client.Disconnect(context.Background()) })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := New(ctx, testCollection(t, client), WithLogger(testLogger(t)))
	if err != nil {
		t.Fatal(err)
	}
	counter.take()
	return s, counter
}

// wantConflict turns the ErrConflict an operation should have returned into
// success, and its absence into an error.
func wantConflict(err error) error {
	if errors.Is(err, sessions.ErrConflict) {
		return nil
	}
	return fmt.Errorf("got %v; want an error wrapping sessions.ErrConflict", err)
}
