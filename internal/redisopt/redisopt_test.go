package redisopt

import (
	"strings"
	"testing"
	"time"

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

// TestCheck: a missing client, a negative timeout and a client that ignores deadlines are
// refused with the configuration's name; 0 takes the default.
func TestCheck(t *testing.T) {
	good := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", ContextTimeoutEnabled: true})
	defer good.Close()
	deaf := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"})
	defer deaf.Close()
	if d, err := Check("x: Config", good, 0, time.Second); err != nil || d != time.Second {
		t.Fatalf("defaults: %v %v", d, err)
	}
	if d, err := Check("x: Config", good, 5*time.Millisecond, time.Second); err != nil || d != 5*time.Millisecond {
		t.Fatalf("a timeout: %v %v", d, err)
	}
	for _, tc := range []struct {
		c       redis.UniversalClient
		timeout time.Duration
		mention string
	}{
		{nil, 0, "x: Config.Client"},
		{good, -1, "x: Config.Timeout"},
		{deaf, 0, "ContextTimeoutEnabled"},
	} {
		if _, err := Check("x: Config", tc.c, tc.timeout, time.Second); err == nil || !strings.Contains(err.Error(), tc.mention) {
			t.Errorf("%+v: %v, want an error mentioning %s", tc, err, tc.mention)
		}
	}
}
