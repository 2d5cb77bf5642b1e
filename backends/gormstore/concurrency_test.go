package gormstore

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/serversession/serversession/sessions"
)

// TestConcurrentWritesAndDeletes runs conditional writes, conditional
// deletes and load-touches of shared keys alongside creates and deletes of
// keys of each worker's own.
// On InnoDB this mix deadlocks now and then (gap locks taken by INSERT … ON
// DUPLICATE KEY UPDATE and DELETE); the store must retry the victim, so no
// operation may fail with anything but sessions.ErrConflict.
func TestConcurrentWritesAndDeletes(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d dialect) {
		s := newTestStore(t, d.open(t))
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		var (
			wg   sync.WaitGroup
			mu   sync.Mutex
			errs []error
		)
		for w := range 16 {
			wg.Go(func() {
				own := fmt.Sprintf("own-%d", w)
				for i := range 120 {
					shared := fmt.Sprintf("shared-%d", (w+i)%4)
					var err error
					switch i % 7 {
					case 0:
						err = s.Create(ctx, shared, []byte("v"), time.Hour)
					case 1:
						var rec sessions.Record
						if rec, _, err = s.Load(ctx, shared); err == nil {
							err = s.Replace(ctx, shared, rec, fmt.Appendf(nil, "%d-%d", w, i), time.Hour)
						}
					case 2, 3:
						_, _, err = s.LoadTouch(ctx, shared, time.Hour)
					case 4:
						err = s.Create(ctx, own, []byte("v"), time.Hour)
					case 5:
						err = s.Delete(ctx, own)
					case 6:
						var rec sessions.Record
						if rec, _, err = s.Load(ctx, shared); err == nil {
							err = s.DeleteIf(ctx, shared, rec)
						}
					}
					if err != nil && !errors.Is(err, sessions.ErrConflict) {
						mu.Lock()
						errs = append(errs, err)
						mu.Unlock()
					}
				}
			})
		}
		wg.Wait()
		for i, err := range errs {
			if i == 5 {
				t.Errorf("... and %d more", len(errs)-5)
				break
			}
			t.Error(err)
		}
	})
}
