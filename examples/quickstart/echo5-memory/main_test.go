package main

import (
	"testing"

	"github.com/serversession/serversession/backends/memstore"
	"github.com/serversession/serversession/examples/quickstart"
	"github.com/serversession/serversession/sessions"
)

func TestQuickstart(t *testing.T) {
	store := memstore.New()
	defer store.Close()
	quickstart.Flow(t, newApp(sessions.Config{Store: store, SecretKey: []byte("quickstart-test-key-32-bytes-ok!")}))
}
