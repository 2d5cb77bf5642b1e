//go:build !(darwin || dragonfly || freebsd || linux || netbsd || openbsd)

package filestore

import (
	"context"
	"os"
)

// useFlock says that this system has no flock(2): lock takes only the
// in-process part of a stripe's lock, so conditional writes are atomic
// among the goroutines of one Store but not across processes.
const useFlock = false

// flockExclusive is never called where useFlock is false.
func flockExclusive(context.Context, *os.File) error { return nil }

// funlock is never called where useFlock is false.
func funlock(*os.File) error { return nil }
