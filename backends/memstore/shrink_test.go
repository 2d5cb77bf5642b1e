package memstore

import (
	"fmt"
	"runtime"
	"testing"
	"time"
)

// heapInUse returns the bytes of heap in use after a full collection.
func heapInUse() uint64 {
	var ms runtime.MemStats
	runtime.GC()
	runtime.GC() // a second cycle frees what the first one's cleanups released
	runtime.ReadMemStats(&ms)
	return ms.HeapInuse
}

// TestMemoryReturnedAfterExpiry: once 200,000 sessions have expired and
// been swept, the heap goes back near where it was before they were
// created. Go maps never shrink, so this holds only because the sweep
// rebuilds the shards' maps that it emptied.
func TestMemoryReturnedAfterExpiry(t *testing.T) {
	if testing.Short() {
		t.Skip("creates 200,000 sessions")
	}
	const n = 200_000
	s := New(WithCleanupInterval(0))
	ctx := t.Context()
	if err := s.Create(ctx, "live", []byte("kept"), time.Hour); err != nil {
		t.Fatal(err)
	}
	base := heapInUse()

	data := []byte("a session of a few bytes")
	for i := range n {
		if err := s.Create(ctx, fmt.Sprintf("session-%032d", i), data, 50*time.Millisecond); err != nil {
			t.Fatal(err)
		}
	}
	full := heapInUse()
	if grown := int64(full) - int64(base); grown < 8<<20 {
		t.Fatalf("heap grew by %d bytes for %d sessions; the test cannot see their memory", grown, n)
	}
	time.Sleep(100 * time.Millisecond) // let every one of them expire
	if removed, err := s.DeleteExpired(ctx); err != nil || removed != n {
		t.Fatalf("DeleteExpired = %d, %v; want %d removed", removed, err, n)
	}
	after := heapInUse()
	t.Logf("heap in use: %d KiB empty, %d KiB with %d sessions, %d KiB after they expired and were swept",
		base>>10, full>>10, n, after>>10)

	// A clear margin: what is left over the baseline is at most a tenth of
	// what the sessions took. Without the rebuild about half stays: the
	// maps' memory, sized for the peak.
	if left, took := int64(after)-int64(base), int64(full)-int64(base); left > took/10 {
		t.Errorf("after the sweep the heap is %d bytes over its baseline, of the %d the sessions took; want at most a tenth back",
			left, took)
	}
	if _, found, err := s.Load(ctx, "live"); err != nil || !found {
		t.Fatalf("Load(live) after the sweep = (found %v, err %v); want the record kept by the rebuild", found, err)
	}
	runtime.KeepAlive(s)
}

// TestShrinkAfterDeletes: deleting most of a shard's records one by one
// rebuilds its map too, and keeps every record that is left.
func TestShrinkAfterDeletes(t *testing.T) {
	s := New(WithCleanupInterval(0))
	ctx := t.Context()
	const n = 64 * shrinkFloor * 4
	for i := range n {
		if err := s.Create(ctx, fmt.Sprint(i), []byte(fmt.Sprint(i)), time.Hour); err != nil {
			t.Fatal(err)
		}
	}
	for i := range n {
		if i%10 == 0 {
			continue
		}
		if err := s.Delete(ctx, fmt.Sprint(i)); err != nil {
			t.Fatal(err)
		}
	}
	rebuilt := 0
	for i := range s.records.shards {
		sh := &s.records.shards[i]
		if sh.peak < 4*len(sh.m) {
			rebuilt++
		}
	}
	if rebuilt != shardCount {
		t.Fatalf("%d of %d shards rebuilt their map after 90%% of their records were deleted; want all", rebuilt, shardCount)
	}
	for i := 0; i < n; i += 10 {
		if rec, found, err := s.Load(ctx, fmt.Sprint(i)); err != nil || !found || string(rec.Data) != fmt.Sprint(i) {
			t.Fatalf("Load(%d) after the rebuild = (%q, %v, %v); want the record", i, rec.Data, found, err)
		}
	}
	if got, want := s.count(), (n+9)/10; got != want {
		t.Fatalf("count after the deletes = %d; want %d", got, want)
	}
}
