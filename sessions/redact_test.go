package sessions

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// keyError is a store error that quotes the storage key, as stores do.
type keyError struct {
	key string
	err error
}

func (e *keyError) Error() string { return fmt.Sprintf("teststore: load %q: %v", e.key, e.err) }
func (e *keyError) Unwrap() error { return e.err }

// The redacted error keeps its chain for errors.Is and errors.As, but no
// error it hands back holds the session ID in its text.
func TestRedactedErrorChainLeaksNoID(t *testing.T) {
	h := newHarness(t, nil, nil)
	c := h.login(map[string]any{"a": 1})
	h.store.failLoad = &keyError{key: DefaultKeyPrefix + c.Value, err: context.DeadlineExceeded}
	h.serve(read("a"), c)
	errs := h.errs.list()
	if len(errs) != 1 {
		t.Fatalf("errors %v", errs)
	}
	err := errs[0]
	if strings.Contains(err.Error(), c.Value) {
		t.Fatalf("the error's text holds the ID: %v", err)
	}
	if !errors.Is(err, ErrStoreLoad) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("the chain lost ErrStoreLoad or the cause: %v", err)
	}
	var ke *keyError
	if errors.As(err, &ke) {
		t.Errorf("errors.As hands back the store's error, whose text holds the ID: %v", ke)
	}
	// Nothing reachable through Unwrap holds it.
	var walk func(error)
	walk = func(e error) {
		if e == nil {
			return
		}
		if strings.Contains(e.Error(), c.Value) {
			t.Errorf("an error in the chain holds the ID: %v", e)
		}
		switch u := e.(type) {
		case interface{ Unwrap() error }:
			walk(u.Unwrap())
		case interface{ Unwrap() []error }:
			for _, x := range u.Unwrap() {
				walk(x)
			}
		}
	}
	walk(err)
}
