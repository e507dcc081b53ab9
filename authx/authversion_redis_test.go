package authx

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/djin-go/djin/internal/testenv"
	"github.com/redis/go-redis/v9"
)

func TestRedisAuthVersionStore(t *testing.T) {
	client, prefix := testenv.Redis(t)
	store, err := NewRedisAuthVersionStore(RedisAuthVersionStoreConfig{Client: client, Prefix: prefix})
	if err != nil {
		t.Fatal(err)
	}
	runAuthVersionConformance(t, store, func() AuthVersionStore {
		other := testenv.OtherRedisClient(t) // a client of its own, as another instance has
		s, err := NewRedisAuthVersionStore(RedisAuthVersionStoreConfig{Client: other, Prefix: prefix})
		if err != nil {
			t.Fatal(err)
		}
		return s
	})

	// A value that is not a version is an error, never version 0.
	for _, bad := range []string{"abc", "-1", "1.5", ""} {
		if err := client.Set(t.Context(), prefix+"77", bad, 0).Err(); err != nil {
			t.Fatal(err)
		}
		if v, err := store.AuthVersion(t.Context(), 77); err == nil {
			t.Errorf("stored %q read as %d", bad, v)
		}
	}
	// Keys do not expire.
	if _, err := store.BumpAuthVersion(t.Context(), 78); err != nil {
		t.Fatal(err)
	}
	if ttl := client.TTL(t.Context(), prefix+"78").Val(); ttl != -1 {
		t.Fatalf("TTL = %v, want none", ttl)
	}
}

func TestRedisAuthVersionStoreConfig(t *testing.T) {
	if _, err := NewRedisAuthVersionStore(RedisAuthVersionStoreConfig{}); err == nil {
		t.Fatal("accepted no client")
	}
	if _, err := NewRedisAuthVersionStore(RedisAuthVersionStoreConfig{Client: redis.NewClient(&redis.Options{})}); err == nil || !strings.Contains(err.Error(), "ContextTimeoutEnabled") {
		t.Fatalf("a client that ignores context deadlines: %v", err)
	}
	s, err := NewRedisAuthVersionStore(RedisAuthVersionStoreConfig{Client: redis.NewClient(&redis.Options{ContextTimeoutEnabled: true})})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(s.key(5), DefaultAuthVersionPrefix) {
		t.Fatalf("key = %q", s.key(5))
	}
}

// TestRedisAuthVersionStoreTimesOutAStalledServer: a Redis that never answers costs a
// version check the store's Timeout, not the client's one-minute ReadTimeout, and the
// check fails: the session or token is refused, never taken as version 0.
func TestRedisAuthVersionStoreTimesOutAStalledServer(t *testing.T) {
	s, err := NewRedisAuthVersionStore(RedisAuthVersionStoreConfig{Client: testenv.StalledRedis(t), Timeout: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	err = testenv.Finishes(t, 20*time.Second, "a version check on a stalled Redis", func() error {
		_, err := s.AuthVersion(context.Background(), 7)
		return err
	})
	if err == nil {
		t.Fatal("a stalled Redis answered a version")
	}
}

// Two instances sharing Redis: a bump on one logs the user out of sessions served by the
// other.
func TestLogoutEverywhereAcrossInstancesWithRedis(t *testing.T) {
	client, prefix := testenv.Redis(t)
	mk := func() AuthVersionStore {
		s, err := NewRedisAuthVersionStore(RedisAuthVersionStoreConfig{Client: client, Prefix: prefix})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	f := newFixture(t, fixtureConfig{auth: AuthConfig{AuthVersions: mk()}})
	second := f.server(fixtureConfig{auth: AuthConfig{AuthVersions: mk()}})
	c := f.client()
	c.use(second)
	c.mustLogin()
	if _, err := f.auth.LogoutEverywhere(t.Context(), f.user.ID); err != nil {
		t.Fatal(err)
	}
	if w := c.whoami(); w.User != "" {
		t.Fatalf("still logged in on the other instance: %+v", w)
	}
}
