package mongostore

import (
	"context"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/event"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
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

// TestRoundTrips checks that each operation sends exactly one command, the
// one the package documentation names.
func TestRoundTrips(t *testing.T) {
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

	for _, c := range []struct {
		op   string
		want string
		run  func() error
	}{
		{"Save", "update", func() error { return s.Save(ctx, "k", []byte("v"), time.Hour) }},
		{"Load", "find", func() error { _, _, err := s.Load(ctx, "k"); return err }},
		{"Load (missing)", "find", func() error { _, _, err := s.Load(ctx, "missing"); return err }},
		{"LoadTouch", "findAndModify", func() error { _, _, err := s.LoadTouch(ctx, "k", time.Hour); return err }},
		{"Touch", "update", func() error { return s.Touch(ctx, "k", time.Hour) }},
		{"Delete", "delete", func() error { return s.Delete(ctx, "k") }},
		{"DeleteExpired", "delete", func() error { _, err := s.DeleteExpired(ctx); return err }},
	} {
		if err := c.run(); err != nil {
			t.Fatalf("%s: %v", c.op, err)
		}
		if got := counter.take(); len(got) != 1 || got[0] != c.want {
			t.Errorf("%s sent %v; want exactly [%s]", c.op, got, c.want)
		}
	}
}
