package ginsession_test

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/serversession/serversession/ginsession"
	"github.com/serversession/serversession/sessions"
)

// TestSetAfterStatus sets session values after c.Status(), which only
// records the status: the session still goes out with the response, also
// when the handler writes nothing and gin writes the headers after the
// chain.
func TestSetAfterStatus(t *testing.T) {
	r := newEngine(newCountingStore(t).Store)
	r.GET("/status-only", func(c *gin.Context) {
		c.Status(http.StatusCreated)
		c.Header("X-After", "status")
		sessions.Get(c).Set("a", 1)
	})
	r.GET("/status-then-write", func(c *gin.Context) {
		c.Status(http.StatusAccepted)
		sessions.Get(c).Set("a", 1)
		if _, err := c.Writer.WriteString("accepted"); err != nil {
			t.Error(err)
		}
	})
	r.GET("/no-content", func(c *gin.Context) {
		c.Status(http.StatusNoContent)
		sessions.Get(c).Set("a", 1)
	})
	for path, status := range map[string]int{"/status-only": 201, "/status-then-write": 202, "/no-content": 204} {
		res, cookie := serve(t, r, http.MethodGet, path, nil)
		if res.StatusCode != status || cookie == nil {
			t.Errorf("GET %s = %d, cookie %v; want %d with the session cookie", path, res.StatusCode, cookie, status)
		}
	}
}

// TestWriterHooks answers in each of gin's ways after setting a value: every
// one sends the headers through a hooked method (Write, WriteString,
// WriteHeaderNow, Flush), so the cookie goes with them.
func TestWriterHooks(t *testing.T) {
	answers := map[string]func(c *gin.Context){
		"WriteString":     func(c *gin.Context) { _, _ = c.Writer.WriteString("x") },
		"Write":           func(c *gin.Context) { _, _ = c.Writer.Write([]byte("x")) },
		"WriteHeaderNow":  func(c *gin.Context) { c.Writer.WriteHeaderNow() },
		"Flush":           func(c *gin.Context) { c.Writer.Flush() },
		"String":          func(c *gin.Context) { c.String(http.StatusOK, "x") },
		"JSON":            func(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"a": 1}) },
		"Data":            func(c *gin.Context) { c.Data(http.StatusOK, "text/plain", []byte("x")) },
		"AbortWithStatus": func(c *gin.Context) { c.AbortWithStatus(http.StatusUnauthorized) },
		"Redirect":        func(c *gin.Context) { c.Redirect(http.StatusSeeOther, "/") },
		"SSEvent":         func(c *gin.Context) { c.SSEvent("message", "x") },
		"Stream":          func(c *gin.Context) { c.Stream(func(w io.Writer) bool { fmt.Fprint(w, "x"); return false }) },
		"StatusOnly":      func(c *gin.Context) { c.Status(http.StatusTeapot) },
	}
	for name, answer := range answers {
		r := newEngine(newCountingStore(t).Store)
		r.GET("/", func(c *gin.Context) {
			sessions.Get(c).Set("a", 1)
			answer(c)
		})
		if _, cookie := serve(t, r, http.MethodGet, "/", nil); cookie == nil {
			t.Errorf("%s: no session cookie", name)
		}
	}
}

// TestHeadersOutFirst sets the first value of a new session after the
// headers went out by each hooked method: the cookie cannot follow, and the
// ErrorHandler hears of it.
func TestHeadersOutFirst(t *testing.T) {
	answers := map[string]func(c *gin.Context){
		"WriteString":    func(c *gin.Context) { _, _ = c.Writer.WriteString("x") },
		"Write":          func(c *gin.Context) { _, _ = c.Writer.Write([]byte("x")) },
		"WriteHeaderNow": func(c *gin.Context) { c.Writer.WriteHeaderNow() },
		"Flush":          func(c *gin.Context) { c.Writer.Flush() },
	}
	for name, answer := range answers {
		var mu sync.Mutex
		var got []error
		r := newEngine(newCountingStore(t).Store, func(cfg *sessions.Config) {
			cfg.ErrorHandler = func(_ http.ResponseWriter, _ *http.Request, err error) {
				mu.Lock()
				got = append(got, err)
				mu.Unlock()
			}
		})
		r.GET("/", func(c *gin.Context) {
			answer(c)
			sessions.Get(c).Set("a", 1)
		})
		if _, cookie := serve(t, r, http.MethodGet, "/", nil); cookie != nil {
			t.Errorf("%s: cookie %v after the headers went out", name, cookie)
		}
		mu.Lock()
		if len(got) != 1 || !errors.Is(got[0], sessions.ErrHeadersSent) {
			t.Errorf("%s: ErrorHandler got %v, want sessions.ErrHeadersSent", name, got)
		}
		mu.Unlock()
	}
}

// TestWriterReportsGin checks that the wrapped c.Writer reports what gin's
// own writer does: Status, Size and Written before and after a write.
func TestWriterReportsGin(t *testing.T) {
	r := newEngine(newCountingStore(t).Store)
	r.GET("/", func(c *gin.Context) {
		sessions.Get(c).Set("a", 1)
		w := c.Writer
		if w.Written() || w.Size() != -1 || w.Status() != http.StatusOK {
			t.Errorf("before writing: Written %t Size %d Status %d", w.Written(), w.Size(), w.Status())
		}
		c.String(http.StatusNonAuthoritativeInfo, "abc")
		if !w.Written() || w.Size() != 3 || w.Status() != http.StatusNonAuthoritativeInfo {
			t.Errorf("after writing: Written %t Size %d Status %d", w.Written(), w.Size(), w.Status())
		}
	})
	if res, cookie := serve(t, r, http.MethodGet, "/", nil); res.StatusCode != 203 || cookie == nil {
		t.Errorf("GET / = %d, cookie %v", res.StatusCode, cookie)
	}
}

// TestResponseController reaches the server's deadlines and Flush through
// c.Writer with http.ResponseController, as it does without the
// middleware: the wrapper must keep Unwrap.
func TestResponseController(t *testing.T) {
	r := newEngine(newCountingStore(t).Store)
	r.GET("/", func(c *gin.Context) {
		sessions.Get(c).Set("a", 1)
		rc := http.NewResponseController(c.Writer)
		if err := rc.SetWriteDeadline(time.Now().Add(time.Minute)); err != nil {
			t.Errorf("SetWriteDeadline through c.Writer: %v", err)
		}
		if err := rc.SetReadDeadline(time.Now().Add(time.Minute)); err != nil {
			t.Errorf("SetReadDeadline through c.Writer: %v", err)
		}
		if err := rc.Flush(); err != nil {
			t.Errorf("Flush through c.Writer: %v", err)
		}
		c.String(http.StatusOK, "ok")
	})
	srv := httptest.NewServer(r)
	defer srv.Close()
	res, err := srv.Client().Get(srv.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if _, err := io.ReadAll(res.Body); err != nil {
		t.Fatal(err)
	}
	if len(res.Cookies()) != 1 {
		t.Errorf("the flushed response set cookies %v, want the session's", res.Cookies())
	}
}

// TestHijack commits the session before the connection is handed over.
func TestHijack(t *testing.T) {
	store := newCountingStore(t)
	r := newEngine(store.Store)
	r.GET("/", func(c *gin.Context) {
		sessions.Get(c).Set("a", 1)
		conn, buf, err := c.Writer.Hijack()
		if err != nil {
			t.Errorf("Hijack: %v", err)
			return
		}
		defer conn.Close()
		// A hijacked connection (a WebSocket) may outlive the session's
		// usefulness by hours: the session must be saved by now.
		if n := store.Calls(); n != 1 {
			t.Errorf("%d store calls once hijacked, want the session saved before the hijack", n)
		}
		fmt.Fprint(buf, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
		if err := buf.Flush(); err != nil {
			t.Errorf("writing to the hijacked connection: %v", err)
		}
	})
	srv := httptest.NewServer(r)
	defer srv.Close()
	res, err := srv.Client().Get(srv.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil || string(body) != "ok" {
		t.Fatalf("body %q, %v", body, err)
	}
	if n := store.Calls(); n != 1 {
		t.Errorf("%d store calls, want the session saved once", n)
	}
}

// TestGetFromGinContexts finds the session through *gin.Context with and
// without ContextWithFallback, through c.Copy() (for goroutines) and through
// the request's context.
func TestGetFromGinContexts(t *testing.T) {
	for _, fallback := range []bool{false, true} {
		r := newEngine(newCountingStore(t).Store)
		r.ContextWithFallback = fallback
		r.GET("/", func(c *gin.Context) {
			s := sessions.Get(c)
			for name, v := range map[string]any{"c.Copy()": c.Copy(), "c.Request": c.Request, "c.Request.Context()": c.Request.Context()} {
				if sessions.Get(v) != s {
					t.Errorf("fallback %t: sessions.Get(%s) is another session", fallback, name)
				}
			}
			s.Set("a", 1)
		})
		if _, cookie := serve(t, r, http.MethodGet, "/", nil); cookie == nil {
			t.Errorf("fallback %t: no session cookie", fallback)
		}
	}
}

// TestGroupMiddleware uses the middleware on one group: routes outside it
// get the null session, whose Err names the fix.
func TestGroupMiddleware(t *testing.T) {
	r := gin.New()
	app := r.Group("/app", ginsession.New(sessions.Config{Store: newCountingStore(t).Store}))
	app.GET("/in", func(c *gin.Context) { sessions.Get(c).Set("a", 1) })
	r.GET("/out", func(c *gin.Context) {
		err := sessions.Get(c).Err()
		if !errors.Is(err, sessions.ErrNoMiddleware) || !strings.Contains(err.Error(), "ginsession.New") {
			t.Errorf("outside the group: Err() = %v", err)
		}
	})
	if _, cookie := serve(t, r, http.MethodGet, "/app/in", nil); cookie == nil {
		t.Error("inside the group: no session cookie")
	}
	if _, cookie := serve(t, r, http.MethodGet, "/out", nil); cookie != nil {
		t.Error("outside the group: a session cookie")
	}
}

// TestRecoveryOrder documents why gin.Recovery() must come before the
// session middleware, as gin.Default() puts it: the middleware only sees a
// panic that passes through it.
func TestRecoveryOrder(t *testing.T) {
	for _, recoveryFirst := range []bool{true, false} {
		store := newCountingStore(t)
		r := gin.New()
		mw := []gin.HandlerFunc{gin.RecoveryWithWriter(io.Discard), ginsession.New(sessions.Config{Store: store.Store})}
		if !recoveryFirst {
			mw[0], mw[1] = mw[1], mw[0]
		}
		r.Use(mw...)
		r.GET("/", func(c *gin.Context) {
			sessions.Get(c).Set("a", 1)
			panic("deliberate")
		})
		res, cookie := serve(t, r, http.MethodGet, "/", nil)
		if res.StatusCode != http.StatusInternalServerError {
			t.Errorf("recovery first %t: status %d, want 500", recoveryFirst, res.StatusCode)
		}
		saved := cookie != nil
		if saved == recoveryFirst {
			t.Errorf("recovery first %t: the panicking handler's session saved = %t", recoveryFirst, saved)
		}
	}
}
