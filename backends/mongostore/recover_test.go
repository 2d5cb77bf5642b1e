package mongostore

import (
	"context"
	"testing"
	"time"
)

// TestServerComesBack checks that while the server is gone every operation
// errors (Load never reports "not found"), that the stored record is
// untouched, and that the same store works again once the server is back.
func TestServerComesBack(t *testing.T) {
	s, p := proxiedStore(t, 500*time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
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
}
