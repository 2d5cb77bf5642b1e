package memstore_test

import (
	"context"
	"fmt"
	"time"

	"github.com/serversession/serversession/backends/memstore"
)

func Example() {
	store := memstore.New() // sweeps expired records every minute
	defer store.Close()
	ctx := context.Background()

	if err := store.Save(ctx, "session:abc", []byte("user=42"), 30*time.Minute); err != nil {
		fmt.Println("save:", err)
		return
	}
	data, found, err := store.Load(ctx, "session:abc")
	fmt.Printf("%s %v %v\n", data, found, err)

	// A refresh extends the lifetime without rewriting the data.
	if err := store.Touch(ctx, "session:abc", time.Hour); err != nil {
		fmt.Println("touch:", err)
		return
	}

	if err := store.Delete(ctx, "session:abc"); err != nil {
		fmt.Println("delete:", err)
		return
	}
	_, found, err = store.Load(ctx, "session:abc")
	fmt.Println(found, err)
	// Output:
	// user=42 true <nil>
	// false <nil>
}
