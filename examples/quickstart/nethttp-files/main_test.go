package main

import (
	"testing"

	"github.com/serversession/serversession/backends/filestore"
	"github.com/serversession/serversession/examples/quickstart"
	"github.com/serversession/serversession/sessions"
)

func TestQuickstart(t *testing.T) {
	store, err := filestore.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	quickstart.Flow(t, newHandler(sessions.Config{Store: store, SecretKey: []byte("quickstart-test-key-32-bytes-ok!")}))
}
