package sessions

import "slices"

// Flash is a one-time message kept in the session until read, as Flask's
// flash() and get_flashed_messages() keep them.
type Flash struct {
	Category string
	Message  string
}

// keyFlashes is Flask's key: a list of [category, message] pairs.
const keyFlashes = "_flashes"

// DefaultFlashCategory is Flask's default category.
const DefaultFlashCategory = "message"

// AddFlash appends a message for a later request, under category (Flask's
// default "message" when none is given).
func (s *Session) AddFlash(message string, category ...string) {
	cat := DefaultFlashCategory
	if len(category) > 0 {
		cat = category[0]
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.writable() {
		return
	}
	list, _ := s.values[keyFlashes].([]any)
	s.values[keyFlashes] = append(list, []any{cat, message})
	s.modified = true
}

// Flashes removes and returns the pending messages, oldest first. With
// categories, only messages in those categories are returned and removed;
// the others stay for later.
func (s *Session) Flashes(categories ...string) []Flash {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.load()
	if s.nullReason != nil {
		return nil // nothing to take; reads of a null session are empty
	}
	if !s.writable() {
		return nil
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
	s.modified = true
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
