package authx

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/djin-go/djin/internal/testenv"
	"github.com/redis/go-redis/v9"
)

func newRedisRevocationStore(t *testing.T, client redis.UniversalClient, prefix string) *RedisRevocationStore {
	t.Helper()
	s, err := NewRedisRevocationStore(RedisRevocationStoreConfig{Client: client, Prefix: prefix})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestRedisRevocationStore(t *testing.T) {
	client, prefix := testenv.Redis(t)
	s := newRedisRevocationStore(t, client, prefix)
	testRevocationStore(t, s)

	// Records carry a TTL, so Redis forgets them by itself.
	ctx := context.Background()
	fam, jti := jwtRandomID(), jwtRandomID()
	if err := s.UseRefresh(ctx, fam, jti, 90*time.Second); err != nil {
		t.Fatal(err)
	}
	if err := s.RevokeFamily(ctx, fam, 2*time.Hour); err != nil {
		t.Fatal(err)
	}
	for key, max := range map[string]time.Duration{s.usedKey(fam, jti): 90 * time.Second, s.familyKey(fam): 2 * time.Hour} {
		ttl, err := client.PTTL(ctx, key).Result()
		if err != nil || ttl <= 0 || ttl > max {
			t.Fatalf("PTTL %s = %v, %v; want 0 < ttl <= %v", key, ttl, err, max)
		}
		if !strings.HasPrefix(key, prefix+"{"+fam+"}:") {
			t.Fatalf("key %q is not under the prefix with the family's hash tag", key)
		}
	}
}

func TestRedisRevocationStoreConfig(t *testing.T) {
	if _, err := NewRedisRevocationStore(RedisRevocationStoreConfig{}); err == nil || !strings.Contains(err.Error(), "RedisRevocationStoreConfig.Client:") {
		t.Fatalf("no client: %v", err)
	}
	deaf := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"}) // ContextTimeoutEnabled off
	defer deaf.Close()
	if _, err := NewRedisRevocationStore(RedisRevocationStoreConfig{Client: deaf}); err == nil || !strings.Contains(err.Error(), "ContextTimeoutEnabled") {
		t.Fatalf("a client that ignores context deadlines: %v", err)
	}
	client := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", ContextTimeoutEnabled: true})
	defer client.Close()
	if _, err := NewRedisRevocationStore(RedisRevocationStoreConfig{Client: client, Prefix: "a{b}"}); err == nil || !strings.Contains(err.Error(), "RedisRevocationStoreConfig.Prefix:") {
		t.Fatalf("prefix with braces: %v", err)
	}
	if _, err := NewRedisRevocationStore(RedisRevocationStoreConfig{Client: client, Timeout: -1}); err == nil || !strings.Contains(err.Error(), "RedisRevocationStoreConfig.Timeout:") {
		t.Fatalf("negative timeout: %v", err)
	}
	s, err := NewRedisRevocationStore(RedisRevocationStoreConfig{Client: client, Timeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	// Ids that are not the JWT's own never reach a key name.
	if err := s.UseRefresh(context.Background(), "a}b", jwtRandomID(), time.Hour); err == nil {
		t.Fatal("a malformed family id was accepted")
	}
	// Redis down: an error, never a silent "not revoked".
	if revoked, err := s.FamilyRevoked(context.Background(), jwtRandomID()); err == nil || revoked {
		t.Fatalf("unreachable Redis: %v, %v", revoked, err)
	}
}

// TestJWTInstancesShareRedis: two instances (two JWT values, two Redis clients, the same
// prefix, keys and user database) behave as one: a token issued by one verifies on the
// other, a refresh token spent on one cannot be spent again on the other, and a family
// revoked on one is revoked on the other.
func TestJWTInstancesShareRedis(t *testing.T) {
	clientA, prefix := testenv.Redis(t)
	clientB := testenv.OtherRedisClient(t)

	a := newJWTFixture(t, func(c *JWTConfig) { c.Revocations = newRedisRevocationStore(t, clientA, prefix) })
	cfgB := a.cfg
	cfgB.Revocations = newRedisRevocationStore(t, clientB, prefix)
	b, err := NewJWT(cfgB)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()

	pair := a.issue(t, a.alice)
	if u, err := b.AuthenticateToken(ctx, pair.Access); err != nil || u.ID != a.alice.ID {
		t.Fatalf("instance B refuses instance A's token: %v", err)
	}
	next, err := b.Refresh(ctx, pair.Refresh)
	if err != nil {
		t.Fatalf("instance B cannot refresh instance A's token: %v", err)
	}
	// The spent token replayed on A: reuse is seen across instances, and the family dies
	// on both.
	if _, err := a.j.Refresh(ctx, pair.Refresh); !errors.Is(err, ErrRefreshTokenReused) {
		t.Fatalf("reuse on the other instance: %v", err)
	}
	for name, j := range map[string]*JWT{"A": a.j, "B": b} {
		if _, err := j.AuthenticateToken(ctx, next.Access); !errors.Is(err, ErrTokenFamilyRevoked) {
			t.Errorf("instance %s accepts a token of the revoked family: %v", name, err)
		}
	}

	// Logout on A is seen by B.
	other := a.issue(t, a.bob)
	if _, err := b.AuthenticateToken(ctx, other.Access); err != nil {
		t.Fatal(err)
	}
	if err := a.j.Revoke(ctx, other.Refresh); err != nil {
		t.Fatal(err)
	}
	if _, err := b.AuthenticateToken(ctx, other.Access); !errors.Is(err, ErrTokenFamilyRevoked) {
		t.Fatalf("instance B accepts a token logged out on A: %v", err)
	}
	if _, err := b.Refresh(ctx, other.Refresh); !errors.Is(err, ErrTokenFamilyRevoked) {
		t.Fatalf("instance B refreshes a token logged out on A: %v", err)
	}
}

// TestRedisRevocationStoreTimesOutAStalledServer: a Redis that never answers costs a token
// check the store's Timeout, not the client's one-minute ReadTimeout, and the check fails
// (the token is refused), never "not revoked".
func TestRedisRevocationStoreTimesOutAStalledServer(t *testing.T) {
	s, err := NewRedisRevocationStore(RedisRevocationStoreConfig{Client: testenv.StalledRedis(t), Timeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	type answer struct {
		revoked bool
		err     error
	}
	a := testenv.Finishes(t, 20*time.Second, "a revocation check on a stalled Redis", func() answer {
		revoked, err := s.FamilyRevoked(context.Background(), jwtRandomID())
		return answer{revoked, err}
	})
	if a.err == nil || a.revoked {
		t.Fatalf("a stalled Redis: revoked %v, err %v; want an error", a.revoked, a.err)
	}
}
