package filestore_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/serversession/serversession/backends/filestore"
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

	if err := store.Save(ctx, "session:abc", []byte("user=42"), 31*24*time.Hour); err != nil {
		fmt.Println(err)
		return
	}
	data, found, err := store.Load(ctx, "session:abc")
	fmt.Printf("%s %v %v\n", data, found, err)

	// One file per session, named by a hash of the key, mode 0600.
	files, _ := filepath.Glob(filepath.Join(dir, "sessions", "*"))
	info, _ := os.Stat(files[0])
	fmt.Println(len(files), len(filepath.Base(files[0])), info.Mode())

	// Refreshing rewrites only the expiry in the file's header.
	if err := store.Touch(ctx, "session:abc", time.Hour); err != nil {
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
	// 1 64 -rw-------
	// false <nil>
}
