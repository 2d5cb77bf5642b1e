package filestore

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/serversession/serversession/sessions"
)

// TestKeysStayInsideDir: keys that look like paths, or hold NUL, create
// files named by their hash inside the directory and nothing elsewhere.
func TestKeysStayInsideDir(t *testing.T) {
	parent := t.TempDir()
	s, err := New(filepath.Join(parent, "sessions"))
	if err != nil {
		t.Fatal(err)
	}
	keys := []string{
		"../escape", "../../../../tmp/pwned", "/etc/passwd", "a/b/c", "..", ".", "",
		"nul\x00byte", `..\..\windows`, "session:" + strings.Repeat("A", 5000), ".tmp-looks-like-a-temp",
	}
	ctx := t.Context()
	for i, k := range keys {
		if err := s.Create(ctx, k, []byte{byte(i)}, time.Hour); err != nil {
			t.Fatalf("Create(%q): %v", k, err)
		}
	}
	for i, k := range keys {
		rec, found, err := s.Load(ctx, k)
		if err != nil || !found || !bytes.Equal(rec.Data, []byte{byte(i)}) {
			t.Errorf("Load(%q) = (%v, %v, %v); want ([%d], true, nil)", k, rec.Data, found, err, i)
		}
	}
	got := names(t, s)
	if len(got) != len(keys) {
		t.Errorf("directory holds %d files %q; want one per key (%d)", len(got), got, len(keys))
	}
	for _, n := range got {
		if _, ok := sessionFile(n); !ok {
			t.Errorf("file %q in the directory is not a 64-hex-character session name", n)
		}
	}
	top, err := os.ReadDir(parent)
	if err != nil {
		t.Fatal(err)
	}
	if len(top) != 1 || top[0].Name() != "sessions" {
		var n []string
		for _, e := range top {
			n = append(n, e.Name())
		}
		t.Errorf("the parent directory holds %q; want only the store's directory", n)
	}
}

// TestFileMode: files get mode 0600 by default, the configured mode
// otherwise, whatever the umask; the directory is created 0700.
func TestFileMode(t *testing.T) {
	ctx := t.Context()
	for _, c := range []struct {
		opts []Option
		want fs.FileMode
	}{
		{nil, 0o600},
		{[]Option{WithFileMode(0o640)}, 0o640},
	} {
		s := newTestStore(t, c.opts...)
		if err := s.Create(ctx, "k", []byte("x"), time.Hour); err != nil {
			t.Fatal(err)
		}
		fi, err := os.Stat(fileOf(s, "k"))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != c.want {
			t.Errorf("session file mode = %v; want %v", fi.Mode().Perm(), c.want)
		}
		di, err := os.Stat(s.dir)
		if err != nil {
			t.Fatal(err)
		}
		if di.Mode().Perm() != 0o700 {
			t.Errorf("directory mode = %v; want 0700", di.Mode().Perm())
		}
	}
}

// TestCorruptFileIsMissing: a damaged file is reported as not found (never
// an error, never a panic) by Load, LoadTouch and DeleteIf (which
// conflicts), and removed.
func TestCorruptFileIsMissing(t *testing.T) {
	valid := validRecord()
	future := appendRecord(nil, []byte("data"), time.Now().Add(time.Hour).UnixNano())
	contents := map[string][]byte{
		"empty":       {},
		"garbage":     []byte("this is not a session file at all, just text"),
		"truncated":   future[:len(future)-1],
		"header only": future[:headerSize],
		"wrong magic": append([]byte("XSES"), future[4:]...),
		"version 9":   withByte(future, 4, 9),
		"bad data":    withByte(future, headerSize, future[headerSize]^0xff),
		"old expiry":  valid, // expired in 2023
	}
	ctx := t.Context()
	s := newTestStore(t)
	for name, b := range contents {
		for _, op := range []string{"Load", "LoadTouch", "DeleteIf"} {
			key := name + "/" + op
			p := fileOf(s, key)
			if err := os.WriteFile(p, b, 0o600); err != nil {
				t.Fatal(err)
			}
			var (
				found bool
				err   error
			)
			switch op {
			case "Load":
				_, found, err = s.Load(ctx, key)
			case "LoadTouch":
				_, found, err = s.LoadTouch(ctx, key, time.Hour)
			case "DeleteIf":
				// Over the bytes the file would hold if it were whole: a
				// corrupt file is no record, so DeleteIf conflicts.
				if err = s.DeleteIf(ctx, key, sessions.Record{Data: []byte("data")}); errors.Is(err, sessions.ErrConflict) {
					err = nil
				} else {
					t.Errorf("DeleteIf of a %s file returned %v; want an error wrapping sessions.ErrConflict", name, err)
				}
			}
			if err != nil || found {
				t.Errorf("%s of a %s file = (found %v, err %v); want not found, no error", op, name, found, err)
			}
			if _, err := os.Stat(p); !os.IsNotExist(err) {
				t.Errorf("%s of a %s file left it in place (stat: %v); want it removed", op, name, err)
			}
		}
	}
}

// TestLoadTouchRewritesHeaderOnly: LoadTouch changes the expiry in the
// header of the same file (same inode, data bytes untouched) instead of
// writing a new file.
func TestLoadTouchRewritesHeaderOnly(t *testing.T) {
	s := newTestStore(t)
	ctx := t.Context()
	data := bytes.Repeat([]byte("0123456789"), 1000)
	if err := s.Create(ctx, "k", data, time.Minute); err != nil {
		t.Fatal(err)
	}
	p := fileOf(s, "k")
	before, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	fiBefore, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	if rec, found, err := s.LoadTouch(ctx, "k", 48*time.Hour); err != nil || !found || !bytes.Equal(rec.Data, data) {
		t.Fatalf("LoadTouch = (%d bytes, found %v, err %v); want the record's %d bytes", len(rec.Data), found, err, len(data))
	}
	after, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	fiAfter, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	if !os.SameFile(fiBefore, fiAfter) {
		t.Error("LoadTouch replaced the file; want the header rewritten in place")
	}
	if !bytes.Equal(before[headerSize:], after[headerSize:]) {
		t.Error("LoadTouch changed the data part of the file")
	}
	oldExp := int64(binary.BigEndian.Uint64(before[5:13]))
	newExp := int64(binary.BigEndian.Uint64(after[5:13]))
	if d := time.Duration(newExp - oldExp); d < 47*time.Hour {
		t.Errorf("LoadTouch(48h) moved the expiry by %v; want about 48h-1m", d)
	}
	if _, got, err := parseRecord(after); err != nil || !bytes.Equal(got, data) {
		t.Errorf("the touched file does not parse back to the data (err %v)", err)
	}
}

// TestStaleTempFilesRemoved: DeleteExpired removes temporary files left by
// a crash once they are old, and leaves young ones (a Create or Replace in progress).
func TestStaleTempFilesRemoved(t *testing.T) {
	s := newTestStore(t)
	old := filepath.Join(s.dir, tempPrefix+"old")
	young := filepath.Join(s.dir, tempPrefix+"young")
	for _, p := range []string{old, young} {
		if err := os.WriteFile(p, []byte("partial"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	long := time.Now().Add(-2 * staleTempAge)
	if err := os.Chtimes(old, long, long); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DeleteExpired(t.Context()); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(old); !os.IsNotExist(err) {
		t.Errorf("old temporary file still there (stat: %v)", err)
	}
	if _, err := os.Stat(young); err != nil {
		t.Errorf("young temporary file removed (stat: %v); want it kept", err)
	}
}

// TestForeignFilesIgnored: files that are not session files are neither
// counted nor removed.
func TestForeignFilesIgnored(t *testing.T) {
	s := newTestStore(t, WithThreshold(2))
	readme := filepath.Join(s.dir, "README")
	if err := os.WriteFile(readme, []byte("keep me"), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	for _, k := range []string{"a", "b", "c", "d"} {
		if err := s.Create(ctx, k, []byte(k), time.Hour); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.DeleteExpired(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(readme); err != nil {
		t.Errorf("a foreign file was removed: %v", err)
	}
}
