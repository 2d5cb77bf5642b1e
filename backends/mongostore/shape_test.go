package mongostore

import (
	"bytes"
	"context"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// TestDocumentShape reads back what Create wrote with the driver alone and
// checks Flask-Session's shape: {_id, id: string, val: binary subtype 0,
// expiration: date}, and nothing else.
func TestDocumentShape(t *testing.T) {
	s := newTestStore(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	key := "session:abc-DEF_123"
	data := []byte{0x81, 0xa1, 'k', 0x00, 0xff}
	before := time.Now()
	if err := s.Create(ctx, key, data, time.Hour); err != nil {
		t.Fatalf("Create: %v", err)
	}
	after := time.Now()

	raw, err := s.coll.FindOne(ctx, bson.D{{Key: "id", Value: key}}).Raw()
	if err != nil {
		t.Fatalf("FindOne: %v", err)
	}
	elems, err := raw.Elements()
	if err != nil {
		t.Fatalf("Elements: %v", err)
	}
	got := map[string]bson.RawValue{}
	for _, e := range elems {
		got[e.Key()] = e.Value()
	}
	if len(got) != 4 {
		t.Errorf("document has fields %v; want exactly _id, id, val, expiration", keys(got))
	}
	if _, ok := got["_id"]; !ok {
		t.Error("document has no _id")
	}
	if v := got["id"]; v.Type != bson.TypeString || v.StringValue() != key {
		t.Errorf("id = %v (%v); want string %q", v, v.Type, key)
	}
	if v := got["val"]; v.Type != bson.TypeBinary {
		t.Errorf("val has type %v; want binary", v.Type)
	} else if sub, b := v.Binary(); sub != bson.TypeBinaryGeneric || !bytes.Equal(b, data) {
		t.Errorf("val = subtype %#x %x; want subtype 0x00 %x", sub, b, data)
	}
	if v := got["expiration"]; v.Type != bson.TypeDateTime {
		t.Errorf("expiration has type %v; want a BSON date", v.Type)
	} else {
		exp := v.Time()
		lo, hi := before.Add(time.Hour).Truncate(time.Millisecond), after.Add(time.Hour+time.Millisecond)
		if exp.Before(lo) || exp.After(hi) {
			t.Errorf("expiration = %v; want between %v and %v", exp, lo, hi)
		}
	}

	// LoadTouch changes expiration alone; val and _id stay as they were.
	if _, found, err := s.LoadTouch(ctx, key, 2*time.Hour); err != nil || !found {
		t.Fatalf("LoadTouch = (found %v, err %v); want the record", found, err)
	}
	raw2, err := s.coll.FindOne(ctx, bson.D{{Key: "id", Value: key}}).Raw()
	if err != nil {
		t.Fatalf("FindOne after LoadTouch: %v", err)
	}
	if !raw2.Lookup("_id").Equal(got["_id"]) || !raw2.Lookup("val").Equal(got["val"]) {
		t.Errorf("LoadTouch changed _id or val: before %v, after %v", raw, raw2)
	}
	if !raw2.Lookup("expiration").Time().After(got["expiration"].Time()) {
		t.Errorf("LoadTouch did not move expiration forward: before %v, after %v", got["expiration"], raw2.Lookup("expiration"))
	}
}

func keys(m map[string]bson.RawValue) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	return ks
}
