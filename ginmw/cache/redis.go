package cache

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// DefaultRedisPrefix starts every key the Redis backend writes.
const DefaultRedisPrefix = "djin:cache:"

// RedisConfig configures a Redis backend.
type RedisConfig struct {
	// Client is the Redis connection (*redis.Client, *redis.ClusterClient, ...). Required.
	Client redis.UniversalClient

	// Prefix starts every key; empty means DefaultRedisPrefix. Django: KEY_PREFIX.
	Prefix string
}

// Redis is a backend shared by every instance of the application; Redis expires the
// entries. Django: RedisCache.
type Redis struct {
	client redis.UniversalClient
	prefix string
}

var _ Backend = (*Redis)(nil)

// NewRedis validates cfg and returns the backend. It does no I/O.
func NewRedis(cfg RedisConfig) (*Redis, error) {
	if cfg.Client == nil {
		return nil, errors.New("cache: RedisConfig.Client: a Redis client is required")
	}
	p := cfg.Prefix
	if p == "" {
		p = DefaultRedisPrefix
	}
	return &Redis{client: cfg.Client, prefix: p}, nil
}

// Get reads an entry.
func (r *Redis) Get(ctx context.Context, key string) ([]byte, error) {
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
	if err := r.client.Set(ctx, r.prefix+key, value, ttl).Err(); err != nil {
		return fmt.Errorf("%w: %w", ErrBackend, err)
	}
	return nil
}
