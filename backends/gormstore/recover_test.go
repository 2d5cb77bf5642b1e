package gormstore

import (
	"context"
	"testing"
	"time"
)

// TestServerComesBack checks that while the database server is gone every
// operation errors (Load never reports "not found"), that the stored record
// is untouched, and that the same store works again once it is back.
func TestServerComesBack(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d dialect) {
		if d.openVia == nil {
			t.Skip("no server to lose")
		}
		s, p := proxiedStore(t, d)
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		if err := s.Save(ctx, "k", []byte("before"), time.Hour); err != nil {
			t.Fatalf("Save: %v", err)
		}

		p.stop()
		if _, found, err := s.Load(ctx, "k"); err == nil {
			t.Fatalf("Load with the server gone returned found=%v and no error", found)
		}
		if err := s.Save(ctx, "k", []byte("lost"), time.Hour); err == nil {
			t.Fatal("Save with the server gone returned no error")
		}
		if err := s.Touch(ctx, "k", time.Hour); err == nil {
			t.Fatal("Touch with the server gone returned no error")
		}

		p.start(t)
		var (
			data  []byte
			found bool
			err   error
		)
		for range 50 {
			if data, found, err = s.Load(ctx, "k"); err == nil {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		if err != nil || !found || string(data) != "before" {
			t.Fatalf("Load after the server came back = (%q, %v, %v); want (\"before\", true, nil)", data, found, err)
		}
	})
}
