package dynamostore

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/serversession/serversession/internal/retry"
)

// CreateTable creates the Store's table as Flask-Session 0.8 does, if it
// does not exist: partition key id (S), on-demand capacity
// (PAY_PER_REQUEST). It waits for the table to be active, then makes sure
// time to live is enabled on expiration, so that DynamoDB deletes expired
// sessions (within a day or two of their expiry; reads never rely on it).
// A table that exists is used as it is if its partition key is id (S), and
// refused otherwise; Flask-Session 0.8 creates its table without time to
// live, which CreateTable then enables.
//
// A server that does not implement time to live (dynalite, some local
// emulators: UnknownOperationException) makes CreateTable return an error
// wrapping ErrTTLUnsupported once the table is ready; the Store works
// there, but nothing deletes expired items (see DeleteExpired). Any other
// failure to enable it, such as a role without dynamodb:UpdateTimeToLive,
// is returned as it is, never hidden. ctx bounds every request and the
// wait.
func (s *Store) CreateTable(ctx context.Context) error {
	_, err := s.client.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:            &s.table,
		BillingMode:          types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String(attrID), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String(attrID), KeyType: types.KeyTypeHash}},
	})
	if err != nil && apiCode(err) != "ResourceInUseException" {
		return wrap(ctx, "create table "+s.table, "", err)
	}
	if err := s.waitActive(ctx); err != nil {
		return err
	}
	return s.enableTTL(ctx)
}

// waitActive waits until the table is ACTIVE and checks its key schema.
func (s *Store) waitActive(ctx context.Context) error {
	for delay := 50 * time.Millisecond; ; delay = min(2*delay, 2*time.Second) {
		out, err := s.client.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: &s.table})
		if err != nil && apiCode(err) != "ResourceNotFoundException" {
			return wrap(ctx, "describe table "+s.table, "", err)
		}
		if err == nil && out.Table != nil && out.Table.TableStatus == types.TableStatusActive {
			return checkKeySchema(s.table, out.Table)
		}
		if err := retry.Sleep(ctx, delay); err != nil {
			return fmt.Errorf("dynamostore: waiting for table %s to become active: %w", s.table, err)
		}
	}
}

// checkKeySchema refuses a table whose primary key is not id (S) alone.
func checkKeySchema(table string, desc *types.TableDescription) error {
	ok := len(desc.KeySchema) == 1 && aws.ToString(desc.KeySchema[0].AttributeName) == attrID &&
		desc.KeySchema[0].KeyType == types.KeyTypeHash
	if ok {
		for _, d := range desc.AttributeDefinitions {
			if aws.ToString(d.AttributeName) == attrID && d.AttributeType != types.ScalarAttributeTypeS {
				ok = false
			}
		}
	}
	if !ok {
		return fmt.Errorf("dynamostore: table %s exists but its primary key is not the partition key id (S) "+
			"that Flask-Session and this package use; pass another table name", table)
	}
	return nil
}

// enableTTL turns time to live on for expiration, unless it is already on
// (or being turned on) for it. Another TTL attribute is an error: a table
// has one, and sessions would never be swept.
func (s *Store) enableTTL(ctx context.Context) error {
	desc, err := s.client.DescribeTimeToLive(ctx, &dynamodb.DescribeTimeToLiveInput{TableName: &s.table})
	if apiCode(err) == "UnknownOperationException" {
		return fmt.Errorf("%w: table %s: DescribeTimeToLive: %w", ErrTTLUnsupported, s.table, err)
	}
	if err != nil {
		return wrap(ctx, "describe time to live of "+s.table, "", err)
	}
	if d := desc.TimeToLiveDescription; d != nil {
		switch attr := aws.ToString(d.AttributeName); {
		case (d.TimeToLiveStatus == types.TimeToLiveStatusEnabled || d.TimeToLiveStatus == types.TimeToLiveStatusEnabling) && attr == attrExpiration:
			return nil
		case (d.TimeToLiveStatus == types.TimeToLiveStatusEnabled || d.TimeToLiveStatus == types.TimeToLiveStatusEnabling) && attr != attrExpiration:
			return fmt.Errorf("dynamostore: table %s has time to live on %q, not on %q: sessions would never be swept; "+
				"disable it or use another table", s.table, attr, attrExpiration)
		}
	}
	_, err = s.client.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{
		TableName: &s.table,
		TimeToLiveSpecification: &types.TimeToLiveSpecification{
			AttributeName: aws.String(attrExpiration),
			Enabled:       aws.Bool(true),
		},
	})
	if apiCode(err) == "UnknownOperationException" {
		return fmt.Errorf("%w: table %s: UpdateTimeToLive: %w", ErrTTLUnsupported, s.table, err)
	}
	if err != nil {
		return wrap(ctx, "enable time to live on "+s.table+"."+attrExpiration, "", err)
	}
	return nil
}

// DeleteExpired deletes the session items whose expiration has passed and
// returns how many it deleted. DynamoDB's time to live does this on its own
// (CreateTable turns it on); call DeleteExpired on a schedule only where
// the server lacks it (dynalite, local emulators: see ErrTTLUnsupported),
// since expired sessions are never read but otherwise stay stored.
//
// It scans the whole table (a Scan with a filter reads every item and
// consumes read capacity for all of them, not only the expired ones), then
// deletes each expired item with a DeleteItem on the condition that it is
// still expired, so that a session created meanwhile under the same key is
// kept. Users' index items (see the package documentation) have no
// expiration and are left alone.
func (s *Store) DeleteExpired(ctx context.Context) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("dynamostore: delete expired: %w", err)
	}
	now := number(formatExpiration(time.Now()))
	p := dynamodb.NewScanPaginator(s.client, &dynamodb.ScanInput{
		TableName:                 &s.table,
		ProjectionExpression:      aws.String("#id"),
		FilterExpression:          aws.String("#e <= :now"),
		ExpressionAttributeNames:  map[string]string{"#id": attrID, "#e": attrExpiration},
		ExpressionAttributeValues: map[string]types.AttributeValue{":now": now},
	})
	deleted := 0
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return deleted, wrap(ctx, "delete expired: scan", "", err)
		}
		for _, item := range page.Items {
			_, err := s.client.DeleteItem(ctx, &dynamodb.DeleteItemInput{
				TableName:                 &s.table,
				Key:                       map[string]types.AttributeValue{attrID: item[attrID]},
				ConditionExpression:       aws.String("#e <= :now"),
				ExpressionAttributeNames:  map[string]string{"#e": attrExpiration},
				ExpressionAttributeValues: map[string]types.AttributeValue{":now": now},
			})
			switch {
			case isConditionFailed(err):
			case err != nil:
				return deleted, wrap(ctx, "delete expired", "", err)
			default:
				deleted++
			}
		}
	}
	return deleted, nil
}
