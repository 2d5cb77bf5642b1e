package filestore

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/serversession/serversession/sessions"
)

// TestNewRejects: New fails with a message that says what is wrong.
func TestNewRejects(t *testing.T) {
	file := filepath.Join(t.TempDir(), "a-file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		dir  string
		opts []Option
		want string
	}{
		{"empty dir", "", nil, "empty directory name"},
		{"dir is a file", file, nil, "not usable"},
		{"dir under a file", filepath.Join(file, "sub"), nil, "not usable"},
		{"negative threshold", t.TempDir(), []Option{WithThreshold(-1)}, "WithThreshold(-1)"},
		{"mode without owner write", t.TempDir(), []Option{WithFileMode(0o400)}, "WithFileMode"},
		{"mode with type bits", t.TempDir(), []Option{WithFileMode(os.ModeDir | 0o700)}, "WithFileMode"},
	} {
		s, err := New(c.dir, c.opts...)
		if err == nil {
			_ = s.Close()
			t.Errorf("%s: New succeeded; want an error", c.name)
			continue
		}
		if !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: New error %q does not say %q", c.name, err, c.want)
		}
	}
}

// TestNewCreatesDir: a missing directory, parents included, is created.
func TestNewCreatesDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a", "b", "sessions")
	s, err := New(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		t.Fatalf("New did not create %s (stat: %v)", dir, err)
	}
}

// TestUnusableDirectory: when the directory is removed or replaced after
// New, every method returns an error. "Not found" would be wrong: the
// store cannot tell, and the lifecycle would log users out. "Conflict"
// would be wrong too: the store did not look.
func TestUnusableDirectory(t *testing.T) {
	for _, c := range []struct {
		name     string
		breakDir func(t *testing.T, dir string)
	}{
		{"removed", func(t *testing.T, dir string) {
			if err := os.RemoveAll(dir); err != nil {
				t.Fatal(err)
			}
		}},
		{"replaced by a file", func(t *testing.T, dir string) {
			if err := os.RemoveAll(dir); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(dir, []byte("not a dir"), 0o600); err != nil {
				t.Fatal(err)
			}
		}},
		{"unreadable", func(t *testing.T, dir string) {
			if os.Geteuid() == 0 {
				t.Skip("root reads a directory whatever its mode")
			}
			if err := os.Chmod(dir, 0); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = os.Chmod(dir, 0o700) })
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := newTestStore(t)
			ctx := t.Context()
			if err := s.Create(ctx, "saved", []byte("x"), time.Hour); err != nil {
				t.Fatal(err)
			}
			c.breakDir(t, s.dir)
			for _, key := range []string{"saved", "never-saved"} {
				if _, found, err := s.Load(ctx, key); err == nil {
					t.Errorf("Load(%q) = (found %v, nil error); want an error", key, found)
				}
				if _, found, err := s.LoadTouch(ctx, key, time.Hour); err == nil {
					t.Errorf("LoadTouch(%q) = (found %v, nil error); want an error", key, found)
				}
				if err := s.Delete(ctx, key); err == nil {
					t.Errorf("Delete(%q) returned nil; want an error", key)
				}
				if err := s.Create(ctx, key, []byte("y"), time.Hour); err == nil || errors.Is(err, sessions.ErrConflict) {
					t.Errorf("Create(%q) returned %v; want an error that is not a conflict", key, err)
				}
				if err := s.Replace(ctx, key, sessions.Record{Data: []byte("x")}, []byte("y"), time.Hour); err == nil || errors.Is(err, sessions.ErrConflict) {
					t.Errorf("Replace(%q) returned %v; want an error that is not a conflict", key, err)
				}
				if err := s.DeleteIf(ctx, key, sessions.Record{Data: []byte("x")}); err == nil || errors.Is(err, sessions.ErrConflict) {
					t.Errorf("DeleteIf(%q) returned %v; want an error that is not a conflict", key, err)
				}
			}
			if _, err := s.DeleteExpired(ctx); err == nil {
				t.Error("DeleteExpired returned nil; want an error")
			}
		})
	}
}

// TestNewRejectsReadOnlyDir: a directory the process cannot write to fails
// at New, not at the first Create.
func TestNewRejectsReadOnlyDir(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root writes to a directory whatever its mode")
	}
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o500); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.Chmod(dir, 0o700) })
	if s, err := New(dir); err == nil {
		_ = s.Close()
		t.Fatal("New on a read-only directory succeeded; want an error")
	} else if !strings.Contains(err.Error(), "not usable") {
		t.Errorf("New error %q does not say the directory is not usable", err)
	}
}
