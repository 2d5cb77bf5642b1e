package dynamostore

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go/middleware"

	"github.com/serversession/serversession/sessions"
)

// capacityMeter is SDK middleware, for tests only, that asks DynamoDB for
// the capacity each request consumes (ReturnConsumedCapacity TOTAL, set on
// the input before it is serialized) and adds up what the responses
// report, as read units (GetItem, BatchGetItem) or write units (PutItem,
// UpdateItem, DeleteItem), with the requests sent, retries included.
type capacityMeter struct {
	mu         sync.Mutex
	read       float64
	write      float64
	requests   int
	unmetered  []string // operations the meter cannot ask for capacity
	unreported []string // responses without a capacity
}

// capacityCost is what a meter counted between two reads of it.
type capacityCost struct {
	read, write float64
	requests    int
}

// install adds the meter to an SDK client's stack: put it in
// dynamodb.Options.APIOptions.
func (m *capacityMeter) install(stack *middleware.Stack) error {
	if err := stack.Initialize.Add(middleware.InitializeMiddlewareFunc("serversessionAskCapacity", m.ask), middleware.After); err != nil {
		return err
	}
	// Before: the first of the deserialize step, so that it sees each
	// attempt's response once the operation's deserializer has decoded it.
	return stack.Deserialize.Add(middleware.DeserializeMiddlewareFunc("serversessionReadCapacity", m.tally), middleware.Before)
}

// ask sets ReturnConsumedCapacity = TOTAL on the input of every operation
// the store sends.
func (m *capacityMeter) ask(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
	const total = types.ReturnConsumedCapacityTotal
	switch p := in.Parameters.(type) {
	case *dynamodb.GetItemInput:
		p.ReturnConsumedCapacity = total
	case *dynamodb.BatchGetItemInput:
		p.ReturnConsumedCapacity = total
	case *dynamodb.PutItemInput:
		p.ReturnConsumedCapacity = total
	case *dynamodb.UpdateItemInput:
		p.ReturnConsumedCapacity = total
	case *dynamodb.DeleteItemInput:
		p.ReturnConsumedCapacity = total
	default:
		m.mu.Lock()
		m.unmetered = append(m.unmetered, fmt.Sprintf("%T", in.Parameters))
		m.mu.Unlock()
	}
	return next.HandleInitialize(ctx, in)
}

// tally counts a request and adds the capacity its response reports.
func (m *capacityMeter) tally(ctx context.Context, in middleware.DeserializeInput, next middleware.DeserializeHandler) (middleware.DeserializeOutput, middleware.Metadata, error) {
	out, md, err := next.HandleDeserialize(ctx, in)
	m.mu.Lock()
	defer m.mu.Unlock()
	m.requests++
	if err != nil {
		return out, md, err // a failed request reports no capacity
	}
	var (
		cs   []types.ConsumedCapacity
		sum  = &m.write
		name = fmt.Sprintf("%T", out.Result)
	)
	switch r := out.Result.(type) {
	case *dynamodb.GetItemOutput:
		cs, sum = capacities(r.ConsumedCapacity), &m.read
	case *dynamodb.BatchGetItemOutput:
		cs, sum = r.ConsumedCapacity, &m.read
	case *dynamodb.PutItemOutput:
		cs = capacities(r.ConsumedCapacity)
	case *dynamodb.UpdateItemOutput:
		cs = capacities(r.ConsumedCapacity)
	case *dynamodb.DeleteItemOutput:
		cs = capacities(r.ConsumedCapacity)
	}
	if len(cs) == 0 {
		m.unreported = append(m.unreported, name)
	}
	for _, c := range cs {
		if c.CapacityUnits != nil {
			*sum += *c.CapacityUnits
		}
	}
	return out, md, err
}

func capacities(c *types.ConsumedCapacity) []types.ConsumedCapacity {
	if c == nil {
		return nil
	}
	return []types.ConsumedCapacity{*c}
}

// take returns what the meter counted since the last take.
func (m *capacityMeter) take() capacityCost {
	m.mu.Lock()
	defer m.mu.Unlock()
	c := capacityCost{read: m.read, write: m.write, requests: m.requests}
	m.read, m.write, m.requests = 0, 0, 0
	return c
}

// readUnits and writeUnits are DynamoDB's charge for an item of n bytes:
// a strongly consistent read is a unit per 4 KB, a write a unit per 1 KB,
// each rounded up.
func readUnits(n int) float64  { return math.Ceil(float64(n) / 4096) }
func writeUnits(n int) float64 { return math.Ceil(float64(n) / 1024) }

// indexItemSize bounds the size DynamoDB counts for the index item of user
// holding the entries of keys: its id, ver, and an attribute per entry,
// each number counted at its largest.
func (s *Store) indexItemSize(user string, keys []string) int {
	n := len(attrID) + len(s.userItemKey(user)) + len(attrVer) + numberSize
	for _, k := range keys {
		n += len(entryPrefix) + len(k) + numberSize
	}
	return n
}

// TestConsumedCapacity measures, on a table of its own, the capacity
// units DynamoDB reports for each of the store's operations, for a record
// of 100 bytes and one of 3 KB, and for the user index with 1 and 5
// sessions; it logs them as a table and checks them against the bounds
// the package documentation states (a unit per 4 KB read strongly
// consistent, a unit per 1 KB written, of the whole item). The store's
// requests are left as they are: the capacity is asked for by middleware
// on the test's client.
func TestConsumedCapacity(t *testing.T) {
	m := &capacityMeter{}
	opts := clientOptions(dynamoAddr(t), 0)
	opts.APIOptions = append(opts.APIOptions, m.install)
	s := newTestStoreOn(t, dynamodb.New(opts))
	m.mu.Lock()
	m.unmetered, m.unreported = nil, nil // the table's setup: not the store's operations
	m.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	var rows []string
	// measure runs op, counted from a clean meter, logs its row and checks
	// it: maxRead and maxWrite are the documented bounds, and a bound above
	// zero must also be met by a cost above zero, so that a meter that saw
	// nothing cannot pass.
	measure := func(name string, size int, maxRead, maxWrite float64, op func() error) {
		t.Helper()
		m.take()
		if err := op(); err != nil {
			t.Fatalf("%s (%d-byte records): %v", name, size, err)
		}
		c := m.take()
		rows = append(rows, fmt.Sprintf("%-36s %6d %8d %10g %11g %14s",
			name, size, c.requests, c.read, c.write, fmt.Sprintf("%g / %g", maxRead, maxWrite)))
		if c.read > maxRead || c.write > maxWrite || (maxRead > 0) != (c.read > 0) || (maxWrite > 0) != (c.write > 0) {
			t.Errorf("%s (%d-byte records): %g read units, %g write units; want at most %g and %g, and none only where none is allowed",
				name, size, c.read, c.write, maxRead, maxWrite)
		}
	}
	newKey := func() string {
		var b [sessions.DefaultIDLength]byte
		_, _ = rand.Read(b[:])
		return sessions.DefaultKeyPrefix + base64.RawURLEncoding.EncodeToString(b[:])
	}

	for _, size := range []int{100, 3 << 10} {
		data := bytes.Repeat([]byte{'a'}, size)
		next := bytes.Repeat([]byte{'b'}, size)
		key := newKey()
		item := sessionItemSize(key, size)
		r, w := readUnits(item), writeUnits(item)

		measure("Create", size, 0, w, func() error { return s.Create(ctx, key, data, time.Hour) })
		measure("Load", size, r, 0, func() error {
			_, found, err := s.Load(ctx, key)
			if err == nil && !found {
				err = fmt.Errorf("not found")
			}
			return err
		})
		measure("LoadTouch", size, 0, w, func() error {
			_, found, err := s.LoadTouch(ctx, key, time.Hour)
			if err == nil && !found {
				err = fmt.Errorf("not found")
			}
			return err
		})
		measure("Replace", size, 0, w, func() error {
			return s.Replace(ctx, key, sessions.Record{Data: data}, next, time.Hour)
		})
		measure("DeleteIf", size, 0, w, func() error { return s.DeleteIf(ctx, key, sessions.Record{Data: next}) })
		if err := s.Create(ctx, key, data, time.Hour); err != nil {
			t.Fatal(err)
		}
		measure("Delete", size, 0, w, func() error { return s.Delete(ctx, key) })

		// The user index: a user with 1, then 5 sessions of this size.
		user := fmt.Sprintf("user-%d", size)
		keys := make([]string, 5)
		for i := range keys {
			keys[i] = newKey()
			if err := s.Create(ctx, keys[i], data, time.Hour); err != nil {
				t.Fatal(err)
			}
		}
		tie := func(k string) func() error { return func() error { return s.Tie(ctx, user, k, time.Hour) } }
		untie := func(k string) func() error { return func() error { return s.Untie(ctx, user, k) } }
		list := func(n int) func() error {
			return func() error {
				recs, err := s.UserRecords(ctx, user)
				if err == nil && len(recs) != n {
					err = fmt.Errorf("%d records; want %d", len(recs), n)
				}
				return err
			}
		}
		measure("Tie, the 1st session", size, 0, writeUnits(s.indexItemSize(user, keys[:1])), tie(keys[0]))
		measure("UserRecords, 1 session", size, readUnits(s.indexItemSize(user, keys[:1]))+r, 0, list(1))
		for _, k := range keys[1:4] {
			if err := s.Tie(ctx, user, k, time.Hour); err != nil {
				t.Fatal(err)
			}
		}
		measure("Tie, the 5th session", size, 0, writeUnits(s.indexItemSize(user, keys)), tie(keys[4]))
		measure("UserRecords, 5 sessions", size, readUnits(s.indexItemSize(user, keys))+5*r, 0, list(5))
		measure("Untie, 5 sessions to 4", size, 0, writeUnits(s.indexItemSize(user, keys)), untie(keys[4]))
		for _, k := range keys[1:4] {
			if err := s.Untie(ctx, user, k); err != nil {
				t.Fatal(err)
			}
		}
		// The last Untie also deletes the emptied index item: a unit more.
		measure("Untie, the last (index deleted)", size, 0, writeUnits(s.indexItemSize(user, keys[:1]))+1, untie(keys[0]))
	}

	t.Logf("consumed capacity reported by the server, by operation (bounds: the package documentation's):\n%-36s %6s %8s %10s %11s %14s\n%s",
		"operation", "record", "requests", "read units", "write units", "bound (r / w)", strings.Join(rows, "\n"))
	if len(m.unmetered) > 0 {
		t.Errorf("the store sent operations the meter does not ask capacity for: %v", m.unmetered)
	}
	if len(m.unreported) > 0 {
		t.Errorf("responses that reported no consumed capacity: %v", m.unreported)
	}
}
