package mongostore

import (
	"context"
	"hash/maphash"
	"log/slog"
	"strconv"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// FerretDB 1.x runs an update or findAndModify as a find followed by a write
// of the whole document by _id, without checking the filter again, so two
// filtered updates over one document can both match it and both write.
// There the Store takes a lock per key, within this process, around each
// write: conditional writes from one process are then atomic, though those
// of several processes sharing the collection are not.
//
// The locks are striped: a key is hashed, with the collection's namespace,
// to one of keyLockStripes locks shared by every Store of the process, so
// that two Stores on one collection serialize with each other too. Each
// stripe is a channel of capacity 1, so that waiting for it honors the
// context. An operation holds one stripe at a time, so stripes never
// deadlock; two keys that share a stripe merely wait for each other.
const keyLockStripes = 256

type keyLocks struct {
	seed    maphash.Seed
	stripes [keyLockStripes]chan struct{}
}

// sharedKeyLocks serves every Store that serializes its writes.
var sharedKeyLocks = newKeyLocks()

func newKeyLocks() *keyLocks {
	l := &keyLocks{seed: maphash.MakeSeed()}
	for i := range l.stripes {
		l.stripes[i] = make(chan struct{}, 1)
	}
	return l
}

// lock takes the stripe of key in the collection ns, or returns ctx's error
// if ctx ends first. The caller calls the returned function to release it.
func (l *keyLocks) lock(ctx context.Context, ns, key string) (unlock func(), err error) {
	var h maphash.Hash
	h.SetSeed(l.seed)
	h.WriteString(ns)
	h.WriteByte(0)
	h.WriteString(key)
	ch := l.stripes[h.Sum64()%keyLockStripes]
	select {
	case ch <- struct{}{}:
		return func() { <-ch }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// lockKey serializes a write to key when the server needs it (FerretDB
// 1.x), and costs nothing otherwise. The caller calls unlock when the write
// is done, whether or not it succeeded.
func (s *Store) lockKey(ctx context.Context, key string) (unlock func(), err error) {
	if s.locks == nil {
		return func() {}, nil
	}
	return s.locks.lock(ctx, s.ns, key)
}

// serialized reports whether the Store serializes its writes per key.
func (s *Store) serialized() bool { return s.locks != nil }

// detectNonAtomicUpdates asks the server for buildInfo and, if it is
// FerretDB 1.x, makes the Store serialize its writes per key and logs so.
// FerretDB adds ferretdbVersion and ferretdbFeatures to buildInfo; a
// version that does not read as 2 or later ("unknown" in builds without
// version information) counts as 1.x. A server whose buildInfo fails is
// treated the same way, since taking the locks is always safe, and logged;
// a context that ended is returned.
func (s *Store) detectNonAtomicUpdates(ctx context.Context) error {
	ns := s.coll.Database().Name() + "." + s.coll.Name()
	raw, err := s.coll.Database().Client().Database("admin").
		RunCommand(ctx, bson.D{{Key: "buildInfo", Value: 1}}).Raw()
	if err != nil {
		if ctx.Err() != nil {
			return err
		}
		s.ns, s.locks = ns, sharedKeyLocks
		s.logger.LogAttrs(ctx, slog.LevelWarn,
			"mongostore: buildInfo failed, so the server cannot be told from FerretDB 1.x; "+
				"conditional writes are serialized per key within this process",
			slog.String("collection", ns),
			slog.Any("error", err),
		)
		return nil
	}
	if !isFerretDB1(raw) {
		return nil
	}
	s.ns, s.locks = ns, sharedKeyLocks
	version, _ := raw.Lookup("ferretdbVersion").StringValueOK()
	s.logger.LogAttrs(ctx, slog.LevelWarn,
		"mongostore: FerretDB 1.x does not apply filtered updates atomically, so conditional writes "+
			"are serialized per key within this process only; several processes sharing the collection "+
			"can still lose updates. Use MongoDB or a newer FerretDB for multi-process deployments",
		slog.String("collection", ns),
		slog.String("ferretdb_version", version),
	)
	return nil
}

// isFerretDB1 reports whether a buildInfo reply comes from FerretDB 1.x (or
// from a FerretDB whose version does not read as 2 or later).
func isFerretDB1(buildInfo bson.Raw) bool {
	version, hasVersion := buildInfo.Lookup("ferretdbVersion").StringValueOK()
	if _, err := buildInfo.LookupErr("ferretdbFeatures"); err != nil && !hasVersion {
		return false // not FerretDB
	}
	major, _, _ := strings.Cut(strings.TrimPrefix(version, "v"), ".")
	n, err := strconv.Atoi(major)
	return err != nil || n < 2
}
