package requestbench

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/url"
	"sync"
	"sync/atomic"

	"github.com/serversession/serversession/sessions"
)

func discardLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// hostOf returns the host:port of a mongodb:// URI.
func hostOf(uri string) string {
	u, err := url.Parse(uri)
	if err != nil || u.Host == "" {
		return "127.0.0.1:27017"
	}
	return u.Host
}

// syncBuffer is a bytes.Buffer that concurrent requests can write to.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// mostTries is an Observer that keeps the most attempts one save took.
type mostTries struct{ most atomic.Int64 }

func (o *mostTries) StoreStart(ctx context.Context, call sessions.StoreCall) context.Context {
	for n := int64(call.Attempt); ; {
		m := o.most.Load()
		if n <= m || o.most.CompareAndSwap(m, n) {
			return ctx
		}
	}
}

func (*mostTries) StoreDone(context.Context, sessions.StoreCall, sessions.StoreResult) {}
func (*mostTries) Event(context.Context, sessions.Event)                               {}
