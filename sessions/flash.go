package sessions

import (
	"reflect"
	"slices"
)

// Flash is a one-time message kept in the session until read, as Flask's
// flash() and get_flashed_messages() keep them: stored as [category,
// message] pairs. A flash added concurrently survives; one taken is not
// brought back. The JSON tags are for the application's own encoding.
type Flash struct {
	Category string `json:"category"`
	Message  string `json:"message"`
}

// keyFlashes is Flask's key: a list of [category, message] pairs.
const keyFlashes = "_flashes"

// DefaultFlashCategory is Flask's default category.
const DefaultFlashCategory = "message"

// AddFlash appends a message for a later request, under category
// (DefaultFlashCategory when none is given).
func (s *Session) AddFlash(message string, category ...string) {
	cat := DefaultFlashCategory
	if len(category) > 0 {
		cat = category[0]
	}
	defer s.locked().Unlock()
	if !s.writable() {
		return
	}
	list, _ := s.values[keyFlashes].([]any)
	s.values[keyFlashes] = append(list, []any{cat, message})
	s.changes.mark(keyFlashes)
}

// Flashes removes and returns the pending messages, oldest first; with
// categories, only those in them.
func (s *Session) Flashes(categories ...string) []Flash {
	defer s.locked().Unlock()
	if s.state == null || !s.writable() {
		return nil // a null session has nothing to take: its reads are empty
	}
	list, ok := s.values[keyFlashes].([]any)
	if !ok {
		return nil
	}
	var out []Flash
	var kept []any
	for _, item := range list {
		f, ok := parseFlash(item)
		switch {
		case !ok:
			// Not Flask's shape: drop it rather than fail every later read.
		case len(categories) == 0 || slices.Contains(categories, f.Category):
			out = append(out, f)
		default:
			kept = append(kept, item)
		}
	}
	if len(kept) == len(list) {
		return nil // nothing taken or dropped: no change to save
	}
	if len(kept) > 0 {
		s.values[keyFlashes] = kept
	} else {
		delete(s.values, keyFlashes)
	}
	s.changes.mark(keyFlashes)
	return out
}

// parseFlash reads a stored [category, message] pair.
func parseFlash(item any) (Flash, bool) {
	pair, ok := item.([]any)
	if !ok || len(pair) != 2 {
		return Flash{}, false
	}
	cat, ok1 := pair[0].(string)
	msg, ok2 := pair[1].(string)
	return Flash{Category: cat, Message: msg}, ok1 && ok2
}

// mergeFlashes replays one request's changes to the flash list over the
// list another request stored since: the messages it took from base (the
// list it loaded) are removed from theirs, those it added are appended.
func mergeFlashes(base, ours, theirs any) []any {
	b, _ := base.([]any)
	o, _ := ours.([]any)
	t, _ := theirs.([]any)
	taken := without(b, o) // in base, no longer in ours
	added := without(o, b) // in ours, not in base
	return append(without(t, taken), added...)
}

// without returns list minus drop, as multisets, in list's order.
func without(list, drop []any) []any {
	out := make([]any, 0, len(list))
	used := make([]bool, len(drop))
next:
	for _, item := range list {
		for i, d := range drop {
			if !used[i] && reflect.DeepEqual(item, d) {
				used[i] = true
				continue next
			}
		}
		out = append(out, item)
	}
	return out
}
