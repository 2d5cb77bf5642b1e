package sessions

import (
	"context"
	"hash/maphash"
)

// writeLocks serializes the writes of one session within a Manager, so
// that requests of one process never race each other's conditional writes:
// a request that loaded a record another request of this process has since
// replaced pays one reload and one more write, and never a string of
// retries, however many requests share the session. Across processes (or
// with a Flask service on the same store) the conditional writes and their
// bounded retries still decide. A write holds its lock for its own store
// calls only, never while the handler runs.
//
// A key's lock is one of a fixed set of stripes: unrelated sessions rarely
// share one, and when they do, one waits for the other's write.
type writeLocks struct {
	seed    maphash.Seed
	stripes [writeLockStripes]chan struct{}
}

const writeLockStripes = 256 // a power of two

func newWriteLocks() *writeLocks {
	l := &writeLocks{seed: maphash.MakeSeed()}
	for i := range l.stripes {
		l.stripes[i] = make(chan struct{}, 1)
	}
	return l
}

// lock takes key's lock, or gives up when ctx ends. It returns the unlock
// function.
func (l *writeLocks) lock(ctx context.Context, key string) (func(), error) {
	sem := l.stripes[maphash.String(l.seed, key)&(writeLockStripes-1)]
	select {
	case sem <- struct{}{}:
		return func() { <-sem }, nil
	case <-ctx.Done():
		return nil, context.Cause(ctx)
	}
}
