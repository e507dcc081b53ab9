package ratelimit

import (
	"fmt"
	"hash/maphash"
	"math"
	"time"
)

// Quota is a named Rate under one Algorithm: the unit of state a Store keeps per key.
// Build one with NewQuota (a Limiter builds its own); a Store refuses a Quota that was not
// built, since the derived values below are what it computes with.
type Quota struct {
	// Name is the policy name: the namespace of the quota's keys in a Store and the name
	// in the RateLimit-Policy header. Two Limiters that share a Store and a Name share
	// their counters, which is how one budget spans several routes.
	Name string
	// Algorithm enforces Rate.
	Algorithm Algorithm
	// Rate is the quota.
	Rate Rate

	built    bool
	special  bool   // unlimited or blocking every request: trivial decides, no store
	limit    int64  // Rate.Limit
	burst    int64  // effective GCRA burst
	period   int64  // ns
	interval int64  // GCRA emission interval, ns
	tau      int64  // GCRA burst tolerance, ns
	ns       uint64 // hash of Name and Algorithm, mixed into memory-store keys

	// scriptArgs are redis.lua's first arguments (algorithm, limit, period in µs, burst),
	// boxed once here rather than on every decision.
	scriptArgs [4]any
}

var quotaSeed = maphash.MakeSeed()

// NewQuota validates and builds a Quota. The name must be 1 to 64 characters from
// A-Z a-z 0-9 . _ - (it is written into headers and store keys).
func NewQuota(name string, alg Algorithm, r Rate) (*Quota, error) {
	if err := validName(name); err != nil {
		return nil, err
	}
	if int(alg) >= len(algorithmNames) {
		return nil, fmt.Errorf("%w: unknown algorithm %d", ErrInvalidConfig, uint8(alg))
	}
	if err := r.Validate(); err != nil {
		return nil, err
	}
	if r.Burst != 0 && r.Burst != r.Limit && alg != GCRA {
		return nil, fmt.Errorf("%w: burst applies to gcra only, not %s (got %q)", ErrInvalidRate, alg, r)
	}
	if alg == SlidingLog && r.Limit > maxLogLimit {
		return nil, fmt.Errorf("%w: sliding_log keeps one timestamp per request, so its limit is at most %d (got %q); use gcra or sliding_window", ErrInvalidRate, maxLogLimit, r)
	}
	if (alg == SlidingWindow || alg == FixedWindow) && r.Limit > math.MaxUint32 {
		return nil, fmt.Errorf("%w: %s counts up to %d per window (got %q)", ErrInvalidRate, alg, uint32(math.MaxUint32), r)
	}
	q := &Quota{Name: name, Algorithm: alg, Rate: r, built: true, special: r.Unlimited || r.Limit == 0}
	if !r.Unlimited {
		q.limit = r.Limit
		q.burst = r.burst()
		q.period = int64(r.Period)
		if r.Limit > 0 {
			// Rounded up: N intervals must cover the whole Period, or a burst followed by
			// N-1 emissions would fit inside it one time too many.
			q.interval = (q.period + r.Limit - 1) / r.Limit
			q.tau = q.interval * q.burst
		}
	}
	q.ns = maphash.String(quotaSeed, name+"\x00"+alg.String())
	q.scriptArgs = [4]any{alg.String(), q.limit, q.period / 1000, q.burst}
	return q, nil
}

func validName(name string) error {
	if name == "" || len(name) > 64 {
		return fmt.Errorf("%w: policy name %q must be 1 to 64 characters", ErrInvalidConfig, name)
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == '-') {
			return fmt.Errorf("%w: policy name %q may hold only A-Z a-z 0-9 . _ -", ErrInvalidConfig, name)
		}
	}
	return nil
}

// check rejects quotas that were not built by NewQuota.
func (q *Quota) check() error {
	if q == nil || !q.built {
		return fmt.Errorf("%w: Quota must come from NewQuota", ErrInvalidConfig)
	}
	return nil
}

// trivial answers the quotas no store needs to see (q.special): unlimited and block-all
// rates. now is in nanoseconds since the Unix epoch.
func (q *Quota) trivial(cost, now int64) (Result, error) {
	t := time.Unix(0, now)
	switch {
	case q.Rate.Unlimited:
		return Result{Allowed: true, Limit: -1, Remaining: -1, Time: t}, nil
	case cost <= 0:
		return Result{Allowed: cost < 0, Time: t}, nil
	}
	return Result{Time: t}, fmt.Errorf("%w: policy %q blocks every request (rate %q)", ErrCostExceedsLimit, q.Name, q.Rate)
}

// Result is one decision.
type Result struct {
	// Allowed reports whether the request is admitted (and was charged).
	Allowed bool
	// Degraded reports that the shared store was unreachable and an outage policy
	// (fail open or the local fallback) decided instead.
	Degraded bool
	// local marks a degraded decision that a RedisStore's fallback store took and charged:
	// a refund of it goes to that store, not to Redis. Beside the other bools, it keeps
	// Result at 64 bytes.
	local bool
	// Limit is the quota's Rate.Limit, or -1 for an unlimited rate.
	Limit int64
	// Remaining is how many units are left after this decision (-1 when unlimited).
	Remaining int64
	// RetryAfter is, for a denial, how long until the same request would be admitted.
	// It is 0 for admissions and for requests that can never fit.
	RetryAfter time.Duration
	// ResetAfter is how long until more quota becomes available: the draft RateLimit
	// header's "t". It is 0 when the quota is full.
	ResetAfter time.Duration
	// Time is the clock reading the store decided at (the Redis server's clock for a
	// RedisStore). Refunds pass it back.
	Time time.Time
}

// result converts a verdict; a peek (cost 0) is allowed when one unit remains.
func (q *Quota) result(v *verdict, cost int64) (Result, error) {
	var r Result
	err := q.fill(&r, v, cost)
	return r, err
}

// fill is result writing into r: the decision path passes results by pointer, since
// copying them up through each call is a measurable part of its cost. Result.Time is the
// verdict's time.
func (q *Quota) fill(r *Result, v *verdict, cost int64) error {
	allowed, retry := v.allowed, v.retry
	if cost == 0 {
		allowed = v.remaining > 0
		if !allowed {
			retry = v.reset
		}
	}
	*r = Result{
		Allowed:    allowed,
		Limit:      q.limit,
		Remaining:  v.remaining,
		RetryAfter: time.Duration(retry),
		ResetAfter: time.Duration(v.reset),
		Time:       time.Unix(0, v.now),
	}
	if v.tooBig {
		return fmt.Errorf("%w: cost %d is more than policy %q can ever admit (rate %q)", ErrCostExceedsLimit, cost, q.Name, q.Rate)
	}
	return nil
}
