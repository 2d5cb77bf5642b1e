//go:build dynamodb

package demo

import (
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/serversession/serversession/backends/dynamostore"
	"github.com/serversession/serversession/sessions"
)

// The "dynamodb" choice runs on a local DynamoDB, such as the dynalite that
// scripts/test-servers.sh starts, at $SERVERSESSION_DYNAMODB_ADDR
// (127.0.0.1:8000 by default), with dummy credentials, in Flask-Session's
// default table, "Sessions", created if missing. On AWS, an app builds its
// client from config.LoadDefaultConfig instead and passes its own table.
// The AWS SDK is a large build, so this file is built only with -tags
// dynamodb.
func init() {
	Stores["dynamodb"] = func(string) (sessions.Store, func(), error) {
		transport := http.DefaultTransport.(*http.Transport).Clone()
		client := dynamodb.New(dynamodb.Options{
			Region:       "us-east-1",
			BaseEndpoint: aws.String("http://" + env("SERVERSESSION_DYNAMODB_ADDR", "127.0.0.1:8000")),
			Credentials:  credentials.NewStaticCredentialsProvider("demo", "demo", ""),
			HTTPClient:   &http.Client{Transport: transport, Timeout: 10 * time.Second},
		})
		s, err := dynamostore.New(client, dynamostore.DefaultTable, dynamostore.WithCreateTable())
		if err != nil {
			return nil, nil, err
		}
		return s, transport.CloseIdleConnections, nil
	}
}
