package storetest

import (
	"testing"

	"github.com/serversession/serversession/sessions"
)

// testPing: a store that implements sessions.Pinger answers Ping with nil
// while its server is up. A store without it is pinged with a Load, which
// the other subtests cover.
func testPing(t *testing.T, e *env) {
	p, ok := e.store.(sessions.Pinger)
	if !ok {
		t.Skip("the store does not implement sessions.Pinger; Manager.Ping falls back to a Load")
	}
	if err := p.Ping(e.ctx); err != nil {
		t.Errorf("Ping on a running store returned %v; want nil", err)
	}
}

// pingMustFail reports a nil Ping from a store whose server is gone:
// a readiness probe would pass while every request fails.
func (e *env) pingMustFail(t *testing.T) {
	t.Helper()
	if p, ok := e.store.(sessions.Pinger); ok {
		if err := p.Ping(e.ctx); err == nil {
			t.Error("Ping on an unreachable store returned nil; want an error, or readiness probes pass while the store is down")
		}
	}
}
