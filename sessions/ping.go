package sessions

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Pinger is implemented by stores that can tell whether their server
// answers in one cheap round trip of their own (Redis PING, a SQL ping, a
// DynamoDB DescribeTable). Manager.Ping uses it; a store without it is
// asked for a record that cannot exist instead.
type Pinger interface {
	// Ping returns nil if the store answers, or the error that says why it
	// does not. It makes at most one round trip and honours ctx's deadline.
	Ping(ctx context.Context) error
}

// PingTimeout bounds Manager.Ping when its context has no deadline.
const PingTimeout = 2 * time.Second

// pingID is the ID Manager.Ping loads from a store that is not a Pinger:
// shorter than any session ID New can make, so no record has it.
const pingID = "ping"

// ErrPing is what Manager.Ping wraps when the store does not answer.
var ErrPing = errors.New("sessions: the store does not answer")

// Ping asks the store whether it answers, in one round trip, for readiness
// probes and for failing fast at startup. It waits until ctx's deadline, or
// PingTimeout if ctx has none. A nil error means the store answered; an
// error wraps ErrPing and the store's own error. Without a Store it
// returns ErrNoStore.
func (m *Manager) Ping(ctx context.Context) error {
	store := m.cfg.Store
	if store == nil {
		return ErrNoStore
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, PingTimeout)
		defer cancel()
	}
	err := m.call(ctx, OpPing, 1, 0, func(ctx context.Context) error {
		if p, ok := store.(Pinger); ok {
			return p.Ping(ctx)
		}
		_, _, err := store.Load(ctx, m.key(pingID))
		return err
	})
	if err != nil {
		return fmt.Errorf("%w: %w", ErrPing, err)
	}
	return nil
}
