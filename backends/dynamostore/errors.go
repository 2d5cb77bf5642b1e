package dynamostore

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/smithy-go"

	"github.com/serversession/serversession/sessions"
)

// ErrThrottled is what an operation wraps when DynamoDB refused it for lack
// of capacity (ProvisionedThroughputExceededException, ThrottlingException,
// RequestLimitExceeded), after the client's own retries. Nothing was
// written. It is not a conflict: the session core reports it as a failed
// load or save, and the stored record is kept as it was.
var ErrThrottled = errors.New("dynamostore: throttled by DynamoDB")

// ErrTableNotFound is what an operation wraps when the table does not
// exist (ResourceNotFoundException): a wrong table name or region, or a
// table not created yet (see WithCreateTable).
var ErrTableNotFound = errors.New("dynamostore: the table does not exist")

// ErrTooLarge is what Create and Replace wrap when the item would exceed
// DynamoDB's item size limit of 400 KB (attribute names included). Such a
// record is refused before it is sent, so the stored record survives; an
// item that DynamoDB itself refuses as too large wraps it too.
var ErrTooLarge = errors.New("dynamostore: the item would exceed DynamoDB's 400 KB item size limit")

// ErrTTLUnsupported is what CreateTable wraps when the server does not
// implement DynamoDB's time-to-live operations (it answered
// UnknownOperationException, as dynalite and some local emulators do). The
// table exists and the Store works: reads check expiration themselves.
// But expired items are never deleted by the server; call DeleteExpired
// on a schedule there. Real DynamoDB never answers so, and any other error
// enabling TTL is returned as it is.
var ErrTTLUnsupported = errors.New("dynamostore: the server does not implement time to live (UpdateTimeToLive)")

// apiCode returns the error code of a DynamoDB error answer, "" for errors
// that are not one (a network failure, a canceled context).
func apiCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// isConditionFailed reports whether err is DynamoDB's answer to a write
// whose condition did not hold.
func isConditionFailed(err error) bool {
	return apiCode(err) == "ConditionalCheckFailedException"
}

// wrap gives err the operation and key as context, and maps DynamoDB's
// answers that callers branch on to this package's sentinels (and a failed
// condition to sessions.ErrConflict). It adds ctx's error when the context
// ended while the call was in flight.
func wrap(ctx context.Context, op, key string, err error) error {
	switch code := apiCode(err); {
	case code == "ConditionalCheckFailedException":
		err = fmt.Errorf("%w: %w", sessions.ErrConflict, err)
	case code == "ProvisionedThroughputExceededException", code == "ThrottlingException",
		code == "RequestLimitExceeded":
		err = fmt.Errorf("%w: %w", ErrThrottled, err)
	case code == "ResourceNotFoundException":
		err = fmt.Errorf("%w: %w", ErrTableNotFound, err)
	case code == "ValidationException" && strings.Contains(strings.ToLower(err.Error()), "item size"):
		err = fmt.Errorf("%w: %w", ErrTooLarge, err)
	}
	if cerr := ctx.Err(); cerr != nil && !errors.Is(err, cerr) {
		err = fmt.Errorf("%w (%w)", err, cerr)
	}
	if key == "" {
		return fmt.Errorf("dynamostore: %s: %w", op, err)
	}
	return fmt.Errorf("dynamostore: %s %q: %w", op, key, err)
}

// conflict is the error of a Create, Replace or DeleteIf whose condition
// failed: it wraps sessions.ErrConflict, with the operation, key and reason.
func conflict(op, key, reason string) error {
	return fmt.Errorf("dynamostore: %s %q: %s: %w", op, key, reason, sessions.ErrConflict)
}
