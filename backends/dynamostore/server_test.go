package dynamostore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/serversession/serversession/internal/testserver"
)

// dynamoAddr returns the host:port of the test server (dynalite, started by
// scripts/test-servers.sh) after checking that it answers; otherwise the
// test is skipped, or fails when servers are required.
func dynamoAddr(t testing.TB) string {
	t.Helper()
	return testserver.Addr(t, "SERVERSESSION_DYNAMODB_ADDR", "127.0.0.1:8000")
}

// newClient returns a DynamoDB client for the server at addr (host:port,
// plain HTTP), with static dummy credentials (dynalite refuses anonymous
// requests but checks no signature) and at most attempts attempts a
// request (0: the SDK's default of 3).
func newClient(t testing.TB, addr string, attempts int) *dynamodb.Client {
	t.Helper()
	return dynamodb.New(clientOptions(addr, attempts))
}

// clientOptions returns the options newClient makes its client with, for
// a test that adds to them (middleware on APIOptions, say).
func clientOptions(addr string, attempts int) dynamodb.Options {
	return dynamodb.Options{
		Region:           "us-east-1",
		BaseEndpoint:     aws.String("http://" + addr),
		Credentials:      credentials.NewStaticCredentialsProvider("serversession", "test-secret", ""),
		RetryMaxAttempts: attempts,
	}
}

// tableName derives a table name of t's own from the test's name plus
// random hex, within DynamoDB's rules ([A-Za-z0-9_.-], 3 to 255).
func tableName(t testing.TB) string {
	var b strings.Builder
	b.WriteString("serversession-test.")
	for _, r := range t.Name() {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '_', r == '-', r == '.':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	name := b.String()
	if len(name) > 200 {
		name = name[:200]
	}
	var rnd [4]byte
	_, _ = rand.Read(rnd[:])
	return name + "." + hex.EncodeToString(rnd[:])
}

// newTestStore returns a Store on a table of its own on the test server,
// created with WithCreateTable and deleted when t ends, logging to t.
func newTestStore(t testing.TB, opts ...Option) *Store {
	t.Helper()
	return newTestStoreOn(t, newClient(t, dynamoAddr(t), 0), opts...)
}

// newTestStoreOn is newTestStore through client, a client of the test's
// own on the test server.
func newTestStoreOn(t testing.TB, client *dynamodb.Client, opts ...Option) *Store {
	t.Helper()
	table := tableName(t)
	s, err := New(client, table, append([]Option{WithCreateTable(), WithLogger(testLogger(t))}, opts...)...)
	if err != nil {
		t.Fatalf("New(%s, WithCreateTable()): %v", table, err)
	}
	dropTable(t, client, table)
	return s
}

// dropTable deletes table when t ends.
func dropTable(t testing.TB, client *dynamodb.Client, table string) {
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if _, err := client.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: &table}); err != nil {
			t.Logf("delete table %s: %v", table, err)
		}
	})
}

// rawItem returns the item of id in s's table as DynamoDB holds it (nil if
// there is none), read strongly consistent.
func rawItem(t testing.TB, s *Store, id string) map[string]types.AttributeValue {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, err := s.client.GetItem(ctx, &dynamodb.GetItemInput{TableName: &s.table, Key: keyOf(id), ConsistentRead: aws.Bool(true)})
	if err != nil {
		t.Fatalf("GetItem(%q): %v", id, err)
	}
	return out.Item
}

// putRaw writes item into s's table as it is.
func putRaw(t testing.TB, s *Store, item map[string]types.AttributeValue) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := s.client.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.table, Item: item}); err != nil {
		t.Fatalf("PutItem: %v", err)
	}
}

// testLogger returns a logger that writes through t.Log, so that what the
// store logs shows up with the test that caused it.
func testLogger(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(tWriter{t}, nil))
}

type tWriter struct{ t testing.TB }

func (w tWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// testLoggerTo returns a logger that writes to w.
func testLoggerTo(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, nil))
}

type (
	dynamodbDescribe = dynamodb.DescribeTableInput
	dynamodbCreate   = dynamodb.CreateTableInput
)
