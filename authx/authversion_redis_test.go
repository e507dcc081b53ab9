package authx

import (
	"strings"
	"testing"

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
	s, err := NewRedisAuthVersionStore(RedisAuthVersionStoreConfig{Client: redis.NewClient(&redis.Options{})})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(s.key(5), DefaultAuthVersionPrefix) {
		t.Fatalf("key = %q", s.key(5))
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
