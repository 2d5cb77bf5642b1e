package memstore_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/serversession/serversession/backends/memstore"
	"github.com/serversession/serversession/sessions"
)

// Past WithMaxSessions, expired records go first, then the sessions that
// name no user, least recently used first, and only then those that do;
// the record just created stays.
func TestMaxSessionsEvictionOrder(t *testing.T) {
	s := memstore.New(memstore.WithMaxSessions(10), memstore.WithCleanupInterval(0))
	t.Cleanup(func() { _ = s.Close() })
	ctx := t.Context()
	named := sessions.WithUserHint(ctx)
	for i := range 2 {
		if err := s.Create(ctx, fmt.Sprint("dead-", i), []byte("x"), time.Millisecond); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(5 * time.Millisecond)
	for i := range 4 { // logged in, used long ago
		if err := s.Create(named, fmt.Sprint("user-", i), []byte("x"), time.Duration(i+1)*time.Hour); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 7 { // the 13th record goes past the bound: 2 expired, then 2 anonymous
		if err := s.Create(ctx, fmt.Sprint("anon-", i), []byte("x"), time.Duration(i+10)*time.Hour); err != nil {
			t.Fatal(err)
		}
	}
	has := func(key string) bool {
		_, ok, err := s.Load(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	for i := range 4 {
		if !has(fmt.Sprint("user-", i)) {
			t.Errorf("logged-in user-%d was evicted before anonymous sessions", i)
		}
	}
	for i := range 7 {
		if want := i >= 2; has(fmt.Sprint("anon-", i)) != want {
			t.Errorf("anon-%d present = %v; want %v (least recently used first)", i, !want, want)
		}
	}
	// With no anonymous session left, the least recently used user goes.
	for i := range 20 {
		if err := s.Create(named, fmt.Sprint("more-", i), []byte("x"), 100*time.Hour); err != nil {
			t.Fatal(err)
		}
	}
	if n := s.Len(); n > 10 {
		t.Errorf("store holds %d records past a bound of 10", n)
	}
	if !has("more-19") {
		t.Error("the record just created was evicted")
	}
}

// A logged-in session outlives 520 anonymous ones over a bound of 100.
func TestMaxSessionsKeepsLoggedInUsers(t *testing.T) {
	s := memstore.New(memstore.WithMaxSessions(100))
	t.Cleanup(func() { _ = s.Close() })
	ctx := t.Context()
	if err := s.Create(sessions.WithUserHint(ctx), "session:alice", []byte("x"), time.Hour); err != nil {
		t.Fatal(err)
	}
	for i := range 520 {
		if err := s.Create(ctx, fmt.Sprint("session:anon-", i), []byte("x"), 2*time.Hour); err != nil {
			t.Fatal(err)
		}
	}
	if _, ok, _ := s.Load(ctx, "session:alice"); !ok {
		t.Error("anonymous sessions pushed the logged-in one out")
	}
	if n := s.Len(); n > 100 {
		t.Errorf("store holds %d records past a bound of 100", n)
	}
}
