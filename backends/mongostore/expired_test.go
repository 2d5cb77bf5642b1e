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
		if err := s.Save(ctx, k, []byte(k), time.Millisecond); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Save(ctx, "live", []byte("live"), time.Hour); err != nil {
		t.Fatal(err)
	}
	time.Sleep(10 * time.Millisecond)
	n, err := s.DeleteExpired(ctx)
	if err != nil || n != 3 {
		t.Fatalf("DeleteExpired = (%d, %v); want (3, nil)", n, err)
	}
	if data, found, err := s.Load(ctx, "live"); err != nil || !found || string(data) != "live" {
		t.Fatalf("Load(live) after DeleteExpired = (%q, %v, %v); want the record", data, found, err)
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
