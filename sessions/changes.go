package sessions

import (
	"bytes"
	"slices"
)

// changes is what one request did to its session: the keys it set or
// deleted (what it left under each is in Session.values), whether it
// cleared the session, and whether a save was asked for. The commit asks
// it whether to write; a write that meets another request's replays it
// over that record (see rebase).
type changes struct {
	keys    []string // set or deleted, in no particular order; "_permanent" for SetPermanent
	cleared bool     // Clear or Destroy: the record's other keys are all gone
	forced  bool     // MarkModified or Regenerate: save even if nothing changed
}

// mark records that key was set or deleted.
func (c *changes) mark(key string) {
	if !slices.Contains(c.keys, key) {
		c.keys = append(c.keys, key)
	}
}

// has reports whether key was set or deleted.
func (c *changes) has(key string) bool { return slices.Contains(c.keys, key) }

// clear records that every key went.
func (c *changes) clear() {
	c.keys = c.keys[:0]
	c.cleared = true
}

// any reports whether the request changed anything it knows of.
func (c *changes) any() bool { return len(c.keys) > 0 || c.cleared || c.forced }

// reset forgets the changes once they are saved.
func (c *changes) reset() { *c = changes{keys: c.keys[:0]} }

// changedInPlace reports whether a value loaded was changed inside (an
// item added to a stored map, say): data, the session encoded now, differs
// from the record, compared in this codec's encoding (Flask's msgspec does
// not sort keys).
func (s *Session) changedInPlace(data []byte) bool {
	if bytes.Equal(data, s.base.Data) {
		return false
	}
	values, md, err := s.decode(s.base.Data)
	if err != nil {
		return true
	}
	canon, err := encodeRecord(s.m.cfg.Codec, values, md)
	return err != nil || !bytes.Equal(canon, data)
}

// markInPlace marks the keys whose values changed inside since base was
// loaded: values neither set nor deleted whose encoding is no longer the
// record's.
func (s *Session) markInPlace(base map[string]any) {
	for k, v := range s.values {
		if s.changes.has(k) || !mutable(v) {
			continue
		}
		if old, ok := base[k]; !ok || !s.sameEncoding(v, old) {
			s.changes.mark(k)
		}
	}
}

// keepUnchanged puts back into theirs the session's own value of each key
// that neither request changed, so that a handler still holding a nested
// value it got earlier changes the session when it changes that value.
func (s *Session) keepUnchanged(theirs, base map[string]any) {
	for k, v := range theirs {
		if ours, ok := s.values[k]; ok && mutable(ours) && !s.changes.has(k) && s.sameEncoding(v, base[k]) {
			theirs[k] = ours
		}
	}
}

// sameEncoding reports whether the Codec encodes a and b alike.
func (s *Session) sameEncoding(a, b any) bool {
	x, err1 := s.m.cfg.Codec.Marshal(a)
	y, err2 := s.m.cfg.Codec.Marshal(b)
	return err1 == nil && err2 == nil && bytes.Equal(x, y)
}

// rebase replays this request's changes over cur, the record another
// request stored since this one loaded base: keys this request set,
// deleted or changed in place take its values, the others keep theirs, and
// flash lists are merged (see mergeFlashes). The caller holds s.mu.
func (s *Session) rebase(cur Record) error {
	theirs, md, err := s.decode(cur.Data)
	if err != nil {
		return err
	}
	if !s.changes.cleared {
		base, _, err := s.decode(s.base.Data)
		if err != nil {
			return err
		}
		s.markInPlace(base)
		s.keepUnchanged(theirs, base)
		for _, k := range s.changes.keys {
			switch v, ok := s.values[k]; {
			case k == keyPermanent:
			case k == keyFlashes:
				if list := mergeFlashes(base[k], v, theirs[k]); len(list) > 0 {
					theirs[k] = list
				} else {
					delete(theirs, k)
				}
			case ok:
				theirs[k] = v
			default:
				delete(theirs, k)
			}
		}
		s.values = theirs
	}
	if !s.changes.has(keyPermanent) {
		s.meta.permanent = md.permanent
	}
	if md.created != 0 {
		s.meta.created = md.created
	}
	// The index's state is the record's, and its device unless this
	// request ties it.
	s.meta.tied = md.tied
	if md.ref != "" {
		s.meta.ref = md.ref
	}
	if !s.changes.has(keyUserAgent) && md.userAgent != "" {
		s.meta.userAgent, s.meta.ip = md.userAgent, md.ip
	}
	s.base = cur
	return nil
}
