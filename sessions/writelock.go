package sessions

import (
	"context"
	"hash/maphash"
	"sync/atomic"
)

// writeLocks serializes the writes of one session within a Manager, so
// that requests of one process never race each other's conditional writes;
// across processes the conditional writes and their retries decide. A
// write holds its lock for its own store calls only. A key's lock is one
// of a fixed set of stripes, which unrelated sessions rarely share.
type writeLocks struct {
	seed    maphash.Seed
	stripes [writeLockStripes]writeLock
}

const writeLockStripes = 256 // a power of two

// writeLock is one stripe. While writes wait for it, it keeps what the
// last write stored, for a waiting write on the same session to replay its
// changes over at once instead of failing and reloading.
type writeLock struct {
	sem     chan struct{}
	waiting atomic.Int32
	key     string // the key of the last write, while writes wait; guarded by sem
	last    Record // what it stored
}

func newWriteLocks() *writeLocks {
	l := &writeLocks{seed: maphash.MakeSeed()}
	for i := range l.stripes {
		l.stripes[i].sem = make(chan struct{}, 1)
	}
	return l
}

// lock takes key's lock, or gives up when ctx ends.
func (l *writeLocks) lock(ctx context.Context, key string) (*writeLock, error) {
	w := &l.stripes[maphash.String(l.seed, key)&(writeLockStripes-1)]
	w.waiting.Add(1)
	defer w.waiting.Add(-1)
	select {
	case w.sem <- struct{}{}: // free: ctx's Done channel is not needed
		return w, nil
	default:
	}
	select {
	case w.sem <- struct{}{}:
		return w, nil
	case <-ctx.Done():
		return nil, context.Cause(ctx)
	}
}

// latest returns what the last write of key stored, if the lock knows.
func (w *writeLock) latest(key string) (Record, bool) {
	return w.last, w.key == key && w.last.Data != nil
}

// wrote records what a write of key stored.
func (w *writeLock) wrote(key string, rec Record) { w.key, w.last = key, rec }

// unlock releases the lock, forgetting the last write if nobody waits.
func (w *writeLock) unlock() {
	if w.waiting.Load() == 0 {
		w.key, w.last = "", Record{}
	}
	<-w.sem
}
