package httpsession_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"net/textproto"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/serversession/serversession/adapters/httpsession"
	"github.com/serversession/serversession/backends/memstore"
	"github.com/serversession/serversession/sessions"
)

// withSessions returns the middleware over a fresh memstore.
func withSessions(t *testing.T) (func(http.Handler) http.Handler, *memstore.Store) {
	store := memstore.New()
	t.Cleanup(func() {
		if err := store.Close(); err != nil {
			t.Errorf("memstore Close: %v", err)
		}
	})
	return httpsession.New(sessions.Config{Store: store, Logger: slog.New(slog.DiscardHandler)}), store
}

// serve sends one request to h over a real connection and returns the
// response, read whole, with its session cookie parsed by net/http.
func serve(t *testing.T, h http.Handler, path string) (*http.Response, string, *http.Cookie) {
	t.Helper()
	srv := httptest.NewServer(h)
	defer srv.Close()
	return get(t, srv.Client(), srv.URL+path)
}

func get(t *testing.T, hc *http.Client, url string) (*http.Response, string, *http.Cookie) {
	t.Helper()
	res, err := hc.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("GET %s: reading the body: %v", url, err)
	}
	var cookie *http.Cookie
	for _, c := range res.Cookies() {
		if c.Name == sessions.DefaultCookieName {
			cookie = c
		}
	}
	return res, string(body), cookie
}

// TestResponseController reaches the server's Flush, deadlines and
// full-duplex mode through the middleware's writer, by Unwrap.
func TestResponseController(t *testing.T) {
	mw, _ := withSessions(t)
	h := mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sessions.Get(r).Set("a", 1)
		rc := http.NewResponseController(w)
		for name, err := range map[string]error{
			"SetWriteDeadline": rc.SetWriteDeadline(time.Now().Add(time.Minute)),
			"SetReadDeadline":  rc.SetReadDeadline(time.Now().Add(time.Minute)),
			"EnableFullDuplex": rc.EnableFullDuplex(),
			"Flush":            rc.Flush(),
		} {
			if err != nil {
				t.Errorf("%s through the session writer: %v", name, err)
			}
		}
		fmt.Fprint(w, "ok")
	}))
	if _, body, cookie := serve(t, h, "/"); body != "ok" || cookie == nil {
		t.Errorf("GET / = %q, cookie %v", body, cookie)
	}
}

// statusWriter records the status, as chi's middleware.WrapResponseWriter
// and most logging middleware do, and keeps Unwrap.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(p)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// flushOnlyWriter is an older style of wrapper: no Unwrap, only Flush.
type flushOnlyWriter struct{ http.ResponseWriter }

func (w flushOnlyWriter) Flush() { w.ResponseWriter.(http.Flusher).Flush() }

// TestComposition stacks the middleware with others, chi style: a status
// logger outside, a wrapper without Unwrap inside, the standard library's
// StripPrefix and TimeoutHandler. The session commits whichever layer
// writes, and the outer logger sees the status the handler chose.
func TestComposition(t *testing.T) {
	mw, _ := withSessions(t)
	var mu sync.Mutex
	var logged []int
	logger := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			sw := &statusWriter{ResponseWriter: w}
			next.ServeHTTP(sw, r)
			mu.Lock()
			logged = append(logged, sw.status)
			mu.Unlock()
		})
	}
	oldStyle := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			next.ServeHTTP(flushOnlyWriter{w}, r)
		})
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/flush", func(w http.ResponseWriter, r *http.Request) {
		sessions.Get(r).Set("a", 1)
		w.(http.Flusher).Flush()
		fmt.Fprint(w, "flushed")
	})
	mux.Handle("/api/", http.StripPrefix("/api", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sessions.Get(r).Set("path", r.URL.Path)
		w.WriteHeader(http.StatusCreated)
		fmt.Fprint(w, r.URL.Path)
	})))
	mux.Handle("/slow", http.TimeoutHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sessions.Get(r).Set("a", 1)
		fmt.Fprint(w, "in time")
	}), time.Minute, "too slow"))
	h := logger(mw(oldStyle(mux)))

	for _, tc := range []struct{ path, body string }{
		{"/flush", "flushed"}, {"/api/items", "/items"}, {"/slow", "in time"},
	} {
		if _, body, cookie := serve(t, h, tc.path); body != tc.body || cookie == nil {
			t.Errorf("GET %s = %q, cookie %v; want %q with the session cookie", tc.path, body, cookie, tc.body)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if fmt.Sprint(logged) != "[200 201 200]" {
		t.Errorf("the outer logger saw statuses %v, want [200 201 200]", logged)
	}

	// The middleware outside a TimeoutHandler: the session commits when the
	// TimeoutHandler copies the buffered response out.
	outside := mw(http.TimeoutHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sessions.Get(r).Set("a", 1)
		fmt.Fprint(w, "buffered")
	}), time.Minute, "too slow"))
	if _, body, cookie := serve(t, outside, "/"); body != "buffered" || cookie == nil {
		t.Errorf("session outside TimeoutHandler: %q, cookie %v", body, cookie)
	}
}

// TestEarlyHints sends 103 Early Hints before setting the session: an
// informational response is not the headers, so the cookie goes with the
// final response.
func TestEarlyHints(t *testing.T) {
	mw, _ := withSessions(t)
	h := mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Link", "</style.css>; rel=preload; as=style")
		w.WriteHeader(http.StatusEarlyHints)
		sessions.Get(r).Set("a", 1)
		fmt.Fprint(w, "ok")
	}))
	srv := httptest.NewServer(h)
	defer srv.Close()
	var hints []textproto.MIMEHeader
	trace := &httptrace.ClientTrace{Got1xxResponse: func(code int, header textproto.MIMEHeader) error {
		hints = append(hints, header)
		return nil
	}}
	req, err := http.NewRequestWithContext(httptrace.WithClientTrace(context.Background(), trace), http.MethodGet, srv.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if _, err := io.Copy(io.Discard, res.Body); err != nil {
		t.Fatal(err)
	}
	if len(hints) != 1 {
		t.Fatalf("got %d informational responses, want the 103", len(hints))
	}
	if len(res.Cookies()) != 1 {
		t.Errorf("the final response set cookies %v, want the session's", res.Cookies())
	}
}

// TestReadFrom copies a body in with io.Copy (the server's sendfile path):
// the session commits first.
func TestReadFrom(t *testing.T) {
	mw, _ := withSessions(t)
	h := mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sessions.Get(r).Set("a", 1)
		// Hide strings.Reader's WriteTo, so that io.Copy calls w.ReadFrom.
		if _, err := io.Copy(w, struct{ io.Reader }{strings.NewReader("copied")}); err != nil {
			t.Error(err)
		}
	}))
	if _, body, cookie := serve(t, h, "/"); body != "copied" || cookie == nil {
		t.Errorf("GET / = %q, cookie %v", body, cookie)
	}
}

// TestHijack commits the session before the connection is handed over.
func TestHijack(t *testing.T) {
	mw, store := withSessions(t)
	h := mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := sessions.Get(r)
		s.Set("a", 1)
		conn, buf, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Errorf("Hijack: %v", err)
			return
		}
		defer conn.Close()
		// A hijacked connection (a WebSocket) may outlive the session's
		// usefulness by hours: the session must be saved by now.
		_, found, err := store.Load(context.Background(), sessions.DefaultKeyPrefix+s.ID())
		if err != nil || !found {
			t.Errorf("the session was not saved before the hijack (found %t, %v)", found, err)
		}
		fmt.Fprint(buf, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
		if err := buf.Flush(); err != nil {
			t.Errorf("writing to the hijacked connection: %v", err)
		}
	}))
	if _, body, _ := serve(t, h, "/"); body != "ok" {
		t.Fatalf("body %q", body)
	}
}

// TestServeMuxPatterns runs the standard mux's method and wildcard patterns
// behind the middleware: PathValue and sessions.Get both work, and a handler
// outside the middleware gets the null session, whose Err names the fix.
func TestServeMuxPatterns(t *testing.T) {
	mw, _ := withSessions(t)
	inner := http.NewServeMux()
	inner.HandleFunc("GET /items/{id}", func(w http.ResponseWriter, r *http.Request) {
		s := sessions.Get(r.Context())
		s.Set("last", r.PathValue("id"))
		fmt.Fprint(w, r.PathValue("id"))
	})
	outer := http.NewServeMux()
	outer.Handle("/items/", mw(inner))
	outer.HandleFunc("GET /public", func(w http.ResponseWriter, r *http.Request) {
		err := sessions.Get(r).Err()
		if !errors.Is(err, sessions.ErrNoMiddleware) || !strings.Contains(err.Error(), "httpsession.New") {
			t.Errorf("outside the middleware: Err() = %v", err)
		}
		fmt.Fprint(w, "public")
	})
	if _, body, cookie := serve(t, outer, "/items/42"); body != "42" || cookie == nil {
		t.Errorf("GET /items/42 = %q, cookie %v", body, cookie)
	}
	if _, body, cookie := serve(t, outer, "/public"); body != "public" || cookie != nil {
		t.Errorf("GET /public = %q, cookie %v", body, cookie)
	}
}
