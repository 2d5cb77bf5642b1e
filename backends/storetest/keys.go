package storetest

import (
	"crypto/rand"
	"encoding/hex"
)

// keyspace hands out the keys and user IDs of one subtest. Every key and
// user ID starts with "storetest:", random hex and the subtest's name, so
// that runs never collide with each other or with anything else on a shared
// server, and a leftover key or index says where it came from.
type keyspace struct {
	prefix string
}

// newKeyspace returns a fresh key space for the subtest called name.
func newKeyspace(name string) keyspace {
	b := make([]byte, 8)
	_, _ = rand.Read(b) // crypto/rand.Read never returns an error (Go 1.24+).
	return keyspace{prefix: "storetest:" + hex.EncodeToString(b) + ":" + name + ":"}
}

// key returns the key called name in this key space.
func (k keyspace) key(name string) string { return k.prefix + name }

// user returns the user ID called name in this key space.
func (k keyspace) user(name string) string { return k.prefix + "user:" + name }
