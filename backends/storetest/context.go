package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/serversession/serversession/sessions"
)

// endedContext is a context that has ended, and the error it ended with.
type endedContext struct {
	name string
	ctx  context.Context
	want error
}

// endedContexts returns a canceled context and one whose deadline has
// passed, for the subtests that check a store gives up on them.
func (e *env) endedContexts(t *testing.T) []endedContext {
	canceled, cancel := context.WithCancel(e.ctx)
	cancel()
	expired, cancelExpired := context.WithDeadline(e.ctx, time.Now().Add(-time.Second))
	t.Cleanup(cancelExpired)
	return []endedContext{
		{"canceled", canceled, context.Canceled},
		{"deadline", expired, context.DeadlineExceeded},
	}
}

// testCanceledContext: with a canceled context, or one whose deadline has
// passed, every method returns an error that wraps the context's error
// (so errors.Is(err, context.Canceled) holds) and changes nothing.
func testCanceledContext(t *testing.T, e *env) {
	for _, c := range e.endedContexts(t) {
		t.Run(c.name, func(t *testing.T) {
			k := e.keys.key(c.name + "-saved")
			fresh := e.keys.key(c.name + "-fresh")
			want := []byte("saved before the context ended")
			e.mustCreate(t, k, want, time.Hour)
			loaded := e.mustLoadRecord(t, k)

			check := func(call string, err error) {
				t.Helper()
				if !errors.Is(err, c.want) {
					t.Errorf("%s with a %s context returned error %v; want an error wrapping %v", call, c.name, err, c.want)
				}
			}
			check("Create(new key)", e.store.Create(c.ctx, fresh, []byte("must not be written"), time.Hour))
			check("Replace(existing key, the record Load returned)", e.store.Replace(c.ctx, k, loaded, []byte("must not be written"), time.Millisecond))
			check("Replace(existing key, Record{Data})", e.store.Replace(c.ctx, k, sessions.Record{Data: want}, []byte("must not be written"), time.Millisecond))
			check("DeleteIf(existing key, the record Load returned)", e.store.DeleteIf(c.ctx, k, loaded))
			check("DeleteIf(existing key, Record{Data})", e.store.DeleteIf(c.ctx, k, sessions.Record{Data: want}))
			rec, found, err := e.store.Load(c.ctx, k)
			check("Load", err)
			if found || rec.Data != nil {
				t.Errorf("Load with a %s context returned (%s, found %v); want (Record{}, false) with the error", c.name, describeRecord(rec), found)
			}
			check("Delete", e.store.Delete(c.ctx, k))
			if lt, ok := e.store.(sessions.LoadToucher); ok {
				rec, found, err := lt.LoadTouch(c.ctx, k, time.Millisecond)
				check("LoadTouch", err)
				if found || rec.Data != nil {
					t.Errorf("LoadTouch with a %s context returned (%s, found %v); want (Record{}, false) with the error", c.name, describeRecord(rec), found)
				}
			}

			checkData(t, "Load after the calls with a "+c.name+" context", e.mustLoad(t, k), want)
			e.mustMiss(t, fresh, "Create with a "+c.name+" context must not write")
		})
	}
}
