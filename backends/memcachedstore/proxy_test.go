package memcachedstore_test

import (
	"io"
	"net"
	"sync"
	"testing"
	"time"
)

// proxy is a loopback TCP proxy to a real server that a test can stop (the
// listener and every connection close, so clients see the server go away)
// and start again on the same address.
type proxy struct {
	t      testing.TB
	target string
	addr   string

	mu    sync.Mutex
	ln    net.Listener
	conns map[net.Conn]struct{}
	wg    sync.WaitGroup
	sent  []byte // what clients sent, once tapping is on
	tap   bool
}

// Tap starts recording what clients send, forgetting what was recorded.
func (p *proxy) Tap() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.tap, p.sent = true, nil
}

// Sent returns what clients sent since Tap. Once a call has had its answer,
// all it sent has passed through the proxy.
func (p *proxy) Sent() []byte {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]byte(nil), p.sent...)
}

// tapWriter records what passes to the server when tapping is on.
type tapWriter struct {
	p  *proxy
	to net.Conn
}

func (w tapWriter) Write(b []byte) (int, error) {
	w.p.mu.Lock()
	if w.p.tap {
		w.p.sent = append(w.p.sent, b...)
	}
	w.p.mu.Unlock()
	return w.to.Write(b)
}

// startProxy listens on a free loopback port and forwards to target until the
// test ends.
func startProxy(t testing.TB, target string) *proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("proxy: listen: %v", err)
	}
	p := &proxy{t: t, target: target, addr: ln.Addr().String(), conns: map[net.Conn]struct{}{}}
	p.serve(ln)
	t.Cleanup(p.Stop)
	return p
}

// Addr is where clients connect.
func (p *proxy) Addr() string { return p.addr }

// Stop closes the listener and every open connection, and waits for the
// proxy's goroutines to end. Stopping a stopped proxy does nothing.
func (p *proxy) Stop() {
	p.mu.Lock()
	if p.ln != nil {
		_ = p.ln.Close()
		p.ln = nil
	}
	for c := range p.conns {
		_ = c.Close()
	}
	p.mu.Unlock()
	p.wg.Wait()
}

// Start listens again on the same address.
func (p *proxy) Start() {
	p.t.Helper()
	var ln net.Listener
	var err error
	for deadline := time.Now().Add(5 * time.Second); ; {
		if ln, err = net.Listen("tcp", p.addr); err == nil {
			break
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("proxy: listen again on %s: %v", p.addr, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	p.serve(ln)
}

func (p *proxy) serve(ln net.Listener) {
	p.mu.Lock()
	p.ln = ln
	p.mu.Unlock()
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			p.pipe(c)
		}
	}()
}

// pipe forwards c to a new connection to the target, both ways.
func (p *proxy) pipe(c net.Conn) {
	up, err := net.DialTimeout("tcp", p.target, 2*time.Second)
	if err != nil {
		_ = c.Close()
		return
	}
	p.mu.Lock()
	if p.ln == nil { // stopped meanwhile
		p.mu.Unlock()
		_ = c.Close()
		_ = up.Close()
		return
	}
	p.conns[c] = struct{}{}
	p.conns[up] = struct{}{}
	p.wg.Add(2)
	p.mu.Unlock()
	copyThenClose := func(dst, src net.Conn) {
		defer p.wg.Done()
		var w io.Writer = dst
		if dst == up {
			w = tapWriter{p, dst}
		}
		_, _ = io.Copy(w, src)
		_ = src.Close()
		_ = dst.Close()
		p.mu.Lock()
		delete(p.conns, src)
		delete(p.conns, dst)
		p.mu.Unlock()
	}
	go copyThenClose(up, c)
	go copyThenClose(c, up)
}

// blackhole accepts connections and never answers, for deadline tests. It
// closes when the test ends.
func blackhole(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("blackhole: listen: %v", err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		_ = ln.Close()
		<-done
		mu.Lock()
		for _, c := range conns {
			_ = c.Close()
		}
		mu.Unlock()
	})
	return ln.Addr().String()
}
