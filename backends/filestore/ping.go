package filestore

import (
	"context"
	"fmt"
	"os"

	"github.com/serversession/serversession/sessions"
)

var _ sessions.Pinger = (*Store)(nil)

// Ping reports whether the store's directory is still there and is a
// directory, with one stat.
func (s *Store) Ping(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("filestore: ping: %w", err)
	}
	fi, err := os.Stat(s.dir)
	if err != nil {
		return fmt.Errorf("filestore: ping: %w", err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("filestore: ping: %s is not a directory", s.dir)
	}
	return nil
}
