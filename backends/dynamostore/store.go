package dynamostore

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/serversession/serversession/sessions"
)

// DefaultTable is Flask-Session's default table name
// (SESSION_DYNAMODB_TABLE).
const DefaultTable = "Sessions"

// Store keeps sessions in a DynamoDB table, one item per session, in
// Flask-Session 0.8's item shape. It is safe for concurrent use and holds
// no goroutines; it implements sessions.Store, sessions.LoadToucher and
// sessions.UserIndex. Every operation is one request to DynamoDB (see the
// package documentation for the exceptions of the user index).
type Store struct {
	client       *dynamodb.Client
	table        string
	prefix       string
	logger       *slog.Logger
	createTable  bool
	setupTimeout time.Duration
}

var (
	_ sessions.Store       = (*Store)(nil)
	_ sessions.LoadToucher = (*Store)(nil)
	_ sessions.UserIndex   = (*Store)(nil)
)

// New returns a Store that keeps sessions in table (DefaultTable for
// Flask-Session's) through client, the *dynamodb.Client the app already
// has. Without WithCreateTable it sends nothing and returns an error only
// for a nil client or an empty table name; with it, it creates the table
// if missing and returns what that fails with (see WithCreateTable).
func New(client *dynamodb.Client, table string, opts ...Option) (*Store, error) {
	if client == nil {
		return nil, errors.New("dynamostore: New: the client is nil; pass dynamodb.NewFromConfig(cfg)")
	}
	if table == "" {
		return nil, errors.New(`dynamostore: New: the table name is empty; pass dynamostore.DefaultTable ("Sessions") for Flask-Session's`)
	}
	s := &Store{
		client:       client,
		table:        table,
		prefix:       sessions.DefaultKeyPrefix,
		logger:       slog.Default(),
		setupTimeout: time.Minute,
	}
	for _, o := range opts {
		o(s)
	}
	if s.createTable {
		ctx, cancel := context.WithTimeout(context.Background(), s.setupTimeout)
		defer cancel()
		err := s.CreateTable(ctx)
		switch {
		case errors.Is(err, ErrTTLUnsupported):
			s.logger.LogAttrs(ctx, slog.LevelWarn,
				"dynamostore: the server does not implement time to live, so expired sessions are never deleted "+
					"by it (reads still ignore them); call Store.DeleteExpired on a schedule, or use DynamoDB",
				slog.String("table", s.table), slog.Any("error", err))
		case err != nil:
			return nil, fmt.Errorf("dynamostore: New: %w", err)
		}
	}
	return s, nil
}

// Table returns the name of the Store's table.
func (s *Store) Table() string { return s.table }

// KeyPrefix returns the prefix of the items the Store writes of its own,
// its users' indexes: WithKeyPrefix's, "session:" by default. sessions.New
// refuses a Config whose KeyPrefix differs (see sessions.KeyPrefixer).
func (s *Store) KeyPrefix() string { return s.prefix }

// Load returns the record stored under key, or found == false when there
// is none or it has expired, whatever the TTL sweeper has done yet. One
// strongly consistent GetItem (projection val, expiration).
func (s *Store) Load(ctx context.Context, key string) (sessions.Record, bool, error) {
	if err := ctx.Err(); err != nil {
		return sessions.Record{}, false, fmt.Errorf("dynamostore: load %q: %w", key, err)
	}
	out, err := s.client.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:                &s.table,
		Key:                      keyOf(key),
		ConsistentRead:           aws.Bool(true),
		ProjectionExpression:     aws.String("#v, #e"),
		ExpressionAttributeNames: map[string]string{"#v": attrVal, "#e": attrExpiration},
	})
	if err != nil {
		return sessions.Record{}, false, wrap(ctx, "load", key, err)
	}
	return s.record(ctx, key, out.Item, time.Now())
}

// LoadTouch returns the record stored under key and sets it to expire after
// ttl, in one UpdateItem (SET expiration, on the condition that the item
// exists, has not expired and reads as a session record, ReturnValues
// ALL_NEW). A missing or expired record is found == false and is neither
// touched nor brought back; so is an item that Load would not read (val
// not binary, expiration beyond range), which is left as it is.
func (s *Store) LoadTouch(ctx context.Context, key string, ttl time.Duration) (sessions.Record, bool, error) {
	if err := ctx.Err(); err != nil {
		return sessions.Record{}, false, fmt.Errorf("dynamostore: load-touch %q: %w", key, err)
	}
	now := time.Now()
	out, err := s.client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                &s.table,
		Key:                      keyOf(key),
		UpdateExpression:         aws.String("SET #e = :exp"),
		ConditionExpression:      aws.String("attribute_exists(#id) AND #e > :now AND #e < :max AND attribute_type(#v, :b)"),
		ExpressionAttributeNames: map[string]string{"#id": attrID, "#e": attrExpiration, "#v": attrVal},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":exp": number(formatExpiration(expirationAt(now, ttl))),
			":now": number(formatExpiration(now)),
			":max": number(maxExpiration),
			":b":   &types.AttributeValueMemberS{Value: string(types.ScalarAttributeTypeB)},
		},
		ReturnValues: types.ReturnValueAllNew,
	})
	if isConditionFailed(err) {
		return sessions.Record{}, false, nil
	}
	if err != nil {
		return sessions.Record{}, false, wrap(ctx, "load-touch", key, err)
	}
	return s.record(ctx, key, out.Attributes, now)
}

// record reads the Record out of a session item that GetItem or UpdateItem
// returned. No item, or one that expired at now, is not found. An item
// that cannot be a session record (val not binary data, expiration not a
// number) is logged and reported as not found, so that the session starts
// afresh instead of failing every request that carries its cookie.
func (s *Store) record(ctx context.Context, key string, item map[string]types.AttributeValue, now time.Time) (sessions.Record, bool, error) {
	if item == nil {
		return sessions.Record{}, false, nil
	}
	it, bad := parseSessionItem(item)
	if bad != "" {
		s.warnNotRecord(ctx, bad)
		return sessions.Record{}, false, nil
	}
	if !it.expires.After(now) {
		return sessions.Record{}, false, nil
	}
	return sessions.Record{Data: it.data}, true, nil
}

// Create stores data under key, to expire after ttl, unless a live record
// is stored there; then it changes nothing and returns an error wrapping
// sessions.ErrConflict. One PutItem on the condition
// attribute_not_exists(id) OR expiration <= now, so that it also writes
// over an expired item the TTL sweeper has not deleted yet; of several
// Creates racing on one key exactly one succeeds.
func (s *Store) Create(ctx context.Context, key string, data []byte, ttl time.Duration) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("dynamostore: create %q: %w", key, err)
	}
	if err := checkSize("create", key, len(data)); err != nil {
		return err
	}
	now := time.Now()
	_, err := s.client.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: &s.table,
		Item: map[string]types.AttributeValue{
			attrID:         &types.AttributeValueMemberS{Value: key},
			attrVal:        binary(data),
			attrExpiration: number(formatExpiration(expirationAt(now, ttl))),
		},
		ConditionExpression:      aws.String("attribute_not_exists(#id) OR #e <= :now"),
		ExpressionAttributeNames: map[string]string{"#id": attrID, "#e": attrExpiration},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":now": number(formatExpiration(now)),
		},
	})
	if isConditionFailed(err) {
		return conflict("create", key, "a live record is stored under the key")
	}
	if err != nil {
		return wrap(ctx, "create", key, err)
	}
	return nil
}

// Replace stores data under key, to expire after ttl, if the live item of
// key still holds old.Data: one UpdateItem (SET val, expiration) on the
// condition val = old.Data AND expiration > now. When the condition fails
// (the record changed, expired or was deleted), nothing is changed or
// created, and the error wraps sessions.ErrConflict. old.Version is not
// used. Attributes of the item other than val and expiration are kept.
func (s *Store) Replace(ctx context.Context, key string, old sessions.Record, data []byte, ttl time.Duration) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("dynamostore: replace %q: %w", key, err)
	}
	if err := checkSize("replace", key, len(data)); err != nil {
		return err
	}
	now := time.Now()
	_, err := s.client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                &s.table,
		Key:                      keyOf(key),
		UpdateExpression:         aws.String("SET #v = :val, #e = :exp"),
		ConditionExpression:      aws.String("#v = :old AND #e > :now"),
		ExpressionAttributeNames: map[string]string{"#v": attrVal, "#e": attrExpiration},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":val": binary(data),
			":exp": number(formatExpiration(expirationAt(now, ttl))),
			":old": binary(old.Data),
			":now": number(formatExpiration(now)),
		},
	})
	if isConditionFailed(err) {
		return conflict("replace", key, "the record changed, expired or was deleted since it was loaded")
	}
	if err != nil {
		return wrap(ctx, "replace", key, err)
	}
	return nil
}

// DeleteIf removes the record under key if the live item of key still
// holds old.Data: one DeleteItem on the condition val = old.Data AND
// expiration > now. When the condition fails (the record changed, expired
// or was deleted), nothing is deleted and the error wraps
// sessions.ErrConflict. old.Version is not used.
func (s *Store) DeleteIf(ctx context.Context, key string, old sessions.Record) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("dynamostore: delete-if %q: %w", key, err)
	}
	_, err := s.client.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName:                &s.table,
		Key:                      keyOf(key),
		ConditionExpression:      aws.String("#v = :old AND #e > :now"),
		ExpressionAttributeNames: map[string]string{"#v": attrVal, "#e": attrExpiration},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":old": binary(old.Data),
			":now": number(formatExpiration(time.Now())),
		},
	})
	if isConditionFailed(err) {
		return conflict("delete-if", key, "the record changed, expired or was deleted since it was loaded")
	}
	if err != nil {
		return wrap(ctx, "delete-if", key, err)
	}
	return nil
}

// Delete removes the record under key, whatever it holds: one DeleteItem
// without a condition, as Flask-Session's logout. A missing record is not
// an error.
func (s *Store) Delete(ctx context.Context, key string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("dynamostore: delete %q: %w", key, err)
	}
	_, err := s.client.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: &s.table, Key: keyOf(key)})
	if err != nil {
		return wrap(ctx, "delete", key, err)
	}
	return nil
}

// warnNotRecord logs an item under a session's key that is not a session
// record, which reads ignore; why says what is wrong with it.
func (s *Store) warnNotRecord(ctx context.Context, why string) {
	s.logger.LogAttrs(ctx, slog.LevelWarn, "dynamostore: ignoring an item that is not a session record",
		slog.String("table", s.table), slog.String("reason", why))
}
