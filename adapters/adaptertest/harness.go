package adaptertest

import (
	"net/http"
	"testing"

	"github.com/serversession/serversession/sessions"
)

// Harness is what an adapter's test gives the suite: a way to serve Routes
// behind the adapter's middleware.
type Harness struct {
	// New returns a handler that serves every path of routes (any method)
	// with the route's code, behind the adapter's middleware built from
	// *cfg, itself behind the framework's usual panic recovery, so that a
	// panicking route answers 500 and the server goes on (gin.Recovery(),
	// echo's middleware.Recover(), a recovering wrapper for net/http).
	//
	// A nil cfg means no session middleware at all: the suite then checks
	// what sessions.Get gives a handler that forgot it.
	//
	// Building the middleware with an invalid cfg must panic, as the
	// adapters' New functions do; New lets that panic through.
	New func(t *testing.T, cfg *sessions.Config, routes Routes) http.Handler
}

// Routes maps a path, such as "/set", to the route that serves it.
type Routes map[string]Route

// Route is the framework-neutral code of a handler. The harness calls it
// with an Exchange for the current request. It returns what the last
// Exchange call it made returned (Redirect, Fail, Write or Flush), or nil:
// an Echo handler returns it to Echo; for the other frameworks a non-nil
// error is a failure of the test.
type Route func(x Exchange) error

// Exchange is one request and its response in the framework's own terms.
// Each adapter's test implements it in a few lines; each method names the
// framework call it stands for.
type Exchange interface {
	// Lookups returns every value a handler of this framework may pass to
	// sessions.Get: the framework's own context first (*gin.Context,
	// echo.Context; the *http.Request for net/http), then the
	// *http.Request, then the request's context.Context.
	Lookups() []any

	// Status sets the response status without writing the headers, where
	// the framework can (gin's c.Status). Elsewhere the harness keeps the
	// code for the next Write, which is where the status goes out.
	Status(code int)

	// Write writes body text the framework's usual way (gin's c.String,
	// echo's c.String, w.Write), with the status given to Status, or 200.
	// Once the headers are out it appends to the body.
	Write(body string) error

	// Flush sends what was written so far to the client, the framework's
	// way (gin's c.Writer.Flush, echo's c.Response().Flush,
	// http.NewResponseController(w).Flush), even when nothing was written
	// before it.
	Flush() error

	// Redirect answers with a redirect to url (gin's c.Redirect, echo's
	// c.Redirect, http.Redirect).
	Redirect(code int, url string) error

	// Fail ends the handler with an error the framework's way: gin's
	// c.Error then c.String(code, msg); an *echo.HTTPError returned to Echo;
	// http.Error for net/http. The route returns what Fail returns.
	Fail(code int, msg string) error
}

// session returns the session the way an ordinary handler of the framework
// gets it: sessions.Get on the framework's own context.
func session(x Exchange) *sessions.Session {
	return sessions.Get(x.Lookups()[0])
}
