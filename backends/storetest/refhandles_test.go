package storetest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strings"

	"github.com/serversession/serversession/sessions"
)

// refHandleIndex is the reference store with an index that keeps no key
// in the clear, as filestore's: UserRecords gives each key's handle, which
// Delete and Untie take in the key's place (see sessions.KeyHandler). On
// its own it lacks KeyHandle, as the fault handles-no-keyhandler wants;
// refHandles adds it. The faults starting with "handles" break it:
//
//	handles-no-keyhandler    no KeyHandle
//	handles-delete-key-only  Delete takes keys only
//	handles-untie-key-only   Untie takes keys only
//	handles-end-like-ids     a handle ends with a session ID's character
//	handles-hold-the-key     a handle holds its key
type refHandleIndex struct{ *refStore }

// refHandles is refHandleIndex with KeyHandle.
type refHandles struct{ refHandleIndex }

func (s refHandles) KeyHandle(key string) string { return s.handle(key) }

// newRef returns the reference store with fault, giving handles when the
// fault starts with "handles".
func newRef(fault string) sessions.Store {
	s := newRefStore(fault)
	switch {
	case fault == "handles-no-keyhandler":
		return refHandleIndex{s}
	case strings.HasPrefix(fault, "handles"):
		return refHandles{refHandleIndex{s}}
	}
	return s
}

// handle returns key's handle.
func (s refHandleIndex) handle(key string) string {
	sum := sha256.Sum256([]byte(key))
	h := hex.EncodeToString(sum[:])
	switch s.fault {
	case "handles-end-like-ids":
		return "ref:" + h
	case "handles-hold-the-key":
		return "ref:" + key + "\x00"
	}
	return "\x00ref:" + h + "\x00"
}

// resolve returns the key whose handle k is, among the records and the
// index entries, or k itself.
func (s refHandleIndex) resolve(k string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	for key := range s.records {
		if s.handle(key) == k {
			return key
		}
	}
	for _, ties := range s.index {
		for key := range ties {
			if s.handle(key) == k {
				return key
			}
		}
	}
	return k
}

func (s refHandleIndex) Delete(ctx context.Context, key string) error {
	if s.fault != "handles-delete-key-only" {
		key = s.resolve(key)
	}
	return s.refStore.Delete(ctx, key)
}

func (s refHandleIndex) Untie(ctx context.Context, user, key string) error {
	if s.fault != "handles-untie-key-only" {
		key = s.resolve(key)
	}
	return s.refStore.Untie(ctx, user, key)
}

func (s refHandleIndex) UserRecords(ctx context.Context, user string) ([]sessions.UserRecord, error) {
	recs, err := s.refStore.UserRecords(ctx, user)
	for i := range recs {
		recs[i].Key = s.handle(recs[i].Key)
	}
	return recs, err
}

// unwrapRef returns the reference store inside s, a store newRef returned.
func unwrapRef(s sessions.Store) (*refStore, bool) {
	switch s := s.(type) {
	case *refStore:
		return s, true
	case refHandleIndex:
		return s.refStore, true
	case refHandles:
		return s.refStore, true
	}
	return nil, false
}
