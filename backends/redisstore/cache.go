package redisstore

import "sync"

// staleKeys is a small set of keys whose next Load bypasses the client-side
// cache. It holds at most staleMax keys: past that it starts over, and a
// key dropped so only gets a cached Load, which the cache's invalidation
// or MaxStaleness soon corrects (the write conflicts again meanwhile,
// never loses an update).
type staleKeys struct {
	mu   sync.Mutex
	keys map[string]struct{}
}

const staleMax = 1024

func (k *staleKeys) add(key string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.keys == nil || len(k.keys) >= staleMax {
		k.keys = make(map[string]struct{})
	}
	k.keys[key] = struct{}{}
}

// take reports whether key is in the set, and removes it.
func (k *staleKeys) take(key string) bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	if _, ok := k.keys[key]; ok {
		delete(k.keys, key)
		return true
	}
	return false
}
