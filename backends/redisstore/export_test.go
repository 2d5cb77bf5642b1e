package redisstore

import "github.com/redis/go-redis/v9"

// UserKeyOf returns the key of user's index in s.
func UserKeyOf(s *Store, user string) string { return s.userKey(user) }

// ClientOf returns the client s sends its commands through.
func ClientOf(s *Store) redis.UniversalClient { return s.client }

// IndexScripts are the texts of the user index's scripts, for tests that
// load them ahead so that the round trips they count hold no NOSCRIPT
// fallback.
var IndexScripts = []string{tieSource, untieSource, pruneSource, listSource}
