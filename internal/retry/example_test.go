package retry_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/serversession/serversession/internal/retry"
)

// A statement that the database rolls back twice as a deadlock victim is
// run again, after 1ms and then 3ms, and succeeds on its third run. Any
// other error would have been returned at once.
func ExampleDo() {
	errDeadlock := errors.New("deadlock found when trying to get lock")
	runs := 0
	err := retry.Do(context.Background(), retry.Policy{
		Attempts: 5,
		Delay:    retry.Exponential(time.Millisecond, 3, 0),
		Retry:    func(err error) bool { return errors.Is(err, errDeadlock) },
	}, func() error {
		runs++
		if runs < 3 {
			return errDeadlock
		}
		return nil
	})
	fmt.Println(runs, err)
	// Output: 3 <nil>
}

// A loop that must do more between tries than wait (drop a lock, reload a
// record) waits with Sleep, a random time under a bound that doubles with
// each try.
func ExampleSleep() {
	ctx := context.Background()
	for try := 2; try <= 4; try++ {
		if err := retry.Sleep(ctx, retry.Jitter(time.Millisecond<<min(try, 6))); err != nil {
			fmt.Println("gave up:", err)
			return
		}
	}
	fmt.Println("waited three times")
	// Output: waited three times
}
