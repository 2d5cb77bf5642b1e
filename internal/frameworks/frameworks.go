// Package frameworks lets an adapter teach sessions.Get where its
// framework's context keeps the *http.Request, so that the core finds the
// session without importing any framework. Adapters register in init.
package frameworks

import "net/http"

// RequestFunc returns the request held by a framework context c, and false
// when c is not that framework's context.
type RequestFunc func(c any) (*http.Request, bool)

var funcs []RequestFunc // written only by init functions, so read without locks

// Register adds f to the functions Request tries. Call it from init only.
func Register(f RequestFunc) { funcs = append(funcs, f) }

// Request returns the request held by c, if a registered framework knows c.
func Request(c any) (*http.Request, bool) {
	for _, f := range funcs {
		if r, ok := f(c); ok {
			return r, true
		}
	}
	return nil, false
}
