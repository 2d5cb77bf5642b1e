package dynamostore_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/serversession/serversession/backends/dynamostore"
	"github.com/serversession/serversession/sessions"
)

// Example keeps a session record in DynamoDB. In an app the store goes into
// sessions.Config{Store: store}, and the middleware calls these methods;
// they are called by hand here to show what each one sends. It talks to a
// local dynalite on 127.0.0.1:8000, so it is compiled but not run by go
// test; against AWS, build the client from config.LoadDefaultConfig.
func Example() {
	client := dynamodb.New(dynamodb.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String("http://127.0.0.1:8000"),
		Credentials:  credentials.NewStaticCredentialsProvider("local", "local", ""),
	})
	store, err := dynamostore.New(client, dynamostore.DefaultTable, dynamostore.WithCreateTable())
	if err != nil {
		fmt.Println(err)
		return
	}

	ctx := context.Background()
	const key = "session:example-id" // prefix + session ID, as the core builds it
	lifetime := 31 * 24 * time.Hour  // Flask's PERMANENT_SESSION_LIFETIME

	// PutItem, if attribute_not_exists(id) OR expiration <= now.
	if err := store.Create(ctx, key, []byte("\x81\xa7user_id\x2a"), lifetime); err != nil {
		fmt.Println(err) // errors.Is(err, sessions.ErrConflict) when the ID is taken
		return
	}
	// UpdateItem SET expiration, ReturnValues ALL_NEW: load and refresh in one request.
	rec, found, err := store.LoadTouch(ctx, key, lifetime)
	if err != nil {
		fmt.Println(err) // DynamoDB unreachable or throttled: not the same as a missing session
		return
	}
	fmt.Println(found, len(rec.Data))
	// UpdateItem SET val, expiration, if val = <rec.Data> AND expiration > now.
	err = store.Replace(ctx, key, rec, []byte("\x81\xa7user_id\x2b"), lifetime)
	switch {
	case errors.Is(err, sessions.ErrConflict):
		fmt.Println("another request changed or deleted the session first")
	case errors.Is(err, dynamostore.ErrThrottled):
		fmt.Println("throttled; nothing was written")
	}
	// DeleteItem.
	if err := store.Delete(ctx, key); err != nil {
		fmt.Println(err)
	}
}
