// Package redisopt holds what djin's Redis-backed stores check about the go-redis client
// they are given.
package redisopt

import (
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

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

// Check validates a store's client and per-call timeout and returns the timeout to use:
// def when timeout is 0. config names the configuration in the errors, such as
// "session: RedisStoreConfig". The client is required and must honour context deadlines
// (see DeadlinesIgnored); the timeout must not be negative.
func Check(config string, c redis.UniversalClient, timeout, def time.Duration) (time.Duration, error) {
	switch {
	case c == nil:
		return 0, fmt.Errorf("%s.Client: a Redis client is required", config)
	case timeout < 0:
		return 0, fmt.Errorf("%s.Timeout: must not be negative (got %v)", config, timeout)
	case timeout == 0:
		timeout = def
	}
	if DeadlinesIgnored(c) {
		return 0, errors.New(config + ".Client: its options leave ContextTimeoutEnabled off, so go-redis would ignore the store's " + timeout.String() + " Timeout and a stalled Redis would hold every request for the client's ReadTimeout; set ContextTimeoutEnabled: true in its redis.Options")
	}
	return timeout, nil
}
