//go:build darwin || dragonfly || freebsd || linux || netbsd || openbsd

package filestore

import (
	"context"
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"
)

// useFlock says that lock takes flock(2) locks across processes.
const useFlock = true

// maxLockPoll is the longest pause between two attempts to take a lock
// that another process holds.
const maxLockPoll = 2 * time.Millisecond

// flockExclusive takes an exclusive flock on f. While another descriptor
// holds it, it tries again after a pause that grows to maxLockPoll, so that
// it can give up when ctx ends (a blocking flock could not be
// interrupted). The lock is held for one file operation, so the wait is
// short unless the holder is stuck.
func flockExclusive(ctx context.Context, f *os.File) error {
	pause := 10 * time.Microsecond
	for {
		err := flock(f, syscall.LOCK_EX|syscall.LOCK_NB)
		switch {
		case err == nil:
			return nil
		case errors.Is(err, syscall.EINTR):
			continue
		case !errors.Is(err, syscall.EWOULDBLOCK):
			return fmt.Errorf("flock %s: %w", f.Name(), err)
		}
		t := time.NewTimer(pause)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("waiting for the lock held by another process on %s: %w", f.Name(), ctx.Err())
		case <-t.C:
		}
		pause = min(2*pause, maxLockPoll)
	}
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
