package memstore

// IndexEntries returns how many keys s's index holds for user, whether or
// not their records are live: the size of the user's key set, for the
// conformance suite's Harness.IndexEntries.
func IndexEntries(s *Store, user string) int {
	ix := &s.records.index
	ix.mu.Lock()
	defer ix.mu.Unlock()
	return len(ix.byUser[user])
}

// Len returns how many records s holds, expired ones included.
func (s *Store) Len() int {
	n := 0
	for i := range s.records.shards {
		sh := &s.records.shards[i]
		sh.mu.RLock()
		n += len(sh.m)
		sh.mu.RUnlock()
	}
	return n
}
