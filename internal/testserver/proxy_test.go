package testserver

import (
	"bufio"
	"net"
	"sync"
	"testing"
	"time"
)

// echoServer answers each line it reads with the same line, until t ends.
func echoServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Go(func() {
				defer c.Close()
				r := bufio.NewReader(c)
				for {
					line, err := r.ReadString('\n')
					if err != nil {
						return
					}
					if _, err := c.Write([]byte(line)); err != nil {
						return
					}
				}
			})
		}
	})
	return ln.Addr().String()
}

// echo sends line through a new connection to addr and returns the answer.
func echo(addr, line string) (string, error) {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return "", err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(2 * time.Second))
	if _, err := c.Write([]byte(line)); err != nil {
		return "", err
	}
	return bufio.NewReader(c).ReadString('\n')
}

// TestProxy checks that the proxy forwards both ways and taps what clients
// send, that Stop cuts open connections and refuses new ones, and that
// Start serves again on the same address.
func TestProxy(t *testing.T) {
	p := StartProxy(t, echoServer(t))
	var mu sync.Mutex
	var sent []byte
	p.Tap(func(b []byte) {
		mu.Lock()
		defer mu.Unlock()
		sent = append(sent, b...)
	})
	if got, err := echo(p.Addr(), "hello\n"); err != nil || got != "hello\n" {
		t.Fatalf("echo through the proxy = %q, %v; want hello", got, err)
	}
	mu.Lock()
	if string(sent) != "hello\n" {
		t.Errorf("the tap saw %q; want what the client sent", sent)
	}
	mu.Unlock()

	open, err := net.DialTimeout("tcp", p.Addr(), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer open.Close()
	if _, err := open.Write([]byte("x\n")); err != nil {
		t.Fatal(err)
	}
	if _, err := bufio.NewReader(open).ReadString('\n'); err != nil {
		t.Fatal(err)
	}
	addr := p.Addr()
	p.Stop()
	p.Stop() // idempotent
	_ = open.SetReadDeadline(time.Now().Add(2 * time.Second))
	if n, err := open.Read(make([]byte, 1)); err == nil {
		t.Errorf("a connection open across Stop read %d bytes; want it closed", n)
	}
	if got, err := echo(addr, "gone\n"); err == nil {
		t.Errorf("echo through a stopped proxy = %q; want an error", got)
	}

	p.Start()
	if p.Addr() != addr {
		t.Errorf("Addr after Start = %s; want the same %s", p.Addr(), addr)
	}
	if got, err := echo(p.Addr(), "back\n"); err != nil || got != "back\n" {
		t.Fatalf("echo after Start = %q, %v; want back", got, err)
	}
}

// TestBlackhole checks that a blackhole accepts and never answers.
func TestBlackhole(t *testing.T) {
	c, err := net.DialTimeout("tcp", Blackhole(t), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
	if n, err := c.Read(make([]byte, 1)); n != 0 || err == nil {
		t.Fatalf("Read from a blackhole = %d, %v; want a timeout", n, err)
	}
}
