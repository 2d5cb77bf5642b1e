package filestore

// Close stops the background sweep started by WithCleanupInterval and waits
// for it to return; without that option it does nothing. The Store stays
// usable. Close is safe to call more than once and always returns nil.
// A Store made with WithCleanupInterval must be closed, or its goroutine
// runs until the process exits.
func (s *Store) Close() error {
	if s.sweeper != nil {
		s.sweeper.Stop()
	}
	return nil
}
