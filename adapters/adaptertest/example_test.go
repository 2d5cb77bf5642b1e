package adaptertest_test

import (
	"io"
	"net/http"
	"testing"

	"github.com/serversession/serversession/adapters/adaptertest"
	"github.com/serversession/serversession/adapters/httpsession"
	"github.com/serversession/serversession/sessions"
)

// An adapter's whole behaviour test is one call to Run, in its _test.go
// file:
//
//	func TestAdapter(t *testing.T) { adaptertest.Run(t, harness) }
//
// The Harness serves the suite's Routes behind the adapter, inside the
// framework's recovery, and an Exchange does the few things whose code
// differs between frameworks. This one is a (shortened) net/http harness;
// see adapters/httpsession, ginsession and echosession for complete ones.
func ExampleRun() {
	harness := adaptertest.Harness{
		New: func(t *testing.T, cfg *sessions.Config, routes adaptertest.Routes) http.Handler {
			mux := http.NewServeMux()
			for path, route := range routes {
				mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
					if err := route(&exchange{w: w, r: r}); err != nil {
						t.Errorf("%s: %v", path, err)
					}
				})
			}
			if cfg == nil {
				return mux // the suite also checks sessions.Get without middleware
			}
			return httpsession.New(*cfg)(mux)
		},
	}
	_ = harness // adaptertest.Run(t, harness) inside a Test function.
}

type exchange struct {
	w      http.ResponseWriter
	r      *http.Request
	status int
}

func (x *exchange) Lookups() []any  { return []any{x.r, x.r.Context()} }
func (x *exchange) Status(code int) { x.status = code }
func (x *exchange) Write(body string) error {
	if x.status != 0 {
		x.w.WriteHeader(x.status)
		x.status = 0
	}
	_, err := io.WriteString(x.w, body)
	return err
}
func (x *exchange) Flush() error { return http.NewResponseController(x.w).Flush() }
func (x *exchange) Redirect(code int, url string) error {
	http.Redirect(x.w, x.r, url, code)
	return nil
}
func (x *exchange) Fail(code int, msg string) error {
	http.Error(x.w, msg, code)
	return nil
}
