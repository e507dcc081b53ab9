package cache

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/djin-go/djin/internal/redisopt"
	"github.com/redis/go-redis/v9"
)

// DefaultRedisPrefix starts every key the Redis backend writes.
const DefaultRedisPrefix = "djin:cache:"

// DefaultRedisTimeout bounds one Redis backend call when RedisConfig.Timeout is 0: a cache
// that does not answer soon is a miss, not a wait.
const DefaultRedisTimeout = 100 * time.Millisecond

// RedisConfig configures a Redis backend.
type RedisConfig struct {
	// Client is the Redis connection (*redis.Client, *redis.ClusterClient, ...), with
	// ContextTimeoutEnabled set in its options, without which go-redis would not apply
	// Timeout to reads and writes (NewRedis refuses such a client). Required.
	Client redis.UniversalClient

	// Prefix starts every key; empty means DefaultRedisPrefix. Django: KEY_PREFIX.
	Prefix string

	// Timeout bounds each call, round trip included; 0 means DefaultRedisTimeout. A Redis
	// that stops answering costs a request this long, and the page is served uncached.
	Timeout time.Duration
}

// Redis is a backend shared by every instance of the application; Redis expires the
// entries. Django: RedisCache.
type Redis struct {
	client  redis.UniversalClient
	prefix  string
	timeout time.Duration
}

var _ Backend = (*Redis)(nil)

// NewRedis validates cfg and returns the backend. It does no I/O.
func NewRedis(cfg RedisConfig) (*Redis, error) {
	timeout, err := redisopt.Check("cache: RedisConfig", cfg.Client, cfg.Timeout, DefaultRedisTimeout)
	if err != nil {
		return nil, err
	}
	p := cfg.Prefix
	if p == "" {
		p = DefaultRedisPrefix
	}
	return &Redis{client: cfg.Client, prefix: p, timeout: timeout}, nil
}

// Get reads an entry.
func (r *Redis) Get(ctx context.Context, key string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	b, err := r.client.Get(ctx, r.prefix+key).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, ErrMiss
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBackend, err)
	}
	return b, nil
}

// Set writes an entry with a TTL.
func (r *Redis) Set(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	if ttl <= 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	if err := r.client.Set(ctx, r.prefix+key, value, ttl).Err(); err != nil {
		return fmt.Errorf("%w: %w", ErrBackend, err)
	}
	return nil
}
