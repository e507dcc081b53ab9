package session

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/djin-go/djin/internal/redisopt"
	"github.com/redis/go-redis/v9"
)

// DefaultRedisPrefix starts every key the RedisStore writes.
const DefaultRedisPrefix = "djin:session:"

// DefaultRedisTimeout bounds one RedisStore call when RedisStoreConfig.Timeout is 0.
const DefaultRedisTimeout = time.Second

// RedisStoreConfig configures a RedisStore.
type RedisStoreConfig struct {
	// Client is the Redis connection: a *redis.Client, *redis.ClusterClient or
	// *redis.Ring (any redis.UniversalClient), with ContextTimeoutEnabled set in its
	// options, without which go-redis would not apply Timeout to reads and writes (the
	// store refuses such a client). Required.
	Client redis.UniversalClient

	// Prefix starts every key, so that several applications can share a database. Empty
	// means DefaultRedisPrefix. Django: the cache backend's KEY_PREFIX.
	Prefix string

	// Timeout bounds each call, round trip included: a Redis that stops answering costs a
	// request at most this long, then an error. 0 means DefaultRedisTimeout.
	Timeout time.Duration
	// Now is the clock that decides expiry; nil means time.Now.
	Now func() time.Time
}

// RedisStore keeps sessions in Redis, shared by every instance of the application, each
// session under its own key with a TTL, so Redis drops expired sessions itself. Django:
// SESSION_ENGINE = "django.contrib.sessions.backends.cache" with a Redis cache.
//
// A stored value is the expiry time (8 bytes, Unix milliseconds) followed by the data; Load
// checks the expiry against Now too, so the application clock decides, as in the other stores.
type RedisStore struct {
	client  redis.UniversalClient
	prefix  string
	timeout time.Duration
	now     func() time.Time
}

var _ Store = (*RedisStore)(nil)

// NewRedisStore validates cfg and returns the store. It does no I/O.
func NewRedisStore(cfg RedisStoreConfig) (*RedisStore, error) {
	timeout, err := redisopt.Check("session: RedisStoreConfig", cfg.Client, cfg.Timeout, DefaultRedisTimeout)
	if err != nil {
		return nil, err
	}
	prefix := cfg.Prefix
	if prefix == "" {
		prefix = DefaultRedisPrefix
	}
	return &RedisStore{client: cfg.Client, prefix: prefix, timeout: timeout, now: nowFunc(cfg.Now)}, nil
}

// Load reads a session.
func (s *RedisStore) Load(ctx context.Context, value string) (string, []byte, error) {
	if !ValidKey(value) {
		return "", nil, ErrNoSession
	}
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	raw, err := s.client.Get(ctx, s.prefix+value).Bytes()
	if errors.Is(err, redis.Nil) {
		return "", nil, ErrNoSession
	}
	if err != nil {
		return "", nil, fmt.Errorf("%w: load: %w", ErrStore, err)
	}
	if len(raw) < 8 || s.now().UnixMilli() >= int64(binary.BigEndian.Uint64(raw)) {
		return "", nil, ErrNoSession
	}
	return value, raw[8:], nil
}

// Create stores a new session with SET NX.
func (s *RedisStore) Create(ctx context.Context, key string, data []byte, expires time.Time) (string, error) {
	return s.set(ctx, "NX", ErrKeyExists, key, data, expires)
}

// Update replaces an existing session with SET XX.
func (s *RedisStore) Update(ctx context.Context, key string, data []byte, expires time.Time) (string, error) {
	return s.set(ctx, "XX", ErrNoSession, key, data, expires)
}

func (s *RedisStore) set(ctx context.Context, mode string, notSet error, key string, data []byte, expires time.Time) (string, error) {
	ttl := expires.Sub(s.now())
	if ttl < time.Millisecond {
		ttl = time.Millisecond
	}
	raw := make([]byte, 8, 8+len(data))
	binary.BigEndian.PutUint64(raw, uint64(expires.UnixMilli()))
	raw = append(raw, data...)
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	err := s.client.SetArgs(ctx, s.prefix+key, raw, redis.SetArgs{Mode: mode, TTL: ttl}).Err()
	if errors.Is(err, redis.Nil) {
		return "", notSet
	}
	if err != nil {
		return "", fmt.Errorf("%w: save: %w", ErrStore, err)
	}
	return key, nil
}

// Delete removes a session.
func (s *RedisStore) Delete(ctx context.Context, key string) error {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	if err := s.client.Del(ctx, s.prefix+key).Err(); err != nil {
		return fmt.Errorf("%w: delete: %w", ErrStore, err)
	}
	return nil
}
