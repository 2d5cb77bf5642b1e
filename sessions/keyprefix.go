package sessions

import (
	"fmt"
	"strings"
)

// KeyPrefixer is implemented by a Store that writes keys of its own beside
// the records whose keys the Manager hands it, such as redisstore's index
// of a user's sessions, under a prefix fixed when the store is made.
// Config.KeyPrefix governs every key the library writes, so New refuses a
// Store whose KeyPrefix differs from the Config's, with a message that
// names the store's option: a store implementing KeyPrefixer offers an
// option WithKeyPrefix in its package that sets the prefix. Stores that
// write only the keys they are given need not implement it.
type KeyPrefixer interface {
	// KeyPrefix returns the prefix of the keys the store writes of its own.
	// Its default should be DefaultKeyPrefix, the Config's.
	KeyPrefix() string
}

// checkKeyPrefix reports a Store whose own keys would not start with the
// Config's KeyPrefix, and says what to pass to make them agree.
func checkKeyPrefix(store Store, prefix string) error {
	kp, ok := store.(KeyPrefixer)
	if !ok {
		return nil
	}
	theirs := kp.KeyPrefix()
	if theirs == prefix {
		return nil
	}
	// "*redisstore.Store" names the option redisstore.WithKeyPrefix.
	pkg, _, _ := strings.Cut(strings.TrimLeft(fmt.Sprintf("%T", store), "*"), ".")
	return fmt.Errorf("KeyPrefix is %q but the Store (%T) writes keys of its own under %q, so they would not start with KeyPrefix: "+
		"make the store with %s.WithKeyPrefix(%q), or set KeyPrefix to %q",
		prefix, store, theirs, pkg, prefix, theirs)
}
