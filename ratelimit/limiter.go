package ratelimit

import (
	"context"
	"fmt"
	"math"
	"time"
)

// LimiterConfig configures a Limiter. Rate is required; the other zero values are safe:
// the name "default", GCRA, a private MemoryStore and the system clock.
type LimiterConfig struct {
	// Name namespaces the limiter's keys in its Store ("default" when empty); see
	// Quota.Name.
	Name string `yaml:"name"`
	// Rate is the quota, for example MustParseRate("3/10s"). Required.
	Rate Rate `yaml:"rate"`
	// Algorithm enforces Rate; the zero value is GCRA.
	Algorithm Algorithm `yaml:"algorithm"`
	// Store keeps the state. nil means a new MemoryStore with default settings, private to
	// this Limiter.
	Store Store `yaml:"-"`
	// Now is the clock. nil means the system clock (read through the monotonic clock).
	// A RedisStore decides by the Redis server's clock unless it is configured with
	// ClientClock.
	Now func() time.Time `yaml:"-"`
}

// Limiter makes rate-limit decisions for keys under one quota, in the style of
// golang.org/x/time/rate: Allow and AllowN use the clock, the ...At variants take the
// time. It is safe for concurrent use.
type Limiter struct {
	q     *Quota
	store Store
	mem   *MemoryStore     // store, when it is one: the allocation-free path
	now   func() time.Time // nil: the system clock, read as nanoseconds (systemNanos)
}

// NewLimiter validates cfg and returns a Limiter.
func NewLimiter(cfg LimiterConfig) (*Limiter, error) {
	name := cfg.Name
	if name == "" {
		name = "default"
	}
	if cfg.Rate.IsZero() {
		return nil, fmt.Errorf("%w: LimiterConfig.Rate: missing; write for example 3/10s", ErrInvalidRate)
	}
	q, err := NewQuota(name, cfg.Algorithm, cfg.Rate)
	if err != nil {
		return nil, inField("LimiterConfig", err)
	}
	return newLimiter(q, cfg.Store, cfg.Now), nil
}

func newLimiter(q *Quota, store Store, now func() time.Time) *Limiter {
	if store == nil {
		store = mustMemoryStore()
	}
	mem, _ := store.(*MemoryStore)
	return &Limiter{q: q, store: store, mem: mem, now: now}
}

// nanos reads the limiter's clock in nanoseconds since the Unix epoch.
func (l *Limiter) nanos() int64 {
	if l.now == nil {
		return systemNanos()
	}
	return l.now().UnixNano()
}

// Quota returns the limiter's quota.
func (l *Limiter) Quota() *Quota { return l.q }

// Store returns the limiter's store.
func (l *Limiter) Store() Store { return l.store }

// Allow charges one unit to key now.
func (l *Limiter) Allow(ctx context.Context, key string) (r Result, err error) {
	// The common case in full here, not through take: each call level that returns a
	// Result copies it, and that copy is a measurable part of a memory decision.
	if l.mem != nil && !l.q.special && key != "" {
		err = l.mem.take(l.q, l.mem.hashString(l.q, key), 1, l.nanos(), &r)
		return r, err
	}
	return l.take(ctx, key, 1, l.nanos())
}

// AllowN charges n units to key now: a weighted request, such as an upload charged by
// size. n must be at least 1.
func (l *Limiter) AllowN(ctx context.Context, key string, n int64) (Result, error) {
	if n < 1 {
		return Result{}, errCost(n)
	}
	return l.take(ctx, key, n, l.nanos())
}

// AllowAt charges one unit to key at time t.
func (l *Limiter) AllowAt(ctx context.Context, key string, t time.Time) (Result, error) {
	now, err := unixNanos(t)
	if err != nil {
		return Result{}, err
	}
	return l.take(ctx, key, 1, now)
}

// AllowNAt charges n units to key at time t. A denied request charges nothing. It returns
// ErrEmptyKey for an empty key and an error wrapping ErrCostExceedsLimit (with a denial)
// when n is more than the quota can ever hold.
func (l *Limiter) AllowNAt(ctx context.Context, key string, n int64, t time.Time) (Result, error) {
	if n < 1 {
		return Result{}, errCost(n)
	}
	now, err := unixNanos(t)
	if err != nil {
		return Result{}, err
	}
	return l.take(ctx, key, n, now)
}

// The times a decision can be taken at: those UnixNano can represent.
var (
	minDecisionTime = time.Unix(0, math.MinInt64)
	maxDecisionTime = time.Unix(0, math.MaxInt64)
)

// unixNanos is t.UnixNano for the ...At variants, with an error for a time it cannot
// represent (the zero Time, say), where UnixNano's result is undefined.
func unixNanos(t time.Time) (int64, error) {
	if t.Before(minDecisionTime) || t.After(maxDecisionTime) {
		return 0, fmt.Errorf("%w: time %v is outside the years 1678 to 2262 that a decision can be taken at", ErrInvalidConfig, t)
	}
	return t.UnixNano(), nil
}

func errCost(n int64) error {
	return fmt.Errorf("%w: cost %d; a request costs at least 1 (Peek looks without charging)", ErrInvalidConfig, n)
}

// Peek reports key's state now without charging: Allowed says whether one more unit would
// be admitted.
func (l *Limiter) Peek(ctx context.Context, key string) (Result, error) {
	return l.take(ctx, key, 0, l.nanos())
}

// PeekAt is Peek at time t.
func (l *Limiter) PeekAt(ctx context.Context, key string, t time.Time) (Result, error) {
	now, err := unixNanos(t)
	if err != nil {
		return Result{}, err
	}
	return l.take(ctx, key, 0, now)
}

// Refund gives back n units that the decision charged (n is usually its cost), for
// requests that turned out not to count: count-failures-only limits refund successes.
// Refunding a denial, or more than was charged, has no effect beyond a full quota.
func (l *Limiter) Refund(ctx context.Context, key string, n int64, charged Result) error {
	if n < 1 || !charged.Allowed || charged.Degraded && !charged.local {
		return nil
	}
	if key == "" {
		return ErrEmptyKey
	}
	return l.refund(ctx, key, n, &charged)
}

// refund gives back n units that charged took for key: from the RedisStore's fallback
// when the fallback charged them, else from the store.
func (l *Limiter) refund(ctx context.Context, key string, n int64, charged *Result) error {
	if charged.local {
		if rs, ok := l.store.(*RedisStore); ok {
			return rs.refundLocal(ctx, l.q, key, n, charged.Time)
		}
		return nil
	}
	_, err := l.take(ctx, key, -n, charged.Time.UnixNano())
	return err
}

// Reset forgets key, as if it had never been seen (an administrator's unlock).
func (l *Limiter) Reset(ctx context.Context, key string) error {
	if key == "" {
		return ErrEmptyKey
	}
	return l.store.Reset(ctx, l.q, key)
}

// take is the decision on key at now (ns since the Unix epoch).
func (l *Limiter) take(ctx context.Context, key string, cost, now int64) (r Result, err error) {
	switch {
	case key == "":
		return Result{}, ErrEmptyKey
	case l.q.special:
		return l.q.trivial(cost, now)
	case l.mem != nil:
		err = l.mem.take(l.q, l.mem.hashString(l.q, key), cost, now, &r)
		return r, err
	}
	return l.store.Take(ctx, l.q, key, cost, time.Unix(0, now))
}

// takeBytes is take for a key built in a scratch buffer, written into r: the memory store
// hashes the key in place, other stores get a string copy.
func (l *Limiter) takeBytes(ctx context.Context, key []byte, cost, now int64, r *Result) (err error) {
	switch {
	case l.q.special:
		*r, err = l.q.trivial(cost, now)
		return err
	case l.mem != nil:
		return l.mem.take(l.q, l.mem.hashBytes(l.q, key), cost, now, r)
	}
	*r, err = l.store.Take(ctx, l.q, string(key), cost, time.Unix(0, now))
	return err
}
