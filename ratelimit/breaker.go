package ratelimit

import (
	"log/slog"
	"sync/atomic"
	"time"
)

// breaker is a circuit breaker around the shared store. After threshold consecutive
// outages it opens: calls skip the store for cooldown. Then a single probe is let through;
// its success closes the breaker, its failure opens it for another cooldown.
type breaker struct {
	threshold int64
	cooldown  time.Duration
	log       *slog.Logger
	now       func() time.Time // wall clock; tests replace it

	streak    atomic.Int64 // consecutive failures
	openUntil atomic.Int64 // unix ns; 0 when closed
	probing   atomic.Bool
	failures  atomic.Uint64
	degraded  atomic.Uint64
}

func newBreaker(threshold int, cooldown time.Duration, log *slog.Logger) *breaker {
	return &breaker{threshold: int64(threshold), cooldown: cooldown, log: log, now: time.Now}
}

// allow reports whether a call may go to the store.
func (b *breaker) allow() bool {
	until := b.openUntil.Load()
	if until == 0 {
		return true
	}
	if b.now().UnixNano() < until {
		return false
	}
	return b.probing.CompareAndSwap(false, true) // half-open: one probe at a time
}

func (b *breaker) success() {
	// Loads first: on the common path nothing changes, and concurrent decisions then do
	// not take turns owning these cache lines.
	if b.streak.Load() != 0 {
		b.streak.Store(0)
	}
	if b.openUntil.Load() != 0 && b.openUntil.Swap(0) != 0 {
		b.log.Info("ratelimit: redis is reachable again; the circuit breaker closed")
	}
	if b.probing.Load() {
		b.probing.Store(false)
	}
}

// abandon ends a call that told nothing about the store (the caller gave up), freeing the
// probe slot if the call held it.
func (b *breaker) abandon() { b.probing.Store(false) }

func (b *breaker) failure(err error) {
	b.failures.Add(1)
	n := b.streak.Add(1)
	until := b.now().Add(b.cooldown).UnixNano()
	if b.probing.Load() { // the probe failed: stay open for another cooldown
		b.openUntil.Store(until)
		b.probing.Store(false)
		return
	}
	if n >= b.threshold && b.openUntil.CompareAndSwap(0, until) {
		b.log.Error("ratelimit: redis is unreachable; the circuit breaker opened and the outage policy decides",
			slog.Int64("consecutive_failures", n), slog.Duration("cooldown", b.cooldown), slog.String("error", err.Error()))
	}
}

func (b *breaker) isOpen() bool { return b.openUntil.Load() != 0 }

// retryAfter is how long until the breaker lets a probe through (at least a second, the
// resolution of Retry-After).
func (b *breaker) retryAfter() time.Duration {
	if until := b.openUntil.Load(); until != 0 {
		return max(time.Second, time.Duration(until-b.now().UnixNano()))
	}
	return time.Second
}
