package mongostore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/serversession/serversession/sessions"
)

// TestIsFerretDB1 checks the detection on buildInfo replies of each kind.
func TestIsFerretDB1(t *testing.T) {
	features := bson.D{{Key: "aggregationStages", Value: bson.A{"$match"}}}
	for _, tc := range []struct {
		name  string
		reply bson.D
		want  bool
	}{
		{"MongoDB", bson.D{{Key: "version", Value: "7.0.14"}}, false},
		{"FerretDB 1.24", bson.D{{Key: "version", Value: "7.0.42"}, {Key: "ferretdbVersion", Value: "v1.24.0"}, {Key: "ferretdbFeatures", Value: features}}, true},
		{"FerretDB without version information", bson.D{{Key: "ferretdbVersion", Value: "unknown"}, {Key: "ferretdbFeatures", Value: features}}, true},
		{"FerretDB features alone", bson.D{{Key: "ferretdbFeatures", Value: features}}, true},
		{"FerretDB 2", bson.D{{Key: "version", Value: "7.0.77"}, {Key: "ferretdbVersion", Value: "v2.1.0"}}, false},
	} {
		raw, err := bson.Marshal(tc.reply)
		if err != nil {
			t.Fatal(err)
		}
		if got := isFerretDB1(raw); got != tc.want {
			t.Errorf("%s: isFerretDB1(%v) = %v; want %v", tc.name, bson.Raw(raw), got, tc.want)
		}
	}
}

// recordingHandler keeps every record logged through it.
type recordingHandler struct {
	mu      sync.Mutex
	records []slog.Record
}

func (h *recordingHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h *recordingHandler) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h *recordingHandler) WithGroup(string) slog.Handler            { return h }
func (h *recordingHandler) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.records = append(h.records, r)
	return nil
}

// TestSerializedOnFerretDB checks that New detects the test server as it is
// (asking buildInfo itself) and, on FerretDB 1.x, serializes writes and
// warns once; on MongoDB it takes no lock and says nothing about it.
func TestSerializedOnFerretDB(t *testing.T) {
	client := connect(t, mongoURI(t))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	raw, err := client.Database("admin").RunCommand(ctx, bson.D{{Key: "buildInfo", Value: 1}}).Raw()
	if err != nil {
		t.Fatalf("buildInfo: %v", err)
	}
	_, err = raw.LookupErr("ferretdbFeatures")
	ferret := err == nil
	version, _ := raw.Lookup("ferretdbVersion").StringValueOK()
	t.Logf("server: version %s, FerretDB: %v (ferretdbVersion %q)", raw.Lookup("version"), ferret, version)

	h := &recordingHandler{}
	s, err := New(ctx, testCollection(t, client), WithLogger(slog.New(h)))
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	wantSerialized := ferret && !strings.HasPrefix(version, "v2") && !strings.HasPrefix(version, "2")
	if s.serialized() != wantSerialized {
		t.Fatalf("serialized() = %v; want %v on this server", s.serialized(), wantSerialized)
	}
	var warnings []string
	for _, r := range h.records {
		if strings.Contains(r.Message, "filtered updates") {
			if r.Level != slog.LevelWarn {
				t.Errorf("logged %q at %v; want Warn", r.Message, r.Level)
			}
			warnings = append(warnings, r.Message)
		}
	}
	switch {
	case wantSerialized && len(warnings) != 1:
		t.Fatalf("New logged %d warnings about filtered updates; want 1: %q", len(warnings), warnings)
	case !wantSerialized && len(warnings) != 0:
		t.Fatalf("New warned about filtered updates on a server that applies them atomically: %q", warnings)
	}
	if wantSerialized {
		for _, part := range []string{"FerretDB 1.x", "within this process", "several processes", "MongoDB or a newer FerretDB"} {
			if !strings.Contains(warnings[0], part) {
				t.Errorf("warning %q lacks %q", warnings[0], part)
			}
		}
	}
}

// TestReplaceRaceTwoStores races Replaces through two Stores of one process
// on one collection: the locks are shared, so there is still exactly one
// winner a round on FerretDB 1.x.
func TestReplaceRaceTwoStores(t *testing.T) {
	a := newTestStore(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	client := connect(t, mongoURI(t))
	b, err := New(ctx, client.Database(testDatabase).Collection(a.coll.Name()), WithLogger(testLogger(t)))
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	replaceRace(t, ctx, a, b)
}

// TestDeleteIfReplaceRaceTwoStores races DeleteIfs and Replaces through
// two Stores of one process on one collection: the locks are shared, so
// there is still exactly one winner a round on FerretDB 1.x.
func TestDeleteIfReplaceRaceTwoStores(t *testing.T) {
	a := newTestStore(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	client := connect(t, mongoURI(t))
	b, err := New(ctx, client.Database(testDatabase).Collection(a.coll.Name()), WithLogger(testLogger(t)))
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	deleteIfReplaceRace(t, ctx, a, b)
}

// TestLoadTouchReplaceRace races LoadTouch against Replaces of one record:
// a LoadTouch must never write back the data it found over a Replace that
// won, so the stored data is always the winner's.
func TestLoadTouchReplaceRace(t *testing.T) {
	s := newTestStore(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := s.Create(ctx, "k", []byte("r0"), time.Hour); err != nil {
		t.Fatal(err)
	}
	for round := range 20 {
		rec, found, err := s.Load(ctx, "k")
		if err != nil || !found {
			t.Fatalf("round %d: Load = (%v, %v)", round, found, err)
		}
		var mu sync.Mutex
		var winner []byte
		wins := race(t, 8, func(i int) error {
			if i%2 == 1 {
				_, _, err := s.LoadTouch(ctx, "k", time.Hour)
				return err
			}
			data := fmt.Appendf(nil, "r%d-%d", round+1, i)
			err := s.Replace(ctx, "k", rec, data, time.Hour)
			if err == nil {
				mu.Lock()
				winner = data
				mu.Unlock()
			}
			return err
		})
		// Every LoadTouch succeeds; one Replace wins.
		if wins != 4+1 {
			t.Fatalf("round %d: %d operations succeeded; want the 4 LoadTouches and 1 Replace", round, wins)
		}
		if got := rawVal(t, s, "k"); !bytes.Equal(got, winner) {
			t.Fatalf("round %d: stored %q; want the winning Replace's %q", round, got, winner)
		}
	}
}

// TestKeyLockContext checks that waiting for a held stripe ends with the
// context, and that a write then fails with the context's error.
func TestKeyLockContext(t *testing.T) {
	l := newKeyLocks()
	unlock, err := l.lock(context.Background(), "db.c", "k")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := l.lock(ctx, "db.c", "k"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("lock of a held key = %v; want context.DeadlineExceeded", err)
	}
	unlock()
	unlock2, err := l.lock(context.Background(), "db.c", "k")
	if err != nil {
		t.Fatalf("lock after unlock: %v", err)
	}
	unlock2()

	// Through a Store: a Replace waiting on a held stripe gives up with its
	// context, wrapped with the operation.
	s := newTestStore(t)
	if !s.serialized() {
		return
	}
	unlock, err = s.lockKey(context.Background(), "held")
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	ctx2, cancel2 := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel2()
	err = s.Replace(ctx2, "held", sessions.Record{Data: []byte("x")}, []byte("y"), time.Hour)
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), `mongostore: replace "held"`) {
		t.Fatalf("Replace on a held key = %v; want a wrapped context.DeadlineExceeded", err)
	}
	ctx3, cancel3 := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel3()
	err = s.DeleteIf(ctx3, "held", sessions.Record{Data: []byte("x")})
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), `mongostore: delete-if "held"`) {
		t.Fatalf("DeleteIf on a held key = %v; want a wrapped context.DeadlineExceeded", err)
	}
}
