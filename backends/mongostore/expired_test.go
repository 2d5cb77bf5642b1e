package mongostore

import (
	"context"
	"testing"
	"time"
)

func TestDeleteExpired(t *testing.T) {
	s := newTestStore(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	for _, k := range []string{"a", "b", "c"} {
		if err := s.Create(ctx, k, []byte(k), time.Millisecond); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Create(ctx, "live", []byte("live"), time.Hour); err != nil {
		t.Fatal(err)
	}
	time.Sleep(10 * time.Millisecond)
	n, err := s.DeleteExpired(ctx)
	if err != nil || n != 3 {
		t.Fatalf("DeleteExpired = (%d, %v); want (3, nil)", n, err)
	}
	if rec, found, err := s.Load(ctx, "live"); err != nil || !found || string(rec.Data) != "live" {
		t.Fatalf("Load(live) after DeleteExpired = (%q, %v, %v); want the record", rec.Data, found, err)
	}
	if n, err := s.DeleteExpired(ctx); err != nil || n != 0 {
		t.Fatalf("second DeleteExpired = (%d, %v); want (0, nil)", n, err)
	}
	canceled, cancelNow := context.WithCancel(ctx)
	cancelNow()
	if _, err := s.DeleteExpired(canceled); err == nil {
		t.Fatal("DeleteExpired with a canceled context returned no error")
	}
}
