package memcachedstore_test

import (
	"bufio"
	"fmt"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bradfitz/gomemcache/memcache"

	"github.com/serversession/serversession/internal/testserver"
)

// mcAddr returns the shared test memcached, or skips (fails when servers are
// required) when it is not running.
func mcAddr(t testing.TB) string {
	t.Helper()
	return testserver.Addr(t, "SERVERSESSION_MEMCACHED_ADDR", "127.0.0.1:11211")
}

// newClient returns a client for addr, closed when the test ends. The
// timeout leaves room for the 1 MiB and 5 MiB values under -race.
func newClient(t testing.TB, addr string) *memcache.Client {
	t.Helper()
	c := memcache.New(addr)
	c.Timeout = 5 * time.Second
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// prefix returns a key prefix of the test's own, so that tests never see or
// touch each other's keys on the shared server (nothing is ever flushed).
func prefix(t testing.TB) string {
	t.Helper()
	return testserver.KeyPrefix(t, "mc")
}

// serverTTL asks memcached how long key has left to live, with the meta
// command "mg <key> t" (memcached 1.6+), which gomemcache does not speak.
// found is false for a missing key; ttl is -1s for an item that never
// expires.
func serverTTL(t testing.TB, addr, key string) (ttl time.Duration, found bool) {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		t.Fatalf("dial memcached: %v", err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := fmt.Fprintf(c, "mg %s t\r\n", key); err != nil {
		t.Fatalf("mg: %v", err)
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		t.Fatalf("mg: %v", err)
	}
	fields := strings.Fields(line)
	switch {
	case len(fields) == 1 && fields[0] == "EN":
		return 0, false
	case len(fields) == 2 && fields[0] == "HD" && strings.HasPrefix(fields[1], "t"):
		n, err := strconv.Atoi(fields[1][1:])
		if err != nil {
			t.Fatalf("mg %s t: bad answer %q", key, line)
		}
		return time.Duration(n) * time.Second, true
	}
	t.Fatalf("mg %s t: unexpected answer %q", key, line)
	return 0, false
}
