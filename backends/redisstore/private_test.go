package redisstore_test

import (
	"bytes"
	"net"
	"os/exec"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/serversession/serversession/internal/testserver"
)

// privateRedis starts a redis-server of the test's own on a free loopback
// port, with extra config args, and stops it when the test ends. Without the
// redis-server binary the test is skipped, or fails when servers are
// required.
func privateRedis(t testing.TB, args ...string) string {
	t.Helper()
	return startRedis(t, args...).addr
}

// redisProc is a redis-server of the test's own, which the test can SIGKILL
// and start again on the same port and directory.
type redisProc struct {
	t    testing.TB
	bin  string
	addr string
	port int
	dir  string
	args []string // after the common ones, as at the first start

	mu     sync.Mutex
	cmd    *exec.Cmd
	exited chan struct{}
}

// redisBin returns the redis-server binary's path, or skips t (fails it when
// servers are required).
func redisBin(t testing.TB) string {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		msg := "redis-server binary not found (" + err.Error() + "); install it with: " + testserver.StartCommand
		if testserver.Required() {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return bin
}

// startRedis starts a redis-server on a free loopback port in a directory of
// its own, with extra config args, waits until it answers, and kills it when
// the test ends.
func startRedis(t testing.TB, args ...string) *redisProc {
	t.Helper()
	addr := testserver.DeadAddr(t)
	_, port, _ := net.SplitHostPort(addr)
	p, _ := strconv.Atoi(port)
	r := &redisProc{t: t, bin: redisBin(t), addr: addr, port: p, dir: t.TempDir(), args: args}
	t.Cleanup(r.kill)
	r.start(args...)
	return r
}

// start runs the server with args after the common ones and waits until it
// accepts connections.
func (r *redisProc) start(args ...string) {
	t := r.t
	t.Helper()
	all := append([]string{
		"--port", strconv.Itoa(r.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
		"--daemonize", "no", "--dir", r.dir, "--logfile", "",
	}, args...)
	if len(args) > 0 && args[0] == "--sentinel" {
		// A sentinel's config file must come first, --sentinel right after.
		all = append([]string{args[1], "--sentinel", "--port", strconv.Itoa(r.port), "--bind", "127.0.0.1",
			"--daemonize", "no", "--dir", r.dir, "--logfile", ""}, args[2:]...)
	}
	var out bytes.Buffer
	cmd := exec.Command(r.bin, all...)
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
	r.mu.Lock()
	r.cmd, r.exited = cmd, exited
	r.mu.Unlock()
	for deadline := time.Now().Add(10 * time.Second); ; {
		if c, err := net.DialTimeout("tcp", r.addr, time.Second); err == nil {
			_ = c.Close()
			return
		}
		select {
		case <-exited:
			t.Fatalf("redis-server %v exited: %v\n%s", all, waitErr, out.String())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			r.kill() // out is complete once the process has been waited for
			t.Fatalf("redis-server on %s did not answer within 10s\n%s", r.addr, out.String())
		}
	}
}

// kill SIGKILLs the server, if it runs, and waits until it has exited.
func (r *redisProc) kill() {
	r.mu.Lock()
	cmd, exited := r.cmd, r.exited
	r.cmd = nil
	r.mu.Unlock()
	if cmd == nil {
		return
	}
	_ = cmd.Process.Kill()
	<-exited
}

// restart starts the killed server again on its port and directory, with
// its first args and then extra.
func (r *redisProc) restart(extra ...string) {
	r.t.Helper()
	r.start(append(append([]string{}, r.args...), extra...)...)
}
