package testserver

import (
	"io"
	"net"
	"sync"
	"testing"
	"time"
)

// Proxy is a loopback TCP proxy to a real server. Stopping it closes the
// listener and every connection, as a server that goes away would; starting
// it again listens on the same address, as a server that comes back would.
// Tests use it to get a store whose server is gone: a store built through
// the proxy loses its server when the proxy stops.
//
// Start and Stop are called from the test's goroutine; Addr and Tap from
// any goroutine.
type Proxy struct {
	t      testing.TB
	target string
	addr   string

	mu    sync.Mutex
	ln    net.Listener          // nil while stopped
	conns map[net.Conn]struct{} // both ends of every open pipe
	tap   func(sent []byte)     // nil unless Tap was called
	wg    sync.WaitGroup        // the accept loop and every pipe
}

// StartProxy starts a proxy to target on a free loopback port. It is
// stopped when t ends.
func StartProxy(t testing.TB, target string) *Proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("testserver: proxy: listen: %v", err)
	}
	p := &Proxy{t: t, target: target, addr: ln.Addr().String(), conns: map[net.Conn]struct{}{}}
	p.serve(ln)
	t.Cleanup(p.Stop)
	return p
}

// Addr returns the address clients connect to. It stays the same across
// Stop and Start.
func (p *Proxy) Addr() string { return p.addr }

// Tap calls fn with every chunk that a client sends to the server, before
// the chunk is forwarded, from now on; nil stops it. Once a call has had its
// answer, fn has seen all that the call sent. fn must not keep sent, whose
// bytes are reused after it returns; it may be called from several
// goroutines at once.
func (p *Proxy) Tap(fn func(sent []byte)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.tap = fn
}

// Stop closes the listener and every open connection, and waits for the
// proxy's goroutines to end. Stopping a stopped proxy does nothing.
func (p *Proxy) Stop() {
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

// Start listens again on the same address after Stop, retrying for a few
// seconds while the port is not free yet, and fails the test if it stays
// taken.
func (p *Proxy) Start() {
	p.t.Helper()
	var ln net.Listener
	var err error
	for deadline := time.Now().Add(5 * time.Second); ; {
		if ln, err = net.Listen("tcp", p.addr); err == nil {
			break
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("testserver: proxy: listen again on %s: %v", p.addr, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	p.serve(ln)
}

// serve accepts connections on ln until it is closed.
func (p *Proxy) serve(ln net.Listener) {
	p.mu.Lock()
	p.ln = ln
	p.mu.Unlock()
	p.wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			p.wg.Go(func() { p.pipe(c) })
		}
	})
}

// pipe forwards client to a new connection to the target, both ways, until
// either side closes; then it closes both.
func (p *Proxy) pipe(client net.Conn) {
	server, err := net.DialTimeout("tcp", p.target, 2*time.Second)
	if err != nil {
		_ = client.Close()
		return
	}
	p.mu.Lock()
	if p.ln == nil { // stopped meanwhile
		p.mu.Unlock()
		_ = client.Close()
		_ = server.Close()
		return
	}
	p.conns[client], p.conns[server] = struct{}{}, struct{}{}
	p.mu.Unlock()

	copyThenClose := func(dst io.Writer, src net.Conn) {
		_, _ = io.Copy(dst, src)
		_ = client.Close()
		_ = server.Close()
	}
	var up sync.WaitGroup
	up.Go(func() { copyThenClose(tapWriter{p, server}, client) })
	copyThenClose(client, server)
	up.Wait()

	p.mu.Lock()
	delete(p.conns, client)
	delete(p.conns, server)
	p.mu.Unlock()
}

// tapWriter hands what it forwards to the proxy's tap, if any.
type tapWriter struct {
	p  *Proxy
	to net.Conn
}

func (w tapWriter) Write(b []byte) (int, error) {
	w.p.mu.Lock()
	tap := w.p.tap
	w.p.mu.Unlock()
	if tap != nil {
		tap(b)
	}
	return w.to.Write(b)
}

// Blackhole returns a loopback address that accepts connections and never
// answers, for deadline tests. It closes when t ends.
func Blackhole(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("testserver: blackhole: listen: %v", err)
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
