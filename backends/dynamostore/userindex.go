package dynamostore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/serversession/serversession/internal/retry"
	"github.com/serversession/serversession/sessions"
)

// The user index (sessions.UserIndex): each user's sessions are listed in
// an item of their own in the sessions' table, whose id is the key prefix
// + "user-sha256:" + the SHA-256 of the user ID in hex (no user ID shows in
// the table's keys; no session key looks like it: session IDs hold no
// ":"). Each entry is an attribute of that item, named entryPrefix + the
// session's storage key, whose value (N) is the session's expiry in Unix
// milliseconds as the index last learnt it. A counter, attrVer, goes up at
// every write, so that the item can be deleted once empty without racing a
// Tie. The item has no expiration attribute, so that neither DynamoDB's
// time to live nor Flask-Session ever treats it as a session: a session's
// expiry moves on every refresh without the index hearing of it.
//
// Entries end with their sessions: when the index is listed, every entry's
// session is read, and the entries of sessions that are gone are removed;
// when it is written (Tie, Untie), the entries whose recorded expiry has
// passed are checked against their sessions, and removed, or given the
// session's new expiry. The reads are strongly consistent GetItem and
// BatchGetItem requests, and each write is one atomic UpdateItem, so a
// listing sees every Tie that returned before it began.

const (
	// entryPrefix starts the attribute name of each entry.
	entryPrefix = "s:"
	// attrVer counts the writes of a user's index item.
	attrVer = "ver"
	// userInfix follows the key prefix in the id of a user's index item,
	// before the hex SHA-256 of the user, so that no user ID shows in an id.
	userInfix = "user-sha256:"
	// pruneBatch bounds the entries one Tie or Untie checks, so that a
	// login never pays for a long backlog at once; a listing checks all.
	pruneBatch = 100
	// batchGetMax is the most keys one BatchGetItem takes.
	batchGetMax = 100
	// pruneUpdateMax is the most entries one pruning UpdateItem changes,
	// keeping its expressions within DynamoDB's 4 KB.
	pruneUpdateMax = 50
	// maxKeySize is DynamoDB's limit on a partition key value.
	maxKeySize = 2048
)

// userItemKey returns the id of user's index item: the user ID is hashed.
func (s *Store) userItemKey(user string) string {
	sum := sha256.Sum256([]byte(user))
	return s.prefix + userInfix + hex.EncodeToString(sum[:])
}

// checkUser refuses a user ID DynamoDB cannot hold in a key: empty, not
// UTF-8 (DynamoDB strings are UTF-8, so two different invalid IDs could
// meet), or too long for a partition key.
func (s *Store) checkUser(op, user string) error {
	switch {
	case user == "":
		return fmt.Errorf("dynamostore: %s: the user ID is empty", op)
	case !utf8.ValidString(user):
		return fmt.Errorf("dynamostore: %s: the user ID is not valid UTF-8, which DynamoDB keys must be", op)
	case len(s.userItemKey(user)) > maxKeySize:
		return fmt.Errorf("dynamostore: %s: the user ID makes an index key over DynamoDB's %d bytes", op, maxKeySize)
	}
	return nil
}

// entry is an index entry: a session's key and its recorded expiry, as
// DynamoDB holds it (kept as text, so that a pruning update can compare it
// exactly).
type entry struct {
	key string
	exp string
	ms  int64
}

// entries reads the entries out of a user's index item, and its version.
func entries(item map[string]types.AttributeValue) (es []entry, ver string) {
	for name, v := range item {
		if name == attrVer {
			if n, ok := v.(*types.AttributeValueMemberN); ok {
				ver = n.Value
			}
			continue
		}
		key, ok := strings.CutPrefix(name, entryPrefix)
		n, isN := v.(*types.AttributeValueMemberN)
		if !ok || !isN {
			continue
		}
		ms, _ := strconv.ParseInt(n.Value, 10, 64) // unparsable: 0, so due
		es = append(es, entry{key: key, exp: n.Value, ms: ms})
	}
	return es, ver
}

// due returns the entries whose recorded expiry has passed at now, but
// that of skip, at most limit of them.
func due(es []entry, now time.Time, skip string, limit int) []entry {
	var out []entry
	for _, e := range es {
		if e.ms <= now.UnixMilli() && e.key != skip && len(out) < limit {
			out = append(out, e)
		}
	}
	return out
}

// Tie adds key to user's index, recording that its session expires after
// ttl: one UpdateItem of the user's index item (SET the entry, ADD 1 to its
// version; the item is created if missing), which returns the item. If
// entries of other sessions are due (their recorded expiry has passed),
// up to pruneBatch of them are checked with a BatchGetItem and fixed with
// an UpdateItem: three requests instead of one, only then. Tying a key
// already tied only updates its expiry.
func (s *Store) Tie(ctx context.Context, user, key string, ttl time.Duration) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("dynamostore: tie %q: %w", key, err)
	}
	if err := s.checkUser("tie", user); err != nil {
		return err
	}
	now := time.Now()
	out, err := s.client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                &s.table,
		Key:                      keyOf(s.userItemKey(user)),
		UpdateExpression:         aws.String("SET #k = :exp ADD #ver :one"),
		ExpressionAttributeNames: map[string]string{"#k": entryPrefix + key, "#ver": attrVer},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":exp": number(strconv.FormatInt(expirationAt(now, ttl).UnixMilli(), 10)),
			":one": number("1"),
		},
		ReturnValues: types.ReturnValueAllNew,
	})
	if err != nil {
		return wrap(ctx, "tie", key, err)
	}
	es, _ := entries(out.Attributes)
	if d := due(es, now, key, pruneBatch); len(d) > 0 {
		if _, _, err := s.prune(ctx, user, d, nil); err != nil {
			return fmt.Errorf("dynamostore: tie %q: %w", key, err)
		}
	}
	return nil
}

// Untie removes key from user's index: one UpdateItem (REMOVE the entry,
// ADD 1 to the version) on the condition that the index item exists, so
// that none is created. A key not in it is not an error. As Tie does, it
// then checks and fixes up to pruneBatch due entries (two requests more,
// only then), and deletes the index item once it holds no entry (one
// request more, conditioned on its version, so that a Tie meanwhile keeps
// it).
func (s *Store) Untie(ctx context.Context, user, key string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("dynamostore: untie %q: %w", key, err)
	}
	if err := s.checkUser("untie", user); err != nil {
		return err
	}
	now := time.Now()
	out, err := s.client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                &s.table,
		Key:                      keyOf(s.userItemKey(user)),
		UpdateExpression:         aws.String("REMOVE #k ADD #ver :one"),
		ConditionExpression:      aws.String("attribute_exists(#id)"),
		ExpressionAttributeNames: map[string]string{"#k": entryPrefix + key, "#ver": attrVer, "#id": attrID},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":one": number("1"),
		},
		ReturnValues: types.ReturnValueAllNew,
	})
	if isConditionFailed(err) {
		return nil // no index: nothing to untie
	}
	if err != nil {
		return wrap(ctx, "untie", key, err)
	}
	es, ver := entries(out.Attributes)
	if d := due(es, now, "", pruneBatch); len(d) > 0 {
		left, v, err := s.prune(ctx, user, d, nil)
		if err != nil {
			return fmt.Errorf("dynamostore: untie %q: %w", key, err)
		}
		if v != "" {
			es, ver = left, v
		}
	}
	if len(es) == 0 {
		if err := s.deleteEmptyIndex(ctx, user, ver); err != nil {
			return fmt.Errorf("dynamostore: untie %q: %w", key, err)
		}
	}
	return nil
}

// UserRecords returns the live records of the sessions in user's index,
// each with its key and expiry: a strongly consistent GetItem of the index
// item, then strongly consistent BatchGetItem requests of the sessions'
// items (up to 100 a request; keys DynamoDB leaves unprocessed are asked
// again). Expired and missing sessions are never returned; their entries
// are removed, and those of live sessions whose recorded expiry has passed
// get the session's, in one UpdateItem per 50 entries. An index left empty
// is deleted. A session item that is not a session record is skipped and
// logged, as Load does.
func (s *Store) UserRecords(ctx context.Context, user string) ([]sessions.UserRecord, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("dynamostore: user records: %w", err)
	}
	if err := s.checkUser("user records", user); err != nil {
		return nil, err
	}
	out, err := s.client.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      &s.table,
		Key:            keyOf(s.userItemKey(user)),
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return nil, wrap(ctx, "user records", "", err)
	}
	if out.Item == nil {
		return nil, nil
	}
	es, ver := entries(out.Item)
	var recs []sessions.UserRecord
	left, v, err := s.prune(ctx, user, es, func(r sessions.UserRecord) { recs = append(recs, r) })
	if err != nil {
		return nil, fmt.Errorf("dynamostore: user records: %w", err)
	}
	if v != "" {
		ver = v
	}
	if len(left) == 0 {
		// Every entry was of a session that is gone: the index is empty
		// unless a Tie came meanwhile, which the version tells.
		if err := s.deleteEmptyIndex(ctx, user, ver); err != nil {
			return nil, fmt.Errorf("dynamostore: user records: %w", err)
		}
	}
	return recs, nil
}

// prune reads the sessions of the entries es of user's index, calls live
// (if not nil) with each live one, and updates the index: it removes the
// entries of sessions that are gone or expired, and gives the entries of
// live sessions whose recorded expiry has passed the session's expiry.
// Each update is conditioned on the entries it changes still holding what
// was read, so that a Tie meanwhile is never undone; one whose condition
// fails is left for the next write or listing. It returns the entries left
// and the index item's version after its last update ("" if it made none).
func (s *Store) prune(ctx context.Context, user string, es []entry, live func(sessions.UserRecord)) ([]entry, string, error) {
	items, err := s.batchGet(ctx, es)
	if err != nil {
		return nil, "", err
	}
	now := time.Now()
	var (
		left    []entry
		changes []entryChange
	)
	for _, e := range es {
		item, ok := items[e.key]
		if !ok {
			changes = append(changes, entryChange{entry: e})
			continue
		}
		it, bad := parseSessionItem(item)
		switch {
		case bad != "":
			s.warnNotRecord(ctx, bad)
			left = append(left, e) // not ours to judge; Load ignores it too
		case !it.expires.After(now):
			changes = append(changes, entryChange{entry: e})
		default:
			left = append(left, e)
			if live != nil {
				live(sessions.UserRecord{Key: e.key, Record: sessions.Record{Data: it.data}, Expires: it.expires})
			}
			if e.ms <= now.UnixMilli() {
				changes = append(changes, entryChange{entry: e, newExp: strconv.FormatInt(it.expires.UnixMilli(), 10)})
			}
		}
	}
	ver := ""
	for len(changes) > 0 {
		n := min(len(changes), pruneUpdateMax)
		v, err := s.applyChanges(ctx, user, changes[:n])
		if err != nil {
			return nil, "", err
		}
		if v != "" {
			ver = v
		}
		changes = changes[n:]
	}
	return left, ver, nil
}

// entryChange is what prune does to an entry: remove it (newExp == "") or
// set its recorded expiry to newExp.
type entryChange struct {
	entry
	newExp string
}

// applyChanges makes the changes to user's index in one UpdateItem, on the
// condition that each entry still holds what was read. It returns the
// item's new version, or "" when the condition failed (a concurrent write
// changed one of the entries, or deleted the item; left as it is).
func (s *Store) applyChanges(ctx context.Context, user string, changes []entryChange) (string, error) {
	names := map[string]string{"#ver": attrVer}
	values := map[string]types.AttributeValue{":one": number("1")}
	var set, remove, cond []string
	for i, c := range changes {
		n, v := "#k"+strconv.Itoa(i), ":o"+strconv.Itoa(i)
		names[n] = entryPrefix + c.key
		values[v] = number(c.exp)
		cond = append(cond, n+" = "+v)
		if c.newExp == "" {
			remove = append(remove, n)
		} else {
			nv := ":n" + strconv.Itoa(i)
			values[nv] = number(c.newExp)
			set = append(set, n+" = "+nv)
		}
	}
	update := "ADD #ver :one"
	if len(set) > 0 {
		update = "SET " + strings.Join(set, ", ") + " " + update
	}
	if len(remove) > 0 {
		update += " REMOVE " + strings.Join(remove, ", ")
	}
	out, err := s.client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 &s.table,
		Key:                       keyOf(s.userItemKey(user)),
		UpdateExpression:          aws.String(update),
		ConditionExpression:       aws.String(strings.Join(cond, " AND ")),
		ExpressionAttributeNames:  names,
		ExpressionAttributeValues: values,
		ReturnValues:              types.ReturnValueUpdatedNew,
	})
	if isConditionFailed(err) {
		return "", nil
	}
	if err != nil {
		return "", wrap(ctx, "update the user's index", "", err)
	}
	if v, ok := out.Attributes[attrVer].(*types.AttributeValueMemberN); ok {
		return v.Value, nil
	}
	return "", nil
}

// deleteEmptyIndex deletes user's index item if its version is still ver
// (no write since it was seen empty). A version that moved, or an item
// already gone, is left alone.
func (s *Store) deleteEmptyIndex(ctx context.Context, user, ver string) error {
	if ver == "" {
		return nil
	}
	_, err := s.client.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName:                 &s.table,
		Key:                       keyOf(s.userItemKey(user)),
		ConditionExpression:       aws.String("#ver = :ver"),
		ExpressionAttributeNames:  map[string]string{"#ver": attrVer},
		ExpressionAttributeValues: map[string]types.AttributeValue{":ver": number(ver)},
	})
	if err != nil && !isConditionFailed(err) {
		return wrap(ctx, "delete the user's empty index", "", err)
	}
	return nil
}

// batchGetRetries bounds the rounds of BatchGetItem for keys that DynamoDB
// left unprocessed (under throttling) before giving up with ErrThrottled.
const batchGetRetries = 8

// batchGet reads the session items of es, strongly consistent, 100 keys a
// request, and returns them by key; a key without an item is absent.
func (s *Store) batchGet(ctx context.Context, es []entry) (map[string]map[string]types.AttributeValue, error) {
	items := make(map[string]map[string]types.AttributeValue, len(es))
	for start := 0; start < len(es); start += batchGetMax {
		chunk := es[start:min(start+batchGetMax, len(es))]
		keys := make([]map[string]types.AttributeValue, len(chunk))
		for i, e := range chunk {
			keys[i] = keyOf(e.key)
		}
		req := map[string]types.KeysAndAttributes{s.table: {
			Keys:                     keys,
			ConsistentRead:           aws.Bool(true),
			ProjectionExpression:     aws.String("#id, #v, #e"),
			ExpressionAttributeNames: map[string]string{"#id": attrID, "#v": attrVal, "#e": attrExpiration},
		}}
		for round := 0; len(req) > 0; round++ {
			if round == batchGetRetries {
				return nil, fmt.Errorf("read the user's sessions: %w: keys left unprocessed %d times", ErrThrottled, round)
			}
			if round > 0 {
				if err := retry.Sleep(ctx, time.Duration(1<<min(round, 6))*10*time.Millisecond); err != nil {
					return nil, err
				}
			}
			out, err := s.client.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: req})
			if err != nil {
				return nil, wrap(ctx, "read the user's sessions", "", err)
			}
			for _, item := range out.Responses[s.table] {
				if id, ok := item[attrID].(*types.AttributeValueMemberS); ok {
					items[id.Value] = item
				}
			}
			req = out.UnprocessedKeys
		}
	}
	return items, nil
}
