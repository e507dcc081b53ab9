package redisopt

import (
	"testing"

	"github.com/redis/go-redis/v9"
)

// TestDeadlinesIgnored: every go-redis client type is judged by its ContextTimeoutEnabled
// option.
func TestDeadlinesIgnored(t *testing.T) {
	for _, enabled := range []bool{false, true} {
		clients := []redis.UniversalClient{
			redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", ContextTimeoutEnabled: enabled}),
			redis.NewClusterClient(&redis.ClusterOptions{Addrs: []string{"127.0.0.1:1"}, ContextTimeoutEnabled: enabled}),
			redis.NewRing(&redis.RingOptions{Addrs: map[string]string{"a": "127.0.0.1:1"}, ContextTimeoutEnabled: enabled}),
		}
		for _, c := range clients {
			if got := DeadlinesIgnored(c); got != !enabled {
				t.Errorf("%T with ContextTimeoutEnabled %v: DeadlinesIgnored = %v", c, enabled, got)
			}
			c.Close()
		}
	}
}
