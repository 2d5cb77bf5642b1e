package redisstore_test

import (
	"context"
	"os"
	"testing"

	"github.com/redis/go-redis/v9"
)

// quiet drops go-redis's log lines. The outage tests fail dials on purpose,
// and go-redis would log every one of them; the tests check the errors.
// Set SERVERSESSION_REDIS_LOG=1 to see them.
type quiet struct{}

func (quiet) Printf(context.Context, string, ...any) {}

func TestMain(m *testing.M) {
	if os.Getenv("SERVERSESSION_REDIS_LOG") == "" {
		redis.SetLogger(quiet{})
	}
	os.Exit(m.Run())
}
