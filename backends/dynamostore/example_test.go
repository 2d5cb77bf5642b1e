package dynamostore_test

import (
	"fmt"
	"log"
	"net/http"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/serversession/serversession/adapters/httpsession"
	"github.com/serversession/serversession/backends/dynamostore"
	"github.com/serversession/serversession/sessions"
)

// Example is an app whose sessions live in DynamoDB, in Flask-Session's
// default table: it counts each browser's visits. It talks to a local
// dynalite on 127.0.0.1:8000 and then serves until stopped, so go test
// compiles it but does not run it. Against AWS, build the client with
// dynamodb.NewFromConfig from config.LoadDefaultConfig.
func Example() {
	client := dynamodb.New(dynamodb.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String("http://127.0.0.1:8000"),
		Credentials:  credentials.NewStaticCredentialsProvider("local", "local", ""),
	})
	// WithCreateTable creates the table if it is missing, so New fails
	// here, at startup, when DynamoDB does not answer.
	store, err := dynamostore.New(client, dynamostore.DefaultTable, dynamostore.WithCreateTable())
	if err != nil {
		log.Fatal(err)
	}

	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		s := sessions.Get(r)
		visits, _ := sessions.Value[int](s, "visits")
		s.Set("visits", visits+1) // saved for you before the response goes out
		fmt.Fprintf(w, "visits: %d\n", visits+1)
	})
	handler := httpsession.New(sessions.Config{
		Store:     store,
		SecretKey: []byte(os.Getenv("SESSION_SECRET_KEY")), // 32 random bytes
	})(mux)
	log.Fatal(http.ListenAndServe("127.0.0.1:8080", handler))
}
