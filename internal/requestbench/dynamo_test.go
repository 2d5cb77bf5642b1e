package requestbench

import (
	"context"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/serversession/serversession/backends/dynamostore"
	"github.com/serversession/serversession/internal/testserver"
	"github.com/serversession/serversession/sessions"
)

// The DynamoDB row, on dynalite: a table of its own, created before the
// count starts and deleted at the end; commands counts the HTTP requests
// that reach the server, each one DynamoDB request.
func init() {
	stores = append(stores, struct {
		name string
		open openStore
	}{"dynamodb", openDynamo})
}

func openDynamo(tb testing.TB, prefix string) (sessions.Store, func() int64) {
	addr := testserver.Addr(tb, "SERVERSESSION_DYNAMODB_ADDR", "127.0.0.1:8000")
	// Idle connections for the parallel tests' 100 requests at a time
	// (net/http keeps 2 per host by default, and dialing anew is slow).
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 128
	counter := &requestCounter{next: tr}
	client := dynamodb.New(dynamodb.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String("http://" + addr),
		Credentials:  credentials.NewStaticCredentialsProvider("requestbench", "requestbench", ""),
		HTTPClient:   &http.Client{Transport: counter},
	})
	table := "requestbench-" + random()
	s, err := dynamostore.New(client, table, dynamostore.WithCreateTable(), dynamostore.WithKeyPrefix(prefix), dynamostore.WithLogger(discardLogger()))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		defer tr.CloseIdleConnections()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_, _ = client.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: &table})
	})
	return s, counter.n.Load
}

// requestCounter counts the HTTP requests the SDK sends, retries included.
type requestCounter struct {
	next http.RoundTripper
	n    atomic.Int64
}

func (c *requestCounter) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return c.next.RoundTrip(r)
}

// indexedOthers gives, by store and indexed scenario, the server requests
// beyond one per store call where they differ from indexedScenarios' (which
// are Redis's). On DynamoDB a listing is a GetItem of the user's index and
// a BatchGetItem of its sessions, and the logout of a user's last session
// deletes the emptied index item after the Untie.
var indexedOthers = map[string]map[string]int64{
	"dynamodb": {"list": 1, "logout": 1},
}
