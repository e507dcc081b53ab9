package authx

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/djin-go/djin/internal/redisopt"
	"github.com/redis/go-redis/v9"
)

// DefaultJWTRedisPrefix starts every key a RedisRevocationStore writes.
const DefaultJWTRedisPrefix = "djin:jwt:"

// DefaultJWTRedisTimeout bounds one RedisRevocationStore call when the config leaves
// Timeout zero.
const DefaultJWTRedisTimeout = time.Second

// RedisRevocationStoreConfig configures a RedisRevocationStore. Client is required.
type RedisRevocationStoreConfig struct {
	// Client is a go-redis v9 client: *redis.Client, *redis.ClusterClient or *redis.Ring,
	// with ContextTimeoutEnabled set in its options (without it go-redis does not apply
	// Timeout to reads and writes, and the constructor refuses the client). Required.
	Client redis.UniversalClient
	// Prefix starts every key; "" means DefaultJWTRedisPrefix. Instances that share tokens
	// must share the prefix; applications sharing a database need different ones. It may
	// not contain "{" or "}": the store adds a hash tag per family so that Redis Cluster
	// keeps a family's keys in one slot.
	Prefix string
	// Timeout bounds each call, round trip included; 0 means DefaultJWTRedisTimeout.
	Timeout time.Duration
}

// RedisRevocationStore is a RevocationStore in Redis, shared by every instance. Spending a
// refresh token is one Lua script (EVALSHA), so two instances presented the same token at
// the same moment cannot both spend it. When Redis cannot be reached, calls fail and
// tokens are refused (503), never accepted unchecked.
//
// Keys: Prefix + "{" + family + "}:revoked" and Prefix + "{" + family + "}:used:" + jti,
// each with a TTL, so Redis forgets them by itself.
type RedisRevocationStore struct {
	client  redis.UniversalClient
	prefix  string
	timeout time.Duration
}

var _ RevocationStore = (*RedisRevocationStore)(nil)

// jwtUseRefreshScript spends a refresh token. KEYS[1] is the family's revocation key,
// KEYS[2] the token's used key, ARGV[1] the TTL in milliseconds. It returns 0 when the
// token is spent now, 1 when it was spent before (and revokes the family), 2 when the
// family is revoked.
var jwtUseRefreshScript = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 1 then
	return 2
end
if redis.call('SET', KEYS[2], '1', 'NX', 'PX', ARGV[1]) then
	return 0
end
redis.call('SET', KEYS[1], '1', 'PX', ARGV[1])
return 1
`)

// NewRedisRevocationStore validates cfg and returns the store. It does no I/O.
func NewRedisRevocationStore(cfg RedisRevocationStoreConfig) (*RedisRevocationStore, error) {
	if cfg.Client == nil {
		return nil, errors.New("authx: RedisRevocationStoreConfig.Client: a Redis client is required")
	}
	prefix := orDefault(cfg.Prefix, DefaultJWTRedisPrefix)
	if strings.ContainsAny(prefix, "{}") {
		return nil, fmt.Errorf("authx: RedisRevocationStoreConfig.Prefix: may not contain { or } (got %q)", cfg.Prefix)
	}
	if cfg.Timeout < 0 {
		return nil, fmt.Errorf("authx: RedisRevocationStoreConfig.Timeout: cannot be negative (got %v)", cfg.Timeout)
	}
	if redisopt.DeadlinesIgnored(cfg.Client) {
		return nil, errors.New("authx: RedisRevocationStoreConfig.Client: its options leave ContextTimeoutEnabled off, so go-redis would ignore the store's Timeout and a stalled Redis would hold every token check for the client's ReadTimeout; set ContextTimeoutEnabled: true in its redis.Options")
	}
	return &RedisRevocationStore{client: cfg.Client, prefix: prefix, timeout: orDefault(cfg.Timeout, DefaultJWTRedisTimeout)}, nil
}

func (s *RedisRevocationStore) familyKey(family string) string {
	return s.prefix + "{" + family + "}:revoked"
}

func (s *RedisRevocationStore) usedKey(family, jti string) string {
	return s.prefix + "{" + family + "}:used:" + jti
}

// jwtCheckStoreIDs lets only ids of the JWT's own format into key names.
func jwtCheckStoreIDs(ids ...string) error {
	for _, id := range ids {
		if !jwtValidID(id) {
			return fmt.Errorf("authx: revocation store: malformed id %q", id)
		}
	}
	return nil
}

// jwtTTLMillis converts a TTL for PX, at least one millisecond.
func jwtTTLMillis(ttl time.Duration) int64 { return max(ttl.Milliseconds(), 1) }

// UseRefresh implements RevocationStore.
func (s *RedisRevocationStore) UseRefresh(ctx context.Context, family, jti string, ttl time.Duration) error {
	if err := jwtCheckStoreIDs(family, jti); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	n, err := jwtUseRefreshScript.Run(ctx, s.client, []string{s.familyKey(family), s.usedKey(family, jti)}, jwtTTLMillis(ttl)).Int64()
	if err != nil {
		return fmt.Errorf("authx: redis revocation store: %w", err)
	}
	switch n {
	case 0:
		return nil
	case 1:
		return ErrRefreshTokenReused
	case 2:
		return ErrTokenFamilyRevoked
	}
	return fmt.Errorf("authx: redis revocation store: unexpected script result %d", n)
}

// RevokeFamily implements RevocationStore.
func (s *RedisRevocationStore) RevokeFamily(ctx context.Context, family string, ttl time.Duration) error {
	if err := jwtCheckStoreIDs(family); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	if err := s.client.Set(ctx, s.familyKey(family), "1", time.Duration(jwtTTLMillis(ttl))*time.Millisecond).Err(); err != nil {
		return fmt.Errorf("authx: redis revocation store: %w", err)
	}
	return nil
}

// FamilyRevoked implements RevocationStore.
func (s *RedisRevocationStore) FamilyRevoked(ctx context.Context, family string) (bool, error) {
	if err := jwtCheckStoreIDs(family); err != nil {
		return false, err
	}
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	n, err := s.client.Exists(ctx, s.familyKey(family)).Result()
	if err != nil {
		return false, fmt.Errorf("authx: redis revocation store: %w", err)
	}
	return n == 1, nil
}
