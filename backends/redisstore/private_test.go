package redisstore_test

import (
	"bytes"
	"net"
	"os/exec"
	"testing"
	"time"

	"github.com/serversession/serversession/internal/testserver"
)

// privateRedis starts a redis-server of the test's own on a free loopback
// port, with extra config args, and stops it when the test ends. Without the
// redis-server binary the test is skipped, or fails when servers are
// required.
func privateRedis(t *testing.T, args ...string) string {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		msg := "redis-server binary not found (" + err.Error() + "); install it with: " + testserver.StartCommand
		if testserver.Required() {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	addr := testserver.DeadAddr(t)
	_, port, _ := net.SplitHostPort(addr)
	all := append([]string{
		"--port", port, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
		"--daemonize", "no", "--dir", t.TempDir(), "--logfile", "",
	}, args...)
	var out bytes.Buffer
	cmd := exec.Command(bin, all...)
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatalf("start redis-server: %v", err)
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
			t.Fatalf("redis-server %v exited: %v\n%s", all, waitErr, out.String())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			stop() // out is complete once the process has been waited for
			t.Fatalf("redis-server on %s did not answer within 10s\n%s", addr, out.String())
		}
	}
}
