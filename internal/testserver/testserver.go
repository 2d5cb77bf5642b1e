// Package testserver finds the real servers that store tests talk to.
//
// Each server is named by an environment variable with a loopback default.
// When the server does not answer, the test is skipped with a message that
// names the command that starts it, unless SERVERSESSION_REQUIRE_SERVERS is
// set (as `make test` and CI do), in which case the test fails.
//
// For tests of a server that goes away, Proxy stands between a store's
// client and its server and can be stopped and started again, DeadAddr is a
// port where nothing listens, and Blackhole one that never answers.
package testserver

import (
	"crypto/rand"
	"encoding/hex"
	"net"
	"os"
	"strings"
	"testing"
	"time"
)

// StartCommand is the command that installs and starts every test server.
const StartCommand = "make test (or: scripts/test-servers.sh)"

// Required reports whether an absent server fails the test instead of
// skipping it.
func Required() bool { return os.Getenv("SERVERSESSION_REQUIRE_SERVERS") != "" }

// Env returns the value of the environment variable name, or def when unset.
func Env(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// Addr returns the host:port held by the environment variable name (def when
// unset) after checking that something listens there. Otherwise it skips the
// test, or fails it when servers are required.
func Addr(t testing.TB, name, def string) string {
	t.Helper()
	addr := Env(name, def)
	Reachable(t, addr, name)
	return addr
}

// Reachable checks that a TCP server listens on addr, and otherwise skips or
// fails t as Addr does. what names the server in the message.
func Reachable(t testing.TB, addr, what string) {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err == nil {
		conn.Close()
		return
	}
	msg := what + " at " + addr + " is not reachable (" + err.Error() + "); start the test servers with: " + StartCommand
	if Required() {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

// DeadAddr returns a loopback address on which nothing listens, for tests of
// a store whose server is gone.
func DeadAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("testserver: reserve a port: %v", err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// KeyPrefix returns a key prefix of the test's own on a shared server,
// "serversession-test:<store>:<test name>:<random hex>:", so that tests never
// see or touch each other's keys and nothing ever needs flushing. Spaces in
// the test's name become underscores (memcached keys cannot hold them).
func KeyPrefix(t testing.TB, store string) string {
	t.Helper()
	b := make([]byte, 8)
	_, _ = rand.Read(b) // crypto/rand.Read never returns an error (Go 1.24+).
	return "serversession-test:" + store + ":" + strings.ReplaceAll(t.Name(), " ", "_") + ":" + hex.EncodeToString(b) + ":"
}
