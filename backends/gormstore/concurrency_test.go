package gormstore

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"
)

// TestConcurrentUpsertAndDelete runs upserts and touches of shared keys
// alongside saves and deletes of keys of each worker's own. On InnoDB this
// mix deadlocks now and then (gap locks taken by INSERT … ON DUPLICATE KEY
// UPDATE and DELETE); the store must retry the victim, so no operation may
// fail.
func TestConcurrentUpsertAndDelete(t *testing.T) {
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
					switch i % 6 {
					case 0, 1:
						err = s.Save(ctx, shared, []byte("v"), time.Hour)
					case 2:
						err = s.Touch(ctx, shared, time.Hour)
					case 3:
						_, _, err = s.LoadTouch(ctx, shared, time.Hour)
					case 4:
						err = s.Save(ctx, own, []byte("v"), time.Hour)
					case 5:
						err = s.Delete(ctx, own)
					}
					if err != nil {
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
