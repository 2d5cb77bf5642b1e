package dynamostore

import (
	"context"
	"strings"
	"testing"
	"time"
)

// The index item's id holds no user ID: it is hashed, so e-mail addresses
// do not show up in the table's keys.
func TestUserIndexItemHashesUser(t *testing.T) {
	s := newTestStore(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	user, key := "alice@example.com", "session:hashed-user-key-test"
	if err := s.Create(ctx, key, []byte("x"), time.Hour); err != nil {
		t.Fatal(err)
	}
	if err := s.Tie(ctx, user, key, time.Hour); err != nil {
		t.Fatal(err)
	}
	id := s.userItemKey(user)
	if strings.Contains(id, "alice") || rawItem(t, s, id) == nil {
		t.Errorf("index item id %q holds the user ID, or no item under it", id)
	}
	recs, err := s.UserRecords(ctx, user)
	if err != nil || len(recs) != 1 || recs[0].Key != key {
		t.Errorf("UserRecords = %v, %v; want the one record", recs, err)
	}
}
