package gormstore

import (
	"io"
	"net"
	"sync"
	"testing"
)

// tcpProxy forwards loopback connections to a real server. Stopping it
// closes the listener and every connection, as a server that goes away
// would; starting it again listens on the same address, as a server that
// comes back would. Tests use it to get a store whose server is gone: New
// needs a live server, so the store is built through the proxy, and then the
// proxy is stopped.
type tcpProxy struct {
	target string
	addr   string

	mu      sync.Mutex
	ln      net.Listener
	stopped bool
	conns   map[net.Conn]struct{}
	wg      sync.WaitGroup
}

// startProxy starts a proxy to target on a free loopback port. It is
// stopped when t ends.
func startProxy(t testing.TB, target string) *tcpProxy {
	t.Helper()
	p := &tcpProxy{target: target, addr: "127.0.0.1:0", conns: map[net.Conn]struct{}{}}
	p.start(t)
	t.Cleanup(p.stop)
	return p
}

// start listens on p.addr (the same port again after a stop) and serves.
func (p *tcpProxy) start(t testing.TB) {
	t.Helper()
	ln, err := net.Listen("tcp", p.addr)
	if err != nil {
		t.Fatalf("proxy: listen on %s: %v", p.addr, err)
	}
	p.mu.Lock()
	p.ln, p.addr, p.stopped = ln, ln.Addr().String(), false
	p.mu.Unlock()
	p.wg.Add(1)
	go p.accept(ln)
}

// stop closes the listener and every open connection, and waits for the
// proxy's goroutines to end. It is idempotent.
func (p *tcpProxy) stop() {
	p.mu.Lock()
	p.stopped = true
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for c := range p.conns {
		c.Close()
		delete(p.conns, c)
	}
	p.mu.Unlock()
	p.wg.Wait()
}

func (p *tcpProxy) accept(ln net.Listener) {
	defer p.wg.Done()
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		p.wg.Add(1)
		go p.serve(c)
	}
}

func (p *tcpProxy) serve(client net.Conn) {
	defer p.wg.Done()
	server, err := net.Dial("tcp", p.target)
	if err != nil {
		client.Close()
		return
	}
	p.mu.Lock()
	if p.stopped {
		p.mu.Unlock()
		client.Close()
		server.Close()
		return
	}
	p.conns[client], p.conns[server] = struct{}{}, struct{}{}
	p.mu.Unlock()

	done := make(chan struct{}, 2)
	pipe := func(dst, src net.Conn) {
		_, _ = io.Copy(dst, src)
		done <- struct{}{}
	}
	go pipe(server, client)
	go pipe(client, server)
	<-done
	client.Close()
	server.Close()
	<-done
	p.mu.Lock()
	delete(p.conns, client)
	delete(p.conns, server)
	p.mu.Unlock()
}
