package httpsession_test

import (
	"io"
	"net/http"
	"testing"

	"github.com/serversession/serversession/adapters/adaptertest"
	"github.com/serversession/serversession/adapters/httpsession"
	"github.com/serversession/serversession/sessions"
)

func TestAdapter(t *testing.T) {
	adaptertest.Run(t, adaptertest.Harness{New: newServer})
}

// newServer serves routes on a ServeMux behind the session middleware and a
// recoverer, as a chi stack would.
func newServer(t *testing.T, cfg *sessions.Config, routes adaptertest.Routes) http.Handler {
	mux := http.NewServeMux()
	for path, route := range routes {
		mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
			if err := route(&exchange{w: w, r: r}); err != nil {
				t.Errorf("%s: %v", path, err)
			}
		})
	}
	var h http.Handler = mux
	if cfg != nil {
		h = httpsession.New(*cfg)(h)
	}
	return recoverer(h)
}

// exchange is adaptertest.Exchange for plain net/http.
type exchange struct {
	w      http.ResponseWriter
	r      *http.Request
	status int  // for the next Write
	sent   bool // the headers went out
}

func (x *exchange) Lookups() []any  { return []any{x.r, x.r.Context()} }
func (x *exchange) Status(code int) { x.status = code }

func (x *exchange) Write(body string) error {
	if !x.sent && x.status != 0 {
		x.w.WriteHeader(x.status)
	}
	x.sent = true
	_, err := io.WriteString(x.w, body)
	return err
}

func (x *exchange) Flush() error {
	x.sent = true
	return http.NewResponseController(x.w).Flush()
}

func (x *exchange) Redirect(code int, url string) error {
	http.Redirect(x.w, x.r, url, code)
	return nil
}

func (x *exchange) Fail(code int, msg string) error {
	http.Error(x.w, msg, code)
	return nil
}

// recoverer answers 500 when the handler panics, as chi's
// middleware.Recoverer does.
func recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
			}
		}()
		next.ServeHTTP(w, r)
	})
}
