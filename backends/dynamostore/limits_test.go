package dynamostore

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/serversession/serversession/sessions"
)

// TestLargeRecord: the largest record that fits in a DynamoDB item round
// trips, and Replace and DeleteIf compare all of it; one byte more is
// refused before it is sent (ErrTooLarge), and the stored record is kept.
func TestLargeRecord(t *testing.T) {
	s := newTestStore(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	const key = "session:large"
	max := maxItemSize - sessionItemSize(key, 0)
	big := bytes.Repeat([]byte{0xa5}, max)
	if err := s.Create(ctx, key, big, time.Hour); err != nil {
		t.Fatalf("Create of a %d-byte record (the largest that fits): %v", max, err)
	}
	rec, found, err := s.Load(ctx, key)
	if err != nil || !found || !bytes.Equal(rec.Data, big) {
		t.Fatalf("Load of the %d-byte record = (%d bytes, %v, %v)", max, len(rec.Data), found, err)
	}
	stale := bytes.Clone(big)
	stale[len(stale)-1]++
	if err := s.Replace(ctx, key, sessions.Record{Data: stale}, []byte("x"), time.Hour); !errors.Is(err, sessions.ErrConflict) {
		t.Fatalf("Replace over a copy whose last byte differs = %v; want ErrConflict", err)
	}
	tooBig := append(bytes.Clone(big), 0)
	for _, err := range []error{
		s.Replace(ctx, key, rec, tooBig, time.Hour),
		s.Create(ctx, "session:other", tooBig, time.Hour),
	} {
		if !errors.Is(err, ErrTooLarge) || errors.Is(err, sessions.ErrConflict) {
			t.Errorf("writing %d bytes = %v; want ErrTooLarge", len(tooBig), err)
		}
	}
	if rec, _, _ := s.Load(ctx, key); !bytes.Equal(rec.Data, big) {
		t.Fatal("the stored record changed after a refused Replace")
	}
	if err := s.DeleteIf(ctx, key, rec); err != nil {
		t.Fatalf("DeleteIf of the large record: %v", err)
	}
}

// TestUnreadableItems: items under a session key that are not session
// records (val not binary, expiration missing, not a number or not
// parsable) are not found, and logged, by Load and LoadTouch.
func TestUnreadableItems(t *testing.T) {
	var logged bytes.Buffer
	s := newTestStore(t)
	s.logger = testLogger(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	live := number(formatExpiration(time.Now().Add(time.Hour)))
	for name, item := range map[string]map[string]types.AttributeValue{
		"val-string":        {attrVal: &types.AttributeValueMemberS{Value: "x"}, attrExpiration: live},
		"no-val":            {attrExpiration: live},
		"no-expiration":     {attrVal: binary([]byte("x"))},
		"expiration-string": {attrVal: binary([]byte("x")), attrExpiration: &types.AttributeValueMemberS{Value: "1799237050"}},
		"expiration-huge":   {attrVal: binary([]byte("x")), attrExpiration: number("1e40")},
	} {
		key := "session:" + name
		item[attrID] = &types.AttributeValueMemberS{Value: key}
		putRaw(t, s, item)
		s.logger = testLoggerTo(&logged)
		logged.Reset()
		if rec, found, err := s.Load(ctx, key); err != nil || found || rec.Data != nil {
			t.Errorf("Load(%s) = (%x, %v, %v); want (nil, false, nil)", name, rec.Data, found, err)
		}
		if !strings.Contains(logged.String(), "not a session record") {
			t.Errorf("Load(%s) logged %q; want a warning", name, logged.String())
		}
		if rec, found, err := s.LoadTouch(ctx, key, time.Hour); err != nil || found || rec.Data != nil {
			t.Errorf("LoadTouch(%s) = (%x, %v, %v); want (nil, false, nil)", name, rec.Data, found, err)
		}
	}
}

// TestErrors: DynamoDB's answers that callers branch on map to this
// package's errors, through the real SDK, and none of them is a conflict.
func TestErrors(t *testing.T) {
	var code atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(`{"__type":"com.amazonaws.dynamodb.v20120810#` + code.Load().(string) + `","message":"from the test"}`))
	}))
	defer srv.Close()
	s, err := New(newClient(t, strings.TrimPrefix(srv.URL, "http://"), 1), "Sessions")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, c := range []struct {
		code string
		want error
	}{
		{"ProvisionedThroughputExceededException", ErrThrottled},
		{"ThrottlingException", ErrThrottled},
		{"RequestLimitExceeded", ErrThrottled},
		{"ResourceNotFoundException", ErrTableNotFound},
	} {
		code.Store(c.code)
		for op, err := range map[string]error{
			"Load":     func() error { _, _, err := s.Load(ctx, "session:k"); return err }(),
			"Create":   s.Create(ctx, "session:k", []byte("x"), time.Hour),
			"Replace":  s.Replace(ctx, "session:k", sessions.Record{Data: []byte("x")}, []byte("y"), time.Hour),
			"DeleteIf": s.DeleteIf(ctx, "session:k", sessions.Record{Data: []byte("x")}),
			"Delete":   s.Delete(ctx, "session:k"),
			"Tie":      s.Tie(ctx, "u", "session:k", time.Hour),
			"UserRecords": func() error {
				_, err := s.UserRecords(ctx, "u")
				return err
			}(),
		} {
			if !errors.Is(err, c.want) || errors.Is(err, sessions.ErrConflict) {
				t.Errorf("%s answered %s: error %v; want one wrapping %v, not ErrConflict", op, c.code, err, c.want)
			}
		}
	}
}

// TestMissingTable: a table that does not exist (and New without
// WithCreateTable, which sends nothing) gives errors wrapping
// ErrTableNotFound.
func TestMissingTable(t *testing.T) {
	s, err := New(newClient(t, dynamoAddr(t), 1), tableName(t))
	if err != nil {
		t.Fatalf("New without WithCreateTable: %v", err)
	}
	_, _, err = s.Load(context.Background(), "session:k")
	if !errors.Is(err, ErrTableNotFound) {
		t.Fatalf("Load from a missing table = %v; want ErrTableNotFound", err)
	}
	if err := s.Create(context.Background(), "session:k", []byte("x"), time.Hour); !errors.Is(err, ErrTableNotFound) {
		t.Fatalf("Create in a missing table = %v; want ErrTableNotFound", err)
	}
}

// TestCreateTable: on dynalite, which has no time to live, CreateTable
// creates the table and says so with ErrTTLUnsupported, and New with
// WithCreateTable logs it; a second CreateTable uses the table as it is; a
// table keyed otherwise is refused.
func TestCreateTable(t *testing.T) {
	client := newClient(t, dynamoAddr(t), 0)
	table := tableName(t)
	var logged bytes.Buffer
	s, err := New(client, table, WithCreateTable(), WithLogger(testLoggerTo(&logged)))
	if err != nil {
		t.Fatalf("New(WithCreateTable): %v", err)
	}
	dropTable(t, client, table)
	if !strings.Contains(logged.String(), "does not implement time to live") {
		t.Errorf("New logged %q; want a warning that the server has no time to live", logged.String())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := s.CreateTable(ctx); !errors.Is(err, ErrTTLUnsupported) {
		t.Errorf("CreateTable of an existing table on dynalite = %v; want ErrTTLUnsupported", err)
	}
	desc, err := client.DescribeTable(ctx, &dynamodbDescribe{TableName: &table})
	if err != nil {
		t.Fatal(err)
	}
	if bm := desc.Table.BillingModeSummary; bm == nil || bm.BillingMode != types.BillingModePayPerRequest {
		t.Errorf("billing mode %+v; want PAY_PER_REQUEST", bm)
	}

	other := tableName(t)
	_, err = client.CreateTable(ctx, &dynamodbCreate{
		TableName:            &other,
		BillingMode:          types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash}},
	})
	if err != nil {
		t.Fatal(err)
	}
	dropTable(t, client, other)
	if _, err := New(client, other, WithCreateTable()); err == nil || !strings.Contains(err.Error(), "primary key") {
		t.Errorf("New(WithCreateTable) on a table keyed on pk = %v; want an error about its primary key", err)
	}
}

// TestDeleteExpired deletes the expired session items and nothing else.
func TestDeleteExpired(t *testing.T) {
	s := newTestStore(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	putRaw(t, s, map[string]types.AttributeValue{
		attrID: &types.AttributeValueMemberS{Value: "session:old"}, attrVal: binary([]byte("x")),
		attrExpiration: number("1700000000.5"),
	})
	if err := s.Create(ctx, "session:live", []byte("y"), time.Hour); err != nil {
		t.Fatal(err)
	}
	if err := s.Tie(ctx, "alice", "session:live", time.Hour); err != nil {
		t.Fatal(err)
	}
	n, err := s.DeleteExpired(ctx)
	if err != nil || n != 1 {
		t.Fatalf("DeleteExpired = %d, %v; want 1, nil", n, err)
	}
	if rawItem(t, s, "session:old") != nil || rawItem(t, s, "session:live") == nil || rawItem(t, s, s.userItemKey("alice")) == nil {
		t.Fatal("DeleteExpired deleted the wrong items")
	}
}
