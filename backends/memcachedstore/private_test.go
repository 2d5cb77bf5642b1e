package memcachedstore_test

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/serversession/serversession/internal/testserver"
)

// privateMemcached starts a memcached of the test's own on a free loopback
// port, with extra args (such as -I 1m), in a temporary directory, and
// kills it when the test ends. Without the memcached binary the test is
// skipped, or fails when servers are required.
func privateMemcached(t *testing.T, args ...string) string {
	t.Helper()
	bin, err := exec.LookPath("memcached")
	if err != nil {
		msg := "memcached binary not found (" + err.Error() + "); install it with: " + testserver.StartCommand
		if testserver.Required() {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	addr := testserver.DeadAddr(t)
	_, port, _ := net.SplitHostPort(addr)
	all := []string{"-l", "127.0.0.1", "-p", port, "-U", "0", "-m", "64"}
	if os.Geteuid() == 0 {
		all = append(all, "-u", "root") // memcached will not run as root without it
	}
	all = append(all, args...)
	var out bytes.Buffer
	cmd := exec.Command(bin, all...)
	cmd.Dir = t.TempDir()
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatalf("start memcached: %v", err)
	}
	var waitErr error
	exited := make(chan struct{})
	go func() {
		waitErr = cmd.Wait()
		close(exited)
	}()
	stop := func() {
		_ = cmd.Process.Kill()
		<-exited
	}
	t.Cleanup(stop)
	for deadline := time.Now().Add(10 * time.Second); ; {
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			_ = c.Close()
			return addr
		}
		select {
		case <-exited:
			t.Fatalf("memcached %v exited: %v\n%s", all, waitErr, out.String())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			stop() // out is complete once the process has been waited for
			t.Fatalf("memcached on %s did not answer within 10s\n%s", addr, out.String())
		}
	}
}

// itemSizeMax asks the memcached at addr for its item size limit (-I) with
// "stats settings", which gomemcache does not speak.
func itemSizeMax(t testing.TB, addr string) int {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		t.Fatalf("dial memcached: %v", err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := fmt.Fprint(c, "stats settings\r\n"); err != nil {
		t.Fatalf("stats settings: %v", err)
	}
	r := bufio.NewReader(c)
	n := 0
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			t.Fatalf("stats settings: %v", err)
		}
		line = strings.TrimSpace(line)
		if line == "END" {
			break
		}
		if v, ok := strings.CutPrefix(line, "STAT item_size_max "); ok {
			if n, err = strconv.Atoi(v); err != nil {
				t.Fatalf("stats settings: bad item_size_max %q", v)
			}
		}
	}
	if n <= 0 {
		t.Fatalf("stats settings on %s: no item_size_max", addr)
	}
	return n
}
