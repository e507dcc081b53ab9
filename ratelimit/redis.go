package ratelimit

import (
	"context"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/djin-go/djin/internal/redisopt"
	"github.com/redis/go-redis/v9"
)

// OutagePolicy says what a RedisStore decides when Redis cannot be reached in time.
type OutagePolicy string

const (
	// OutageFallback (the default) decides with a local MemoryStore, at the shared limit
	// divided by RedisStoreConfig.Instances, so a fleet stays near its global limit.
	OutageFallback OutagePolicy = "fallback"
	// OutageOpen admits every request while Redis is down (Envoy's default).
	OutageOpen OutagePolicy = "open"
	// OutageClosed refuses every request while Redis is down with ErrStoreUnavailable,
	// which the middleware answers with 503 (django-ratelimit's default).
	OutageClosed OutagePolicy = "closed"
)

// Defaults for RedisStoreConfig.
const (
	DefaultRedisPrefix     = "ratelimit:"
	DefaultRedisTimeout    = 50 * time.Millisecond
	DefaultBreakerFailures = 3
	DefaultBreakerCooldown = 5 * time.Second
)

// RedisStoreConfig configures a RedisStore. Client is required; every other zero value is
// safe: keys under "ratelimit:", a 50 ms timeout per decision, the local fallback at the
// full limit (one instance), a breaker that opens after 3 consecutive failures for 5 s,
// and the Redis server's clock.
type RedisStoreConfig struct {
	// Client is a go-redis v9 client: *redis.Client, *redis.ClusterClient or a
	// *redis.Ring, with ContextTimeoutEnabled set in its options: without it go-redis
	// does not apply Timeout to reads and writes, and NewRedisStore refuses the client.
	// Required.
	Client redis.UniversalClient `yaml:"-"`
	// Prefix starts every key. Keys are Prefix + "{" + hash of the client key + "}:" +
	// policy + ":" + algorithm: the hash tag puts all of one client's policies in one
	// Redis Cluster slot, and neither IP addresses nor user names are stored.
	Prefix string `yaml:"prefix"`
	// Timeout bounds one decision, round trip included: a Redis that stops answering
	// costs a request at most this long before the outage policy decides (waiting for a
	// free pooled connection, at most an eighth longer). 0 means DefaultRedisTimeout.
	Timeout time.Duration `yaml:"timeout"`
	// Outage is the policy while Redis is unreachable: "fallback" (default), "open" or
	// "closed". Errors that come from Redis itself about our data (a malformed value at
	// a key) are returned as errors, not treated as outages.
	Outage OutagePolicy `yaml:"outage"`
	// Instances is the number of application instances that share the limit; the local
	// fallback enforces each limit divided by it (rounded down, at least 1). 0 means 1.
	Instances int `yaml:"instances"`
	// Fallback is the local store for OutageFallback. nil means a new MemoryStore.
	Fallback *MemoryStore `yaml:"-"`
	// BreakerFailures is how many consecutive failures open the circuit breaker; while it
	// is open, decisions skip Redis and cost microseconds instead of a timeout. After
	// BreakerCooldown one probe goes to Redis; its success closes the breaker. 0 means
	// DefaultBreakerFailures.
	BreakerFailures int `yaml:"breaker_failures"`
	// BreakerCooldown is how long the breaker stays open. 0 means DefaultBreakerCooldown.
	BreakerCooldown time.Duration `yaml:"breaker_cooldown"`
	// ClientClock makes decisions use the time the Limiter passes (its Now, or AllowAt's
	// argument) instead of the Redis server's clock. Leave it off in production: one
	// server clock is what keeps instances with drifting clocks in agreement.
	ClientClock bool `yaml:"client_clock"`
	// Logger receives one line when the breaker opens and one when it closes. nil means
	// slog.Default().
	Logger *slog.Logger `yaml:"-"`
}

// RedisStore is a Store shared by every process that uses the same Redis: each decision is
// one Lua script run (EVALSHA, falling back to EVAL when the server answers NOSCRIPT) that
// reads the clock, applies the algorithm and writes the state with its expiry atomically.
//
// Outages follow RedisStoreConfig.Outage; they never panic and never turn into 500s.
type RedisStore struct {
	client    redis.UniversalClient
	prefix    string
	timeout   time.Duration
	outage    OutagePolicy
	instances int64
	fallback  *MemoryStore
	local     sync.Map // *Quota -> *Quota, the per-instance share used by the fallback
	clientNow bool
	breaker   *breaker
	deadlines *deadlines
	log       *slog.Logger
}

//go:embed redis.lua
var redisLua string

var redisScript = redis.NewScript(redisLua)

// NewRedisStore validates cfg and returns a RedisStore. It does not contact Redis: a store
// built while Redis is down follows its outage policy until Redis answers.
func NewRedisStore(cfg RedisStoreConfig) (*RedisStore, error) {
	if cfg.Client == nil {
		return nil, fmt.Errorf("%w: RedisStoreConfig.Client: missing", ErrInvalidConfig)
	}
	if cfg.Prefix == "" {
		cfg.Prefix = DefaultRedisPrefix
	}
	if strings.ContainsAny(cfg.Prefix, "{}") {
		return nil, fmt.Errorf("%w: RedisStoreConfig.Prefix: must not contain { or } (got %q), which would change the hash tag", ErrInvalidConfig, cfg.Prefix)
	}
	switch {
	case cfg.Timeout < 0:
		return nil, fmt.Errorf("%w: RedisStoreConfig.Timeout: must not be negative (got %v)", ErrInvalidConfig, cfg.Timeout)
	case cfg.Timeout == 0:
		cfg.Timeout = DefaultRedisTimeout
	}
	if redisopt.DeadlinesIgnored(cfg.Client) {
		return nil, fmt.Errorf("%w: RedisStoreConfig.Client: its options leave ContextTimeoutEnabled off, so go-redis would ignore the store's %v Timeout and a stalled Redis would hold every request for the client's ReadTimeout; set ContextTimeoutEnabled: true in its redis.Options", ErrInvalidConfig, cfg.Timeout)
	}
	switch cfg.Outage {
	case "":
		cfg.Outage = OutageFallback
	case OutageFallback, OutageOpen, OutageClosed:
	default:
		return nil, fmt.Errorf("%w: RedisStoreConfig.Outage: must be %q, %q or %q (got %q)", ErrInvalidConfig, OutageFallback, OutageOpen, OutageClosed, cfg.Outage)
	}
	switch {
	case cfg.Instances < 0:
		return nil, fmt.Errorf("%w: RedisStoreConfig.Instances: must not be negative (got %d)", ErrInvalidConfig, cfg.Instances)
	case cfg.Instances == 0:
		cfg.Instances = 1
	}
	switch {
	case cfg.BreakerFailures < 0:
		return nil, fmt.Errorf("%w: RedisStoreConfig.BreakerFailures: must not be negative (got %d)", ErrInvalidConfig, cfg.BreakerFailures)
	case cfg.BreakerFailures == 0:
		cfg.BreakerFailures = DefaultBreakerFailures
	}
	switch {
	case cfg.BreakerCooldown < 0:
		return nil, fmt.Errorf("%w: RedisStoreConfig.BreakerCooldown: must not be negative (got %v)", ErrInvalidConfig, cfg.BreakerCooldown)
	case cfg.BreakerCooldown == 0:
		cfg.BreakerCooldown = DefaultBreakerCooldown
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Fallback == nil && cfg.Outage == OutageFallback {
		cfg.Fallback = mustMemoryStore()
	}
	return &RedisStore{
		client:    cfg.Client,
		prefix:    cfg.Prefix,
		timeout:   cfg.Timeout,
		outage:    cfg.Outage,
		instances: int64(cfg.Instances),
		fallback:  cfg.Fallback,
		clientNow: cfg.ClientClock,
		breaker:   newBreaker(cfg.BreakerFailures, cfg.BreakerCooldown, cfg.Logger),
		deadlines: newDeadlines(cfg.Timeout),
		log:       cfg.Logger,
	}, nil
}

// Key returns the Redis key that holds key's state under q.
func (s *RedisStore) Key(q *Quota, key string) string {
	sum := sha256.Sum256([]byte(key))
	var buf [128]byte // built on the stack: the string is the one allocation
	b := append(buf[:0], s.prefix...)
	b = append(b, '{')
	b = hex.AppendEncode(b, sum[:16])
	b = append(b, "}:"...)
	b = append(b, q.Name...)
	b = append(b, ':')
	b = append(b, q.Algorithm.String()...)
	return string(b)
}

// Take implements Store.
func (s *RedisStore) Take(ctx context.Context, q *Quota, key string, cost int64, now time.Time) (Result, error) {
	if err := q.check(); err != nil {
		return Result{}, err
	}
	if key == "" {
		return Result{}, ErrEmptyKey
	}
	if q.special {
		return q.trivial(cost, now.UnixNano())
	}
	if !s.breaker.allow() {
		return s.degrade(ctx, q, key, cost, now, errBreakerOpen)
	}
	callCtx, release := s.deadlines.context(ctx)
	keys, a := []string{s.Key(q, key)}, &q.scriptArgs
	var reply []int64
	var err error
	if s.clientNow || cost < 0 { // a refund names the time of the charge it undoes
		reply, err = redisScript.Run(callCtx, s.client, keys, a[0], a[1], a[2], a[3], cost, now.UnixMicro()).Int64Slice()
	} else { // the server's clock: one argument less to send and for Redis to read
		reply, err = redisScript.Run(callCtx, s.client, keys, a[0], a[1], a[2], a[3], cost).Int64Slice()
	}
	release()
	if err == nil {
		s.breaker.success()
		return s.result(q, reply, cost)
	}
	if ctx.Err() != nil { // the caller gave up (the client went away): not an outage
		s.breaker.abandon()
		return Result{}, ctx.Err()
	}
	if !isOutage(err) {
		s.breaker.success() // Redis answered: it is reachable
		if strings.Contains(err.Error(), "malformed") || strings.HasPrefix(err.Error(), "WRONGTYPE") {
			return Result{}, fmt.Errorf("%w: policy %q: %v", ErrMalformedState, q.Name, err)
		}
		return Result{}, fmt.Errorf("ratelimit: redis: %w", err)
	}
	s.breaker.failure(err)
	return s.degrade(ctx, q, key, cost, now, err)
}

func (s *RedisStore) result(q *Quota, reply []int64, cost int64) (Result, error) {
	if len(reply) != 6 {
		return Result{}, fmt.Errorf("%w: the script returned %d values", ErrMalformedState, len(reply))
	}
	us := func(v int64) int64 { return v * int64(time.Microsecond) }
	v := verdict{
		allowed:   reply[0] == 1,
		tooBig:    reply[1] == 1,
		remaining: reply[2],
		retry:     us(reply[3]),
		reset:     us(reply[4]),
		now:       us(reply[5]),
	}
	return q.result(&v, cost)
}

// Reset implements Store.
func (s *RedisStore) Reset(ctx context.Context, q *Quota, key string) error {
	if err := q.check(); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	if err := s.client.Del(ctx, s.Key(q, key)).Err(); err != nil {
		return fmt.Errorf("%w: reset: %v", ErrStoreUnavailable, err)
	}
	return nil
}

var errBreakerOpen = errors.New("circuit breaker open")

// degrade decides by the outage policy.
func (s *RedisStore) degrade(ctx context.Context, q *Quota, key string, cost int64, now time.Time, cause error) (Result, error) {
	if cost < 0 {
		return Result{}, fmt.Errorf("%w: refund: %v", ErrStoreUnavailable, cause)
	}
	s.breaker.degraded.Add(1)
	switch s.outage {
	case OutageOpen:
		return Result{Allowed: true, Limit: q.limit, Remaining: max(0, q.limit-cost), Time: now, Degraded: true}, nil
	case OutageClosed:
		return Result{Limit: q.limit, RetryAfter: s.breaker.retryAfter(), Time: now},
			fmt.Errorf("%w: %v", ErrStoreUnavailable, cause)
	}
	r, err := s.fallback.Take(ctx, s.localQuota(q), key, cost, now)
	r.Degraded = true
	r.local = r.Allowed && err == nil
	return r, err
}

// refundLocal gives back cost units that the fallback store charged (a Result with local
// set), under the same per-instance share it charged them.
func (s *RedisStore) refundLocal(ctx context.Context, q *Quota, key string, cost int64, charged time.Time) error {
	_, err := s.fallback.Take(ctx, s.localQuota(q), key, -cost, charged)
	return err
}

// localQuota returns q's per-instance share for the fallback store.
func (s *RedisStore) localQuota(q *Quota) *Quota {
	if s.instances == 1 {
		return q
	}
	if l, ok := s.local.Load(q); ok {
		return l.(*Quota)
	}
	r := q.Rate
	r.Limit = max(1, r.Limit/s.instances)
	if r.Burst != 0 {
		r.Burst = max(1, r.Burst/s.instances)
	}
	l, err := NewQuota(q.Name, q.Algorithm, r)
	if err != nil {
		l = q // a share that cannot be built (too fine a rate) falls back to the whole limit
	}
	actual, _ := s.local.LoadOrStore(q, l)
	return actual.(*Quota)
}

// isOutage reports whether err means Redis could not serve the request, as opposed to
// Redis answering with an error about the request.
func isOutage(err error) bool {
	var rerr redis.Error
	if !errors.As(err, &rerr) {
		return true // network errors, timeouts, pool exhaustion, a closed client
	}
	for _, p := range []string{"LOADING", "BUSY", "CLUSTERDOWN", "MASTERDOWN", "TRYAGAIN", "READONLY", "NOREPLICAS"} {
		if strings.HasPrefix(rerr.Error(), p) {
			return true
		}
	}
	return false
}

// RedisStats reports a RedisStore's health.
type RedisStats struct {
	BreakerOpen bool   // decisions are currently skipping Redis
	Failures    uint64 // calls that failed because Redis was unreachable
	Degraded    uint64 // decisions taken by the outage policy
}

// Stats returns the store's counters.
func (s *RedisStore) Stats() RedisStats {
	return RedisStats{BreakerOpen: s.breaker.isOpen(), Failures: s.breaker.failures.Load(), Degraded: s.breaker.degraded.Load()}
}
