//go:build darwin || dragonfly || freebsd || linux || netbsd || openbsd

package filestore

import (
	"context"
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"

	"github.com/serversession/serversession/internal/retry"
)

// useFlock says that lock takes flock(2) locks across processes.
const useFlock = true

// lockWait, for retry.Do, takes a flock that another process holds: it
// tries again, with no limit but the context's, after a pause that starts
// at 10µs and doubles up to 2ms, so that it can give up when the context
// ends (a blocking flock could not be interrupted). The lock is held for
// one file operation, so the wait is short unless the holder is stuck.
var lockWait = retry.Policy{
	Delay: retry.Exponential(10*time.Microsecond, 2, 2*time.Millisecond),
	Retry: func(err error) bool { return errors.Is(err, syscall.EWOULDBLOCK) },
}

// flockExclusive takes an exclusive flock on f, waiting as lockWait says
// while another descriptor holds it.
func flockExclusive(ctx context.Context, f *os.File) error {
	err := retry.Do(ctx, lockWait, func() error {
		for {
			err := flock(f, syscall.LOCK_EX|syscall.LOCK_NB)
			if !errors.Is(err, syscall.EINTR) {
				return err
			}
		}
	})
	switch {
	case err == nil:
		return nil
	case errors.Is(err, syscall.EWOULDBLOCK):
		// Do gives up on a held lock only when ctx ends.
		return fmt.Errorf("waiting for the lock held by another process on %s: %w", f.Name(), err)
	}
	return fmt.Errorf("flock %s: %w", f.Name(), err)
}

// funlock releases the flock on f.
func funlock(f *os.File) error {
	return flock(f, syscall.LOCK_UN)
}

// flock calls flock(2) on f's descriptor.
func flock(f *os.File, how int) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var opErr error
	if err := rc.Control(func(fd uintptr) { opErr = syscall.Flock(int(fd), how) }); err != nil {
		return err
	}
	return opErr
}
