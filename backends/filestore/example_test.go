package filestore_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/serversession/serversession/backends/filestore"
	"github.com/serversession/serversession/sessions"
)

func Example() {
	dir, err := os.MkdirTemp("", "sessions-example-")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)

	store, err := filestore.New(filepath.Join(dir, "sessions"), filestore.WithThreshold(1000))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer store.Close()
	ctx := context.Background()

	if err := store.Create(ctx, "session:abc", []byte("user=42"), 31*24*time.Hour); err != nil {
		fmt.Println(err)
		return
	}
	rec, found, err := store.Load(ctx, "session:abc")
	fmt.Printf("%s %v %v\n", rec.Data, found, err)

	// Writes are conditional: a second Create of the same key conflicts,
	// and Replace succeeds only over the record as it was loaded, even
	// when another process shares the directory.
	err = store.Create(ctx, "session:abc", []byte("user=7"), time.Hour)
	fmt.Println(errors.Is(err, sessions.ErrConflict))
	if err := store.Replace(ctx, "session:abc", rec, []byte("user=42;cart=1"), time.Hour); err != nil {
		fmt.Println(err)
		return
	}

	// One file per session, named by a hash of the key, mode 0600.
	files, err := filepath.Glob(filepath.Join(dir, "sessions", "[0-9a-f]*"))
	if err != nil || len(files) == 0 {
		fmt.Println("glob:", files, err)
		return
	}
	info, err := os.Stat(files[0])
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(len(files), len(filepath.Base(files[0])), info.Mode())

	// A read that refreshes the session rewrites only the expiry in the
	// file's header.
	if _, _, err := store.LoadTouch(ctx, "session:abc", time.Hour); err != nil {
		fmt.Println(err)
		return
	}
	if err := store.Delete(ctx, "session:abc"); err != nil {
		fmt.Println(err)
		return
	}
	_, found, err = store.Load(ctx, "session:abc")
	fmt.Println(found, err)
	// Output:
	// user=42 true <nil>
	// true
	// 1 64 -rw-------
	// false <nil>
}
