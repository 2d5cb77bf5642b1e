package dynamostore

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/serversession/serversession/sessions"
)

// flaskRecords are the records of the Flask-Session fixtures, by codec, and
// the items of this package's testdata that hold them.
var flaskRecords = []struct {
	codec, record, flaskItem, goItem string
}{
	{"msgpack", "record.msgpack", "flask_item_msgpack.json", "go_item_msgpack.json"},
	{"json", "record.json", "flask_item_json.json", "go_item_json.json"},
}

// readItem reads an item in DynamoDB's JSON (S, N and B attributes only).
func readItem(t *testing.T, name string) map[string]types.AttributeValue {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]map[string]string
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	item := map[string]types.AttributeValue{}
	for attr, v := range doc {
		switch {
		case v["S"] != "":
			item[attr] = &types.AttributeValueMemberS{Value: v["S"]}
		case v["N"] != "":
			item[attr] = &types.AttributeValueMemberN{Value: v["N"]}
		case v["B"] != "":
			b, err := base64.StdEncoding.DecodeString(v["B"])
			if err != nil {
				t.Fatalf("%s: %s: %v", name, attr, err)
			}
			item[attr] = &types.AttributeValueMemberB{Value: b}
		default:
			t.Fatalf("%s: %s: unsupported type %v", name, attr, v)
		}
	}
	return item
}

// itemJSON writes an item in DynamoDB's JSON, as readItem reads it, with
// expiration replaced by mask.
func itemJSON(t *testing.T, item map[string]types.AttributeValue, mask string) []byte {
	t.Helper()
	doc := map[string]map[string]string{}
	for attr, v := range item {
		switch v := v.(type) {
		case *types.AttributeValueMemberS:
			doc[attr] = map[string]string{"S": v.Value}
		case *types.AttributeValueMemberN:
			doc[attr] = map[string]string{"N": v.Value}
			if attr == attrExpiration {
				doc[attr]["N"] = mask
			}
		case *types.AttributeValueMemberB:
			doc[attr] = map[string]string{"B": base64.StdEncoding.EncodeToString(v.Value)}
		default:
			doc[attr] = map[string]string{"?": typeName(v)}
		}
	}
	out, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return append(out, '\n')
}

func fixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "flask", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestFlaskItemsLoad writes the items Flask-Session 0.8 writes (a Decimal
// expiration with 22 digits after the point), live and expired, and checks
// that the store reads, refreshes, replaces and deletes them, and that an
// expired one is not found and is written over by Create.
func TestFlaskItemsLoad(t *testing.T) {
	s := newTestStore(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, c := range flaskRecords {
		t.Run(c.codec, func(t *testing.T) {
			item := readItem(t, c.flaskItem)
			key := item[attrID].(*types.AttributeValueMemberS).Value
			record := fixture(t, c.record)
			if got := item[attrVal].(*types.AttributeValueMemberB).Value; !bytes.Equal(got, record) {
				t.Fatalf("%s: val = %x; want the fixture %s", c.flaskItem, got, c.record)
			}
			exp := item[attrExpiration].(*types.AttributeValueMemberN).Value
			parsed, err := parseExpiration(exp)
			if err != nil || !parsed.Equal(time.Unix(1799237050, 966393947)) {
				t.Fatalf("parseExpiration(%q) = %v, %v; want 1799237050.966393947", exp, parsed, err)
			}
			// The same shape of number, with a current integer part.
			_, frac, _ := strings.Cut(exp, ".")
			at := func(d time.Duration) *types.AttributeValueMemberN {
				return number(strconv.FormatInt(time.Now().Add(d).Unix(), 10) + "." + frac)
			}
			item[attrExpiration] = at(time.Hour)
			putRaw(t, s, item)
			expiredKey := key + "-expired"
			putRaw(t, s, map[string]types.AttributeValue{
				attrID: &types.AttributeValueMemberS{Value: expiredKey}, attrVal: item[attrVal], attrExpiration: at(-time.Minute),
			})

			rec, found, err := s.Load(ctx, key)
			if err != nil || !found || !bytes.Equal(rec.Data, record) {
				t.Fatalf("Load(Flask's item) = (%x, %v, %v); want (%x, true, nil)", rec.Data, found, err, record)
			}
			if rec, found, err := s.Load(ctx, expiredKey); err != nil || found || rec.Data != nil {
				t.Fatalf("Load(Flask's expired item) = (%x, %v, %v); want (nil, false, nil)", rec.Data, found, err)
			}
			rec, found, err = s.LoadTouch(ctx, key, 2*time.Hour)
			if err != nil || !found || !bytes.Equal(rec.Data, record) {
				t.Fatalf("LoadTouch(Flask's item) = (%x, %v, %v); want (%x, true, nil)", rec.Data, found, err, record)
			}
			if err := s.Replace(ctx, key, rec, []byte("from Go"), time.Hour); err != nil {
				t.Fatalf("Replace over Flask's item: %v", err)
			}
			if err := s.Create(ctx, expiredKey, []byte("new"), time.Hour); err != nil {
				t.Fatalf("Create over Flask's expired item: %v", err)
			}
			if err := s.DeleteIf(ctx, key, sessions.Record{Data: []byte("from Go")}); err != nil {
				t.Fatalf("DeleteIf(%q): %v", key, err)
			}
			if rawItem(t, s, key) != nil {
				t.Fatalf("the item of %q is still there after DeleteIf", key)
			}
		})
	}
}

// TestGoItemsForFlask checks that the items the store writes are what
// Flask-Session 0.8 reads: the three attributes of its own items, of the
// same types (the golden go_item_*.json), with expiration a Unix time in
// seconds that Python's Decimal reads, ttl from now.
func TestGoItemsForFlask(t *testing.T) {
	s := newTestStore(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	// The store writes milliseconds ("….330"); DynamoDB, like dynalite,
	// keeps numbers without their trailing zeros ("….33").
	decimal := regexp.MustCompile(`^[0-9]+(\.[0-9]{1,3})?$`)
	for _, c := range flaskRecords {
		t.Run(c.codec, func(t *testing.T) {
			golden := readItem(t, c.flaskItem)
			key := golden[attrID].(*types.AttributeValueMemberS).Value
			record := fixture(t, c.record)
			start := time.Now()
			for _, op := range []string{"Create", "Replace", "LoadTouch"} {
				switch op {
				case "Create":
					if err := s.Create(ctx, key, record, time.Hour); err != nil {
						t.Fatal(err)
					}
				case "Replace":
					if err := s.Replace(ctx, key, sessions.Record{Data: record}, record, time.Hour); err != nil {
						t.Fatal(err)
					}
				case "LoadTouch":
					if _, found, err := s.LoadTouch(ctx, key, time.Hour); err != nil || !found {
						t.Fatalf("LoadTouch: %v, %v", found, err)
					}
				}
				item := rawItem(t, s, key)
				want, err := os.ReadFile(filepath.Join("testdata", c.goItem))
				if err != nil {
					t.Fatal(err)
				}
				if got := itemJSON(t, item, "<unix seconds, 3 decimals>"); !jsonEqual(t, got, want) {
					t.Errorf("after %s, the item is\n%s\nwant (testdata/%s)\n%s", op, got, c.goItem, want)
				}
				n, _ := item[attrExpiration].(*types.AttributeValueMemberN)
				if n == nil || !decimal.MatchString(n.Value) {
					t.Fatalf("after %s, expiration = %v; want a decimal number of seconds", op, item[attrExpiration])
				}
				secs, err := strconv.ParseFloat(n.Value, 64)
				if lo, hi := float64(start.Add(time.Hour).Unix()), float64(time.Now().Add(time.Hour).Unix()+1); err != nil || secs < lo || secs > hi {
					t.Errorf("after %s, expiration = %s; want a true Unix time an hour from now, in [%.0f, %.0f]", op, n.Value, lo, hi)
				}
			}
		})
	}
}

func jsonEqual(t *testing.T, a, b []byte) bool {
	t.Helper()
	var x, y any
	if err := json.Unmarshal(a, &x); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &y); err != nil {
		t.Fatal(err)
	}
	xs, _ := json.Marshal(x)
	ys, _ := json.Marshal(y)
	return bytes.Equal(xs, ys)
}
