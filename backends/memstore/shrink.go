package memstore

// shrinkFloor is the peak, in entries, below which a shard's map is never
// rebuilt: the memory a map that small keeps is not worth the copy.
const shrinkFloor = 256

// shrinkIfSparse replaces the shard's map with a fresh one holding only
// its live entries when it holds less than a quarter of its peak. A Go map
// never gives back the memory it grew to, so without this a store that
// once held many sessions would keep their map's memory after they
// expired. The caller holds sh.mu for writing.
//
// The check is two comparisons. The copy visits the entries left, fewer
// than a quarter of the peak, and the peak starts again from them, so the
// next copy comes only after at least three times as many removals as it
// copies: the cost is amortized over the removals, and Load never pays it.
func (sh *shard) shrinkIfSparse() {
	if sh.peak < shrinkFloor || len(sh.m) >= sh.peak/4 {
		return
	}
	m := make(map[string]entry, len(sh.m))
	for k, e := range sh.m {
		m[k] = e
	}
	sh.m = m
	sh.peak = len(m)
}
