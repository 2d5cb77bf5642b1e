// Package testserver finds the real servers that store tests talk to.
//
// Each server is named by an environment variable with a loopback default.
// A variable that is not set is looked up in the env file that
// scripts/test-servers.sh writes (EnvFile), which names the servers it chose,
// such as private PostgreSQL and MariaDB instances on ports of their own.
// When the server does not answer, the test is skipped with a message that
// names the command that starts it, unless SERVERSESSION_REQUIRE_SERVERS is
// set (as `make test` and CI do), in which case the test fails.
//
// For tests of a server that goes away, Proxy stands between a store's
// client and its server and can be stopped and started again, DeadAddr is a
// port where nothing listens, and Blackhole one that never answers.
package testserver

import (
	"bufio"
	"crypto/rand"
	"encoding/hex"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// StartCommand is the command that installs and starts every test server.
const StartCommand = "make test (or: scripts/test-servers.sh)"

// Required reports whether an absent server fails the test instead of
// skipping it.
func Required() bool { return os.Getenv("SERVERSESSION_REQUIRE_SERVERS") != "" }

// Env returns the value of the environment variable name; when it is unset,
// the value the env file gives name; otherwise def.
func Env(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	if v := envFileValues()[name]; v != "" {
		return v
	}
	return def
}

// EnvFile returns the env file that scripts/test-servers.sh writes:
// $SERVERSESSION_ENV_FILE, or else .cache/test-servers.env in the nearest
// directory above the working directory that has one (the repository's
// root, as seen from a package's directory). "" when there is none.
func EnvFile() string {
	if f := os.Getenv("SERVERSESSION_ENV_FILE"); f != "" {
		return f
	}
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		f := filepath.Join(dir, ".cache", "test-servers.env")
		if _, err := os.Stat(f); err == nil {
			return f
		}
		if _, err := os.Stat(filepath.Join(dir, ".git")); err == nil {
			return "" // the repository's root: no higher
		}
		up := filepath.Dir(dir)
		if up == dir {
			return ""
		}
		dir = up
	}
}

var envFileValues = sync.OnceValue(func() map[string]string {
	f := EnvFile()
	if f == "" {
		return nil
	}
	data, err := os.Open(f)
	if err != nil {
		return nil
	}
	defer data.Close()
	return parseEnvFile(data)
})

// parseEnvFile reads NAME=VALUE lines, VALUE optionally in single or double
// quotes, skipping blank lines and # comments.
func parseEnvFile(r io.Reader) map[string]string {
	values := map[string]string{}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		line = strings.TrimPrefix(line, "export ")
		name, value, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		if n := len(value); n >= 2 && (value[0] == '\'' || value[0] == '"') && value[n-1] == value[0] {
			value = value[1 : n-1]
		}
		values[strings.TrimSpace(name)] = value
	}
	return values
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
	if f := EnvFile(); f != "" {
		msg += " (addresses not set in the environment come from " + f + ", which that command writes)"
	}
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
