package dynamostore

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/smithy-go/middleware"

	"github.com/serversession/serversession/backends/storetest"
)

// BenchmarkStore runs the benchmarks every store shares on a table of its
// own on the test server (dynalite), and reports the DynamoDB requests per
// operation, retries included: Load is one (GetItem), LoadTouch one
// (UpdateItem), Replace one (UpdateItem), CreateDelete two (PutItem,
// DeleteItem).
func BenchmarkStore(b *testing.B) {
	var requests atomic.Int64
	opts := clientOptions(dynamoAddr(b), 0)
	opts.APIOptions = append(opts.APIOptions, func(stack *middleware.Stack) error {
		// In the deserialize step, which every attempt goes through.
		return stack.Deserialize.Add(middleware.DeserializeMiddlewareFunc("serversessionCountRequests",
			func(ctx context.Context, in middleware.DeserializeInput, next middleware.DeserializeHandler) (middleware.DeserializeOutput, middleware.Metadata, error) {
				requests.Add(1)
				return next.HandleDeserialize(ctx, in)
			}), middleware.Before)
	})
	storetest.Benchmark(b, newTestStoreOn(b, dynamodb.New(opts)), storetest.CountCommands(requests.Load))
}
