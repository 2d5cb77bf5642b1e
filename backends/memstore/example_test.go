package memstore_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/serversession/serversession/backends/memstore"
	"github.com/serversession/serversession/sessions"
)

func Example() {
	store := memstore.New() // sweeps expired records every minute
	defer store.Close()
	ctx := context.Background()

	if err := store.Create(ctx, "session:abc", []byte("user=42"), 30*time.Minute); err != nil {
		fmt.Println("create:", err)
		return
	}
	rec, found, err := store.Load(ctx, "session:abc")
	fmt.Printf("%s %v %v\n", rec.Data, found, err)

	// Writes are conditional: Replace succeeds over the record just loaded,
	// and a second Replace over that same (now stale) record conflicts.
	if err := store.Replace(ctx, "session:abc", rec, []byte("user=42;cart=1"), 30*time.Minute); err != nil {
		fmt.Println("replace:", err)
		return
	}
	err = store.Replace(ctx, "session:abc", rec, []byte("user=42;cart=2"), 30*time.Minute)
	fmt.Println(errors.Is(err, sessions.ErrConflict))

	// A read that refreshes the session extends its lifetime in the same
	// step, without rewriting the data.
	if _, _, err := store.LoadTouch(ctx, "session:abc", time.Hour); err != nil {
		fmt.Println("load-touch:", err)
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
	// true
	// false <nil>
}
