package authx

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/djin-go/djin/internal/redisopt"
	"github.com/redis/go-redis/v9"
)

// DefaultAuthVersionPrefix starts the keys of a RedisAuthVersionStore whose config names no
// prefix.
const DefaultAuthVersionPrefix = "djin:authversion:"

// DefaultAuthVersionRedisTimeout bounds one RedisAuthVersionStore call when the config
// leaves Timeout zero.
const DefaultAuthVersionRedisTimeout = time.Second

// RedisAuthVersionStoreConfig configures a RedisAuthVersionStore.
type RedisAuthVersionStoreConfig struct {
	// Client is the Redis connection (a *redis.Client, *redis.ClusterClient or
	// *redis.Ring), with ContextTimeoutEnabled set in its options, without which go-redis
	// would not apply Timeout to reads and writes (the constructor refuses such a client).
	// Required.
	Client redis.UniversalClient
	// Prefix starts every key; "" means DefaultAuthVersionPrefix.
	Prefix string
	// Timeout bounds each call, round trip included; 0 means
	// DefaultAuthVersionRedisTimeout. A Redis that stops answering costs a request this
	// long, then the session or token is refused, never accepted unchecked.
	Timeout time.Duration
}

// RedisAuthVersionStore keeps auth versions in Redis, one integer key per bumped user
// (prefix + user id), without expiry: a version that expired would revive the sessions its
// bump ended. Configure Redis without eviction of these keys (a noeviction or volatile-*
// maxmemory policy), for the same reason. Safe for concurrent use by any number of
// instances: a bump is one INCR.
type RedisAuthVersionStore struct {
	client  redis.UniversalClient
	prefix  string
	timeout time.Duration
}

var _ AuthVersionStore = (*RedisAuthVersionStore)(nil)

// NewRedisAuthVersionStore validates cfg and returns the store. It does no I/O.
func NewRedisAuthVersionStore(cfg RedisAuthVersionStoreConfig) (*RedisAuthVersionStore, error) {
	timeout, err := redisopt.Check("authx: RedisAuthVersionStoreConfig", cfg.Client, cfg.Timeout, DefaultAuthVersionRedisTimeout)
	if err != nil {
		return nil, err
	}
	return &RedisAuthVersionStore{client: cfg.Client, prefix: orDefault(cfg.Prefix, DefaultAuthVersionPrefix), timeout: timeout}, nil
}

func (s *RedisAuthVersionStore) key(userID int64) string {
	return s.prefix + strconv.FormatInt(userID, 10)
}

// AuthVersion returns the user's version, 0 for a user never bumped. A value that is not a
// non-negative integer is an error, never read as 0.
func (s *RedisAuthVersionStore) AuthVersion(ctx context.Context, userID int64) (int64, error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	raw, err := s.client.Get(ctx, s.key(userID)).Result()
	switch {
	case errors.Is(err, redis.Nil):
		return 0, nil
	case err != nil:
		return 0, fmt.Errorf("authx: auth version of user %d: %w", userID, err)
	}
	v, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || v < 0 {
		return 0, fmt.Errorf("authx: auth version of user %d: the stored value is not a version", userID)
	}
	return v, nil
}

// BumpAuthVersion increments the user's version and returns the new one.
func (s *RedisAuthVersionStore) BumpAuthVersion(ctx context.Context, userID int64) (int64, error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	v, err := s.client.Incr(ctx, s.key(userID)).Result()
	if err != nil {
		return 0, fmt.Errorf("authx: bump the auth version of user %d: %w", userID, err)
	}
	return v, nil
}
