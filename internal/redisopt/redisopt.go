// Package redisopt holds what djin's Redis-backed stores check about the go-redis client
// they are given.
package redisopt

import "github.com/redis/go-redis/v9"

// DeadlinesIgnored reports whether c is a go-redis client that ignores context deadlines
// on its socket reads and writes: its options leave ContextTimeoutEnabled false, the
// go-redis default. A store's per-call context.WithTimeout then cannot cut a stalled
// server short, and each call waits out the client's ReadTimeout (3 s by default) instead.
// Clients of other types are taken to honour deadlines.
func DeadlinesIgnored(c redis.UniversalClient) bool {
	switch c := c.(type) {
	case *redis.Client:
		return !c.Options().ContextTimeoutEnabled
	case *redis.ClusterClient:
		return !c.Options().ContextTimeoutEnabled
	case *redis.Ring:
		return !c.Options().ContextTimeoutEnabled
	}
	return false
}
