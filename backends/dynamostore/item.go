package dynamostore

import (
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// The attributes of a session item, as Flask-Session 0.8 names them.
const (
	attrID         = "id"         // S, the partition key: key prefix + session ID
	attrVal        = "val"        // B, the encoded record
	attrExpiration = "expiration" // N, Unix seconds (see expiration.go)
)

// maxItemSize is DynamoDB's item size limit: 400 KB, counting the UTF-8
// bytes of every attribute name and value.
const maxItemSize = 400 * 1024

// numberSize is the most a DynamoDB number takes in an item: up to 38
// significant digits, two to a byte, plus one.
const numberSize = 21

// sessionItemSize is the size DynamoDB counts for a session item of a
// record of n bytes under key: its three attributes, names included.
func sessionItemSize(key string, n int) int {
	return len(attrID) + len(key) + len(attrVal) + n + len(attrExpiration) + numberSize
}

// checkSize returns an error wrapping ErrTooLarge when a record of n bytes
// under key would not fit in an item.
func checkSize(op, key string, n int) error {
	if size := sessionItemSize(key, n); size > maxItemSize {
		return fmt.Errorf("dynamostore: %s %q: %w: a %d-byte record makes a %d-byte item (refused before sending)",
			op, key, ErrTooLarge, n, size)
	}
	return nil
}

// keyOf is the primary key of the item under key.
func keyOf(key string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{attrID: &types.AttributeValueMemberS{Value: key}}
}

// number is a DynamoDB number attribute value.
func number(n string) *types.AttributeValueMemberN {
	return &types.AttributeValueMemberN{Value: n}
}

// binary is a DynamoDB binary attribute value holding data (not copied); a nil slice is sent as empty binary data.
func binary(data []byte) *types.AttributeValueMemberB {
	return &types.AttributeValueMemberB{Value: nonNil(data)}
}

// sessionItem is what a Store reads out of a session item.
type sessionItem struct {
	data    []byte
	expires time.Time
}

// parseSessionItem reads val and expiration out of an item that DynamoDB
// returned. A reason is returned for an item that cannot be a session
// record: val missing or not binary data, expiration missing, not a
// number, or out of range.
func parseSessionItem(item map[string]types.AttributeValue) (sessionItem, string) {
	var it sessionItem
	switch v := item[attrVal].(type) {
	case *types.AttributeValueMemberB:
		it.data = nonNil(v.Value)
	case nil:
		return it, "no val attribute"
	default:
		return it, fmt.Sprintf("val is %s, not binary (B)", typeName(v))
	}
	switch e := item[attrExpiration].(type) {
	case *types.AttributeValueMemberN:
		t, err := parseExpiration(e.Value)
		if err != nil {
			return it, fmt.Sprintf("expiration %.40q: %v", e.Value, err)
		}
		it.expires = t
	case nil:
		return it, "no expiration attribute"
	default:
		return it, fmt.Sprintf("expiration is %s, not a number (N)", typeName(e))
	}
	return it, ""
}

// typeName names the DynamoDB type of an attribute value, for log lines.
func typeName(v types.AttributeValue) string {
	switch v.(type) {
	case *types.AttributeValueMemberS:
		return "a string (S)"
	case *types.AttributeValueMemberN:
		return "a number (N)"
	case *types.AttributeValueMemberB:
		return "binary (B)"
	case *types.AttributeValueMemberBOOL:
		return "a boolean (BOOL)"
	case *types.AttributeValueMemberNULL:
		return "null (NULL)"
	case *types.AttributeValueMemberM:
		return "a map (M)"
	case *types.AttributeValueMemberL:
		return "a list (L)"
	case *types.AttributeValueMemberSS, *types.AttributeValueMemberNS, *types.AttributeValueMemberBS:
		return "a set"
	default:
		return fmt.Sprintf("%T", v)
	}
}

// nonNil returns b, which the SDK decoded into memory of its own for this
// call (so the caller may keep it), or an empty non-nil slice for an empty
// record.
func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}
