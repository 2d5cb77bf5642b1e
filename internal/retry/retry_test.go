package retry

import (
	"context"
	"errors"
	"math"
	"testing"
	"time"
)

var errBusy = errors.New("busy")

// TestDoStopsAtSuccess: a call that succeeds ends the loop, and the
// delays asked for are the failed calls' numbers, in order.
func TestDoStopsAtSuccess(t *testing.T) {
	var calls int
	var asked []int
	err := Do(t.Context(), Policy{
		Attempts: 5,
		Delay:    func(n int) time.Duration { asked = append(asked, n); return 0 },
	}, func() error {
		calls++
		if calls < 3 {
			return errBusy
		}
		return nil
	})
	if err != nil || calls != 3 {
		t.Fatalf("Do = %v after %d calls; want nil after 3", err, calls)
	}
	if len(asked) != 2 || asked[0] != 1 || asked[1] != 2 {
		t.Errorf("Delay was asked for %v; want [1 2]", asked)
	}
}

// TestDoAttempts: Attempts bounds the calls, and the last error comes back
// as it was.
func TestDoAttempts(t *testing.T) {
	var calls int
	err := Do(t.Context(), Policy{Attempts: 4}, func() error { calls++; return errBusy })
	if err != errBusy || calls != 4 {
		t.Fatalf("Do = %v after %d calls; want errBusy itself after 4", err, calls)
	}
}

// TestDoRetry: an error Retry rejects ends the loop at once.
func TestDoRetry(t *testing.T) {
	errFatal := errors.New("fatal")
	var calls int
	err := Do(t.Context(), Policy{Retry: func(err error) bool { return err == errBusy }}, func() error {
		calls++
		if calls == 2 {
			return errFatal
		}
		return errBusy
	})
	if err != errFatal || calls != 2 {
		t.Fatalf("Do = %v after %d calls; want errFatal after 2", err, calls)
	}
}

// TestDoContextEnds: without a limit on attempts, the context ends the
// loop, during a wait, with an error that wraps both the context's cause
// and the last error; and a context that has already ended still gets one
// call.
func TestDoContextEnds(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Millisecond)
	defer cancel()
	var calls int
	start := time.Now()
	err := Do(ctx, Policy{Delay: Exponential(time.Millisecond, 2, 5*time.Millisecond)}, func() error {
		calls++
		return errBusy
	})
	if !errors.Is(err, errBusy) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Do = %v; want an error wrapping errBusy and context.DeadlineExceeded", err)
	}
	if calls < 2 {
		t.Errorf("Do called op %d times in %v; want it to keep trying until the deadline", calls, time.Since(start))
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Do returned %v after the deadline; want at once", d)
	}

	cause := errors.New("shutting down")
	done, stop := context.WithCancelCause(t.Context())
	stop(cause)
	calls = 0
	err = Do(done, Policy{Attempts: 3}, func() error { calls++; return errBusy })
	if calls != 1 || !errors.Is(err, cause) || !errors.Is(err, context.Canceled) || !errors.Is(err, errBusy) {
		t.Errorf("Do with an ended context = %v after %d calls; want one call, and the cause, context.Canceled and errBusy wrapped", err, calls)
	}
}

// TestSleep: Sleep waits its time, or returns the context's cause as soon
// as the context ends, and a duration of zero or less does not wait.
func TestSleep(t *testing.T) {
	start := time.Now()
	if err := Sleep(t.Context(), 20*time.Millisecond); err != nil {
		t.Fatalf("Sleep(20ms) = %v; want nil", err)
	}
	if d := time.Since(start); d < 20*time.Millisecond {
		t.Errorf("Sleep(20ms) returned after %v", d)
	}
	if err := Sleep(t.Context(), -time.Second); err != nil {
		t.Errorf("Sleep(-1s) = %v; want nil", err)
	}

	cause := errors.New("request ended")
	ctx, cancel := context.WithCancelCause(t.Context())
	time.AfterFunc(10*time.Millisecond, func() { cancel(cause) })
	start = time.Now()
	if err := Sleep(ctx, time.Hour); err != cause {
		t.Fatalf("Sleep(1h) with a context canceled after 10ms = %v; want its cause", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Sleep(1h) returned %v after its context ended; want at once", d)
	}
	if err := Sleep(ctx, 0); err != cause {
		t.Errorf("Sleep(0) with an ended context = %v; want its cause", err)
	}
}

// TestExponential: the delays grow by the factor from the first, stop at
// the limit, and never overflow.
func TestExponential(t *testing.T) {
	for _, c := range []struct {
		name    string
		first   time.Duration
		factor  int
		limit   time.Duration
		want    []time.Duration // for n = 1, 2, …
		farN    int
		farWant time.Duration
	}{
		{"times three", time.Millisecond, 3, 0,
			[]time.Duration{time.Millisecond, 3 * time.Millisecond, 9 * time.Millisecond, 27 * time.Millisecond}, 200, math.MaxInt64},
		{"doubling to a limit", 10 * time.Microsecond, 2, 2 * time.Millisecond,
			[]time.Duration{10 * time.Microsecond, 20 * time.Microsecond, 40 * time.Microsecond}, 1 << 20, 2 * time.Millisecond},
		{"constant", 5 * time.Millisecond, 1, 0,
			[]time.Duration{5 * time.Millisecond, 5 * time.Millisecond, 5 * time.Millisecond}, 1000, 5 * time.Millisecond},
		{"factor below 1", 5 * time.Millisecond, 0, 0,
			[]time.Duration{5 * time.Millisecond, 5 * time.Millisecond}, 10, 5 * time.Millisecond},
		{"first over the limit", time.Second, 2, time.Millisecond,
			[]time.Duration{time.Millisecond, time.Millisecond}, 10, time.Millisecond},
	} {
		delay := Exponential(c.first, c.factor, c.limit)
		for i, want := range c.want {
			if got := delay(i + 1); got != want {
				t.Errorf("%s: delay(%d) = %v; want %v", c.name, i+1, got, want)
			}
		}
		if got := delay(c.farN); got != c.farWant {
			t.Errorf("%s: delay(%d) = %v; want %v", c.name, c.farN, got, c.farWant)
		}
	}
}

// TestJitter: Jitter stays in [0, d) and does not panic on zero or less.
func TestJitter(t *testing.T) {
	for range 1000 {
		if d := Jitter(time.Millisecond); d < 0 || d >= time.Millisecond {
			t.Fatalf("Jitter(1ms) = %v; want within [0, 1ms)", d)
		}
	}
	for _, d := range []time.Duration{0, -time.Second, 1} {
		if got := Jitter(d); got != 0 {
			t.Errorf("Jitter(%v) = %v; want 0", d, got)
		}
	}
}
