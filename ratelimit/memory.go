package ratelimit

import (
	"context"
	"fmt"
	"hash/maphash"
	"log/slog"
	"math"
	"math/bits"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultMaxKeys is the MemoryStore key cap when MemoryStoreConfig.MaxKeys is 0.
const DefaultMaxKeys = 1 << 20

// FullPolicy says what a MemoryStore does with a new key when it is at its key cap and no
// entry can be evicted without resetting a client that is still limited.
type FullPolicy string

const (
	// FullDeny (the default) refuses the new key with ErrStoreFull, which the middleware
	// answers with 503 and Retry-After. Known clients keep being served and limited.
	FullDeny FullPolicy = "deny"
	// FullAllow admits the new key's requests without tracking them (Result.Degraded).
	FullAllow FullPolicy = "allow"
)

// MemoryStoreConfig configures a MemoryStore. The zero value is safe: at most
// DefaultMaxKeys keys, one shard per quarter GOMAXPROCS rounded up (at least 256 shards),
// new keys refused when full, an idle sweep per shard at most once a minute.
type MemoryStoreConfig struct {
	// MaxKeys is a hard cap on the keys held, across all policies that share the store.
	// An attacker who mints keys (rotating addresses, random header values) cannot grow
	// the store past it. 0 means DefaultMaxKeys.
	MaxKeys int `yaml:"max_keys"`
	// Shards is the number of independently locked partitions, rounded up to a power of
	// two. Each shard holds at most MaxKeys/Shards keys. 0 picks a count from GOMAXPROCS.
	Shards int `yaml:"shards"`
	// WhenFull is what happens to a new key when its shard is full of entries that are
	// still limiting someone: "deny" (default) or "allow".
	WhenFull FullPolicy `yaml:"when_full"`
	// SweepInterval is how often a shard drops entries that have fully refilled, checked
	// when a new key arrives (no background goroutine). 0 means one minute.
	SweepInterval time.Duration `yaml:"sweep_interval"`
	// Logger receives a warning when the store first fills up. nil means slog.Default().
	Logger *slog.Logger `yaml:"-"`
}

// MemoryStore is a Store in this process's memory: sharded hash tables from a keyed 64-bit
// hash of the key to at most 16 bytes of state (SlidingLog: one timestamp per admitted
// unit still in the window, in a ring that grows to at most the limit), with a hard cap on
// keys.
//
// Eviction drops only entries that have fully refilled (their state equals a key never
// seen), so flooding the store with new keys can never reset a client who is over its
// limit: at the cap, new keys are refused (or admitted untracked) instead. Keys are hashed
// with a per-store random seed, so stored state reveals no key, and collisions cannot be
// aimed at: two live keys share state with probability about n²/2⁶⁵ (under 10⁻⁷ at a
// million keys).
//
// A decision on an existing key allocates nothing. State is per process: use a RedisStore
// to enforce one limit across instances.
type MemoryStore struct {
	seed        maphash.Seed
	shards      []shard
	shift       uint
	capPerShard int
	whenFull    FullPolicy
	sweepEvery  int64
	log         *slog.Logger
	warned      atomic.Bool
	evicted     atomic.Uint64
	refused     atomic.Uint64
}

// shard is one lock's worth of the store, with a table per kind of state.
type shard struct {
	mu        sync.Mutex
	gcra      table[int64]
	fixed     table[window]
	sliding   table[window]
	logs      table[*logEntry]
	lastSweep int64
	nextSweep int64    // when full: no entry can have refilled before this
	_         [64]byte // keeps neighbouring shards' locks off one cache line
}

func (sh *shard) len() int { return sh.gcra.n + sh.fixed.n + sh.sliding.n + sh.logs.n }

// logEntry is a SlidingLog ring and the window that ages it, for sweeping.
type logEntry struct {
	logState
	period int64
}

// minSweepGap bounds how often a full shard is swept while it cannot evict anything.
const minSweepGap = int64(time.Millisecond)

// NewMemoryStore validates cfg and returns a MemoryStore.
func NewMemoryStore(cfg MemoryStoreConfig) (*MemoryStore, error) {
	if cfg.MaxKeys < 0 {
		return nil, fmt.Errorf("%w: MemoryStoreConfig.MaxKeys: must not be negative (got %d)", ErrInvalidConfig, cfg.MaxKeys)
	}
	if cfg.Shards < 0 || cfg.Shards > 1<<16 {
		return nil, fmt.Errorf("%w: MemoryStoreConfig.Shards: must be 0 to 65536 (got %d)", ErrInvalidConfig, cfg.Shards)
	}
	if cfg.SweepInterval < 0 {
		return nil, fmt.Errorf("%w: MemoryStoreConfig.SweepInterval: must not be negative (got %v)", ErrInvalidConfig, cfg.SweepInterval)
	}
	switch cfg.WhenFull {
	case "":
		cfg.WhenFull = FullDeny
	case FullDeny, FullAllow:
	default:
		return nil, fmt.Errorf("%w: MemoryStoreConfig.WhenFull: must be %q or %q (got %q)", ErrInvalidConfig, FullDeny, FullAllow, cfg.WhenFull)
	}
	maxKeys := cfg.MaxKeys
	if maxKeys == 0 {
		maxKeys = DefaultMaxKeys
	}
	n := cfg.Shards
	if n == 0 {
		n = max(256, 4*runtime.GOMAXPROCS(0))
	}
	n = 1 << bits.Len(uint(n-1)) // round up to a power of two
	for n > 1 && maxKeys/n < 64 {
		n /= 2 // small caps: fewer, fuller shards, so one shard is not full at a handful of keys
	}
	sweep := cfg.SweepInterval
	if sweep == 0 {
		sweep = time.Minute
	}
	logger := cfg.Logger
	if logger == nil {
		logger = slog.Default()
	}
	return &MemoryStore{
		seed:        maphash.MakeSeed(),
		shards:      make([]shard, n),
		shift:       uint(64 - bits.Len(uint(n-1))),
		capPerShard: max(1, maxKeys/n),
		whenFull:    cfg.WhenFull,
		sweepEvery:  int64(sweep),
		log:         logger,
	}, nil
}

// mustMemoryStore builds the default store, whose configuration cannot be invalid.
func mustMemoryStore() *MemoryStore {
	s, err := NewMemoryStore(MemoryStoreConfig{})
	if err != nil {
		panic(err) // unreachable: the zero config is valid
	}
	return s
}

// Take implements Store.
func (s *MemoryStore) Take(_ context.Context, q *Quota, key string, cost int64, now time.Time) (Result, error) {
	if err := q.check(); err != nil {
		return Result{}, err
	}
	if key == "" {
		return Result{}, ErrEmptyKey
	}
	if q.special {
		return q.trivial(cost, now.UnixNano())
	}
	var r Result
	err := s.take(q, s.hashString(q, key), cost, now.UnixNano(), &r)
	return r, err
}

// Reset implements Store.
func (s *MemoryStore) Reset(_ context.Context, q *Quota, key string) error {
	if err := q.check(); err != nil {
		return err
	}
	h := s.hashString(q, key)
	sh := s.shard(h)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	switch q.Algorithm {
	case GCRA:
		sh.gcra.delete(h)
	case FixedWindow:
		sh.fixed.delete(h)
	case SlidingWindow:
		sh.sliding.delete(h)
	case SlidingLog:
		sh.logs.delete(h)
	}
	return nil
}

func (s *MemoryStore) hashString(q *Quota, key string) uint64 {
	return keyHash(maphash.String(s.seed, key) ^ q.ns)
}

func (s *MemoryStore) hashBytes(q *Quota, key []byte) uint64 {
	return keyHash(maphash.Bytes(s.seed, key) ^ q.ns)
}

func (s *MemoryStore) shard(h uint64) *shard {
	return &s.shards[(h*0x9E3779B97F4A7C15)>>s.shift&uint64(len(s.shards)-1)]
}

// take is the decision on a hashed key at now (ns since the Unix epoch), written into r.
// It is the hot path: a key already held costs one lock, one probe and the algorithm's
// arithmetic; keys not held go through takeNew.
func (s *MemoryStore) take(q *Quota, h uint64, cost, now int64, r *Result) error {
	sh := s.shard(h)
	var v verdict
	sh.mu.Lock()
	held := false
	switch q.Algorithm {
	case GCRA:
		if p := sh.gcra.get(h); p != nil {
			if tat, write := gcraStep(q, *p, now, cost, &v); write {
				*p = tat
			}
			held = true
		}
	case FixedWindow:
		if p := sh.fixed.get(h); p != nil {
			if w, write := fixedStep(q, *p, now, cost, &v); write {
				*p = w
			}
			held = true
		}
	case SlidingWindow:
		if p := sh.sliding.get(h); p != nil {
			if w, write := slidingStep(q, *p, now, cost, &v); write {
				*p = w
			}
			held = true
		}
	case SlidingLog:
		if p := sh.logs.get(h); p != nil {
			e := *p
			if l := logStep(q, &e.logState, now, cost, &v); l != &e.logState {
				e.logState = *l // the ring was reallocated for a new limit
			}
			e.period = q.period
			held = true
		}
	}
	if !held {
		if wait, refused := s.takeNew(sh, q, h, cost, now, &v); refused {
			sh.mu.Unlock()
			return s.refuse(q, &v, cost, wait, r)
		}
	}
	sh.mu.Unlock()
	return q.fill(r, &v, cost)
}

// takeNew is take for a key that sh does not hold, called with sh.mu held. The decision
// starts from the state of a key never seen, and the key is stored only when the decision
// charged it: after a peek, a denial or a refund its state is still that of a key never
// seen. A key that would be stored but finds the shard full is refused, with the wait
// until a sweep may find room.
//
//go:noinline
func (s *MemoryStore) takeNew(sh *shard, q *Quota, h uint64, cost, now int64, v *verdict) (wait int64, refused bool) {
	var (
		tat   int64
		w     window
		l     *logState
		write bool
	)
	switch q.Algorithm {
	case GCRA:
		tat, write = gcraStep(q, 0, now, cost, v)
	case FixedWindow:
		w, write = fixedStep(q, window{}, now, cost, v)
	case SlidingWindow:
		w, write = slidingStep(q, window{}, now, cost, v)
	case SlidingLog:
		l = logStep(q, nil, now, cost, v)
		write = cost > 0 && v.allowed
	}
	if !write || cost <= 0 || !v.allowed {
		return 0, false
	}
	if !s.admit(sh, now, v.reset) {
		return max(sh.nextSweep-now, minSweepGap), true
	}
	switch q.Algorithm {
	case GCRA:
		*sh.gcra.put(h) = tat
	case FixedWindow:
		*sh.fixed.put(h) = w
	case SlidingWindow:
		*sh.sliding.put(h) = w
	case SlidingLog:
		*sh.logs.put(h) = &logEntry{logState: *l, period: q.period}
	}
	return 0, false
}

// admit reports whether sh may take a new key whose first reset is after reset ns.
func (s *MemoryStore) admit(sh *shard, now, reset int64) bool {
	if !s.room(sh, now) {
		return false
	}
	// The new entry refills no earlier than its first reset: a full shard need not be
	// swept before the earliest such time.
	sh.nextSweep = min(sh.nextSweep, now+max(reset, minSweepGap))
	return true
}

// room reports whether sh may take one more key, sweeping refilled entries when it is
// due or when the shard is full. Called with sh.mu held.
func (s *MemoryStore) room(sh *shard, now int64) bool {
	if now-sh.lastSweep >= s.sweepEvery {
		s.sweep(sh, now)
	}
	if sh.len() < s.capPerShard {
		return true
	}
	if now >= sh.nextSweep && now-sh.lastSweep >= minSweepGap {
		s.sweep(sh, now)
	}
	return sh.len() < s.capPerShard
}

// sweep drops every entry of sh whose state has fully refilled, and records when the
// earliest remaining one will have. The work is bounded by the shard's cap.
func (s *MemoryStore) sweep(sh *shard, now int64) {
	next := int64(math.MaxInt64)
	stale := func(exp int64) bool {
		if exp <= now {
			return true
		}
		next = min(next, exp)
		return false
	}
	dropped := sh.gcra.sweep(func(tat *int64) bool { return stale(*tat) }) +
		sh.fixed.sweep(func(w *window) bool { return stale(w.at) }) +
		sh.sliding.sweep(func(w *window) bool { return stale(w.at) }) +
		sh.logs.sweep(func(e **logEntry) bool { return stale((*e).expiry((*e).period)) })
	sh.lastSweep = now
	sh.nextSweep = max(next, now+minSweepGap)
	if dropped > 0 {
		s.evicted.Add(uint64(dropped))
	}
}

// refuse answers a new key that found its shard full.
func (s *MemoryStore) refuse(q *Quota, v *verdict, cost, wait int64, r *Result) error {
	s.refused.Add(1)
	if s.warned.CompareAndSwap(false, true) {
		s.log.Warn("ratelimit: memory store is full of keys that are still limited; new keys are "+map[FullPolicy]string{FullDeny: "refused", FullAllow: "admitted untracked"}[s.whenFull],
			slog.Int("max_keys", s.capPerShard*len(s.shards)), slog.String("policy", q.Name))
	}
	if err := q.fill(r, v, cost); err != nil {
		return err
	}
	if s.whenFull == FullAllow {
		r.Degraded = true
		return nil
	}
	*r = Result{Limit: r.Limit, RetryAfter: time.Duration(wait), Time: r.Time}
	return fmt.Errorf("%w: %d keys held; no entry has refilled yet", ErrStoreFull, s.capPerShard*len(s.shards))
}

// MemoryStats counts what a MemoryStore holds and has done.
type MemoryStats struct {
	Keys    int    // keys held now
	MaxKeys int    // the effective cap: MaxKeys rounded down to a multiple of the shard count
	Evicted uint64 // refilled entries dropped by sweeps
	Refused uint64 // new keys turned away (or admitted untracked) because the store was full
}

// Stats returns the store's counters. It locks each shard briefly.
func (s *MemoryStore) Stats() MemoryStats {
	st := MemoryStats{MaxKeys: s.capPerShard * len(s.shards), Evicted: s.evicted.Load(), Refused: s.refused.Load()}
	for i := range s.shards {
		sh := &s.shards[i]
		sh.mu.Lock()
		st.Keys += sh.len()
		sh.mu.Unlock()
	}
	return st
}
