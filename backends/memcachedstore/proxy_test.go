package memcachedstore_test

import (
	"sync"
	"testing"

	"github.com/serversession/serversession/internal/testserver"
)

// tap records what clients send through a proxy to memcached, for the tests
// that count commands.
type tap struct {
	mu   sync.Mutex
	sent []byte
}

// tappedProxy starts a proxy to the test memcached that records what
// clients send through it.
func tappedProxy(t testing.TB) (*testserver.Proxy, *tap) {
	t.Helper()
	return tappedProxyTo(t, mcAddr(t))
}

// tappedProxyTo starts a proxy to the memcached at addr that records what
// clients send through it.
func tappedProxyTo(t testing.TB, addr string) (*testserver.Proxy, *tap) {
	t.Helper()
	p := testserver.StartProxy(t, addr)
	r := &tap{}
	p.Tap(r.record)
	return p, r
}

func (r *tap) record(b []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sent = append(r.sent, b...)
}

// Reset forgets what was recorded.
func (r *tap) Reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sent = nil
}

// Sent returns what clients sent since Reset. Once a call has had its
// answer, all it sent has passed through the proxy.
func (r *tap) Sent() []byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]byte(nil), r.sent...)
}
