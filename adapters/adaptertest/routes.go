package adaptertest

import (
	"fmt"
	"strings"

	"github.com/serversession/serversession/sessions"
)

// dump describes a session's contents in a stable form: "a=1 b=x", or
// "(empty)".
func dump(s *sessions.Session) string {
	keys := s.Keys()
	if len(keys) == 0 {
		return "(empty)"
	}
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		v, _ := s.Get(k)
		parts = append(parts, fmt.Sprintf("%s=%v", k, v))
	}
	return strings.Join(parts, " ")
}

// show is a route that writes the session's contents.
func show(x Exchange) error { return x.Write(dump(session(x))) }

// setter returns a route that sets key, value pairs and writes "ok".
func setter(kv ...any) Route {
	return func(x Exchange) error {
		s := session(x)
		for i := 0; i+1 < len(kv); i += 2 {
			s.Set(kv[i].(string), kv[i+1])
		}
		return x.Write("ok")
	}
}

// untouched is a route that never looks at the session.
func untouched(x Exchange) error { return x.Write("untouched") }

// write is x.Write with formatting.
func write(x Exchange, format string, args ...any) error {
	return x.Write(fmt.Sprintf(format, args...))
}

// destroy is a route that destroys the session.
func destroy(x Exchange) error {
	session(x).Destroy()
	return x.Write("destroyed")
}

// id is a route that writes the session's ID and whether it is new.
func id(x Exchange) error {
	s := session(x)
	return write(x, "%s new=%t", s.ID(), s.IsNew())
}
