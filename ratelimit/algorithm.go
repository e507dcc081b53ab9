package ratelimit

import (
	"fmt"
	"math"
	"strings"
)

// Algorithm chooses how a Rate is enforced. The four algorithms agree on the long-run
// rate and differ in what they admit inside one window. The worst case given for each is
// the most requests an adversary can get admitted inside any window [s, s+Period), for a
// rate of N per Period: N = 3 for the tutorials' "3/10s". The chart in docs/ratelimit.md
// is generated from this package, and the bounds are tested.
type Algorithm uint8

const (
	// GCRA (the default) is the generic cell rate algorithm, a token bucket kept as one
	// timestamp per key: Burst units at once from a rested state, then one unit every
	// Period/Limit. Worst case: Burst + N - 1 in one Period (2N-1 with the default
	// burst: N at once, then one every Period/N). O(1) time, 8 bytes of state per key,
	// exact Retry-After.
	GCRA Algorithm = iota

	// SlidingLog keeps the time of every admitted unit and admits a request only while
	// fewer than N units lie in the Period before it: the tutorials' list of timestamps
	// and DRF's history. Worst case: exactly N in any Period. O(N) memory per key, so
	// Limit is capped at 1000; meant for small limits such as logins.
	SlidingLog

	// SlidingWindow is the sliding-window counter: the previous window's count weighted
	// by how much of it still overlaps the last Period, plus the current window's count.
	// Worst case: 2N-1 in one Period, when the previous window was spent at its very
	// end; steady traffic stays close to N. 16 bytes of state per key.
	SlidingWindow

	// FixedWindow counts units in windows aligned to the Unix epoch (so "1000/d" resets
	// at 00:00 UTC). Worst case: 2N in one Period, N at the end of a window and N at
	// the start of the next. 16 bytes of state per key. Meant for quotas.
	FixedWindow
)

var algorithmNames = [...]string{GCRA: "gcra", SlidingLog: "sliding_log", SlidingWindow: "sliding_window", FixedWindow: "fixed_window"}

// maxLogLimit caps SlidingLog's Limit: it keeps one timestamp per admitted unit.
const maxLogLimit = 1000

// String returns the algorithm's settings name: gcra, sliding_log, sliding_window or
// fixed_window.
func (a Algorithm) String() string {
	if int(a) < len(algorithmNames) {
		return algorithmNames[a]
	}
	return fmt.Sprintf("Algorithm(%d)", uint8(a))
}

// ParseAlgorithm reads an algorithm name as String writes it; "-" may stand for "_" and
// case is ignored. The empty string is GCRA, the default.
func ParseAlgorithm(s string) (Algorithm, error) {
	norm := strings.ReplaceAll(strings.ToLower(strings.TrimSpace(s)), "-", "_")
	if norm == "" {
		return GCRA, nil
	}
	for i, name := range algorithmNames {
		if norm == name {
			return Algorithm(i), nil
		}
	}
	return 0, fmt.Errorf("%w: unknown algorithm %q; use gcra, sliding_log, sliding_window or fixed_window", ErrInvalidConfig, s)
}

// MarshalText implements encoding.TextMarshaler.
func (a Algorithm) MarshalText() ([]byte, error) {
	if int(a) >= len(algorithmNames) {
		return nil, fmt.Errorf("%w: unknown algorithm %d", ErrInvalidConfig, uint8(a))
	}
	return []byte(a.String()), nil
}

// UnmarshalText implements encoding.TextUnmarshaler with ParseAlgorithm.
func (a *Algorithm) UnmarshalText(text []byte) error {
	v, err := ParseAlgorithm(string(text))
	if err != nil {
		return err
	}
	*a = v
	return nil
}

// The functions below are the algorithms themselves, in integer nanoseconds since the Unix
// epoch. The memory store calls them under a shard lock; redis.lua mirrors them in
// microseconds. cost > 0 charges, cost == 0 peeks, and cost < 0 refunds units that a
// decision charged at time now (its verdict's now).

// verdict is one decision in store units.
type verdict struct {
	allowed   bool
	tooBig    bool  // the cost can never fit
	remaining int64 // units left after the decision
	retry     int64 // ns until the same request would be admitted (denials)
	reset     int64 // ns until more quota is available; 0 when the quota is full
	now       int64 // the time the decision was taken at, after clock clamping
}

// gcraStep applies GCRA to the stored theoretical arrival time tat (0 when absent) and
// returns the new tat and whether it must be written.
func gcraStep(q *Quota, tat, now, cost int64, v *verdict) (int64, bool) {
	T, tau := q.interval, q.tau
	if tat < now {
		tat = now
	}
	*v = verdict{now: now}
	if cost < 0 {
		v.allowed = true
		return max(now, tat+cost*T), true
	}
	write := false
	switch newTat := tat + cost*T; {
	case cost > q.burst:
		v.tooBig = true
	case newTat-now > tau:
		v.retry = newTat - tau - now
	default:
		tat, write, v.allowed = newTat, cost > 0, true
	}
	x := tau - (tat - now) // free capacity, in ns of emission
	v.remaining = max(0, x/T)
	if v.remaining < q.burst {
		v.reset = (v.remaining+1)*T - x
	}
	return tat, write
}

// window is the stored state of both window algorithms: an end or expiry time and a count
// (FixedWindow) or two counts packed as prev<<32|curr (SlidingWindow).
type window struct {
	at    int64
	count int64
}

// fixedStep applies FixedWindow to w (zero when absent). w.at is the end of the window.
func fixedStep(q *Quota, w window, now, cost int64, v *verdict) (window, bool) {
	W := q.period
	*v = verdict{now: now}
	if cost < 0 {
		v.allowed = true
		if w.at-W <= now && now < w.at { // the refunded charge is in the stored window
			w.count = max(0, w.count+cost)
			return w, true
		}
		return w, false
	}
	if w.at <= now {
		w = window{at: now - now%W + W}
	}
	write := false
	switch {
	case cost > q.limit:
		v.tooBig = true
	case w.count+cost > q.limit:
		v.retry = w.at - now
	default:
		w.count += cost
		write, v.allowed = cost > 0, true
	}
	v.remaining = max(0, q.limit-w.count)
	if w.count > 0 {
		v.reset = w.at - now
	}
	return w, write
}

// slidingStep applies SlidingWindow to w (zero when absent). w.at is the start of the
// window that counts curr, plus two windows: the time after which the state is fresh.
func slidingStep(q *Quota, w window, now, cost int64, v *verdict) (window, bool) {
	W := q.period
	prev, curr := w.count>>32, w.count&math.MaxUint32
	start := w.at - 2*W
	*v = verdict{now: now}
	if cost < 0 {
		v.allowed = true
		orig := now - now%W
		switch {
		case w.at != 0 && start == orig:
			curr = max(0, curr+cost)
		case w.at != 0 && start == orig+W:
			prev = max(0, prev+cost)
		default:
			return w, false
		}
		return window{w.at, prev<<32 | curr}, true
	}
	switch cur := now - now%W; {
	case w.at != 0 && start == cur:
	case w.at != 0 && start == cur-W:
		prev, curr, start = curr, 0, cur
	case w.at != 0 && start > cur:
		now = start // the store saw a later clock: count from the start of its window
	default:
		prev, curr, start = 0, 0, cur
	}
	e := now - start
	used := slidingUsed(prev, curr, e, W)
	v.now = now
	write := false
	switch {
	case cost > q.limit:
		v.tooBig = true
	case used+float64(cost) > float64(q.limit):
		v.retry = slidingWait(prev, curr, e, W, float64(q.limit-cost))
	default:
		curr += cost
		used += float64(cost)
		write, v.allowed = cost > 0, true
	}
	v.remaining = min(q.limit, max(0, int64(math.Floor(float64(q.limit)-used))))
	if used > 0 && v.remaining < q.limit {
		v.reset = slidingWait(prev, curr, e, W, float64(q.limit-v.remaining-1))
	}
	return window{start + 2*W, prev<<32 | curr}, write
}

func slidingUsed(prev, curr, e, W int64) float64 {
	return float64(prev)*float64(W-e)/float64(W) + float64(curr)
}

// slidingWait returns the ns until prev·(W-e')/W + curr falls to target or below, where
// e' is the elapsed part of the current window: first the previous window's weight decays
// through the rest of the current window, then the current count becomes the previous one.
func slidingWait(prev, curr, e, W int64, target float64) int64 {
	if target < 0 || slidingUsed(prev, curr, e, W) <= target {
		return 0
	}
	fW := float64(W)
	if float64(curr) <= target && prev > 0 {
		x := int64(math.Ceil(fW - (target-float64(curr))*fW/float64(prev)))
		return max(1, x-e)
	}
	x := int64(math.Ceil(fW - target*fW/float64(curr)))
	return W - e + x
}

// logState is SlidingLog's state: a ring of admitted times, oldest first. The ring grows
// with use, up to the quota's limit, so a key costs 8 bytes per admitted unit still in the
// window (16 at worst, just after the ring doubles), not the limit's worth from its first
// request: an attacker who mints keys cannot make each one cost 8 KB under "1000/h".
type logState struct {
	ts    []int64 // the ring; len is its capacity, at most limit
	head  int     // index of the oldest entry
	n     int     // live entries
	limit int     // the quota's limit the ring was built for
}

// minLogRing is the smallest ring a key gets.
const minLogRing = 2

func (l *logState) at(i int) int64 { return l.ts[(l.head+i)%len(l.ts)] }

// expiry is when every entry has left the window and the state is fresh.
func (l *logState) expiry(W int64) int64 {
	if l.n == 0 {
		return 0
	}
	return l.at(l.n-1) + W
}

// grow makes room for want live entries (want ≤ l.limit), keeping their order.
func (l *logState) grow(want int) {
	if want <= len(l.ts) {
		return
	}
	ts := make([]int64, min(l.limit, max(want, 2*len(l.ts), minLogRing)))
	for i := range l.n {
		ts[i] = l.at(i)
	}
	l.ts, l.head = ts, 0
}

// logStep applies SlidingLog to l, which it allocates, or reallocates when the quota's
// limit changed. An entry at time t counts while now-t < W, as in DRF's history, so at
// most N fall in any window [s, s+W).
func logStep(q *Quota, l *logState, now, cost int64, v *verdict) *logState {
	W, N := q.period, int(q.limit)
	if l == nil || l.limit != N {
		old := l
		l = &logState{limit: N}
		if old != nil { // keep the newest entries that fit
			keep := min(old.n, N)
			l.grow(keep)
			for i := old.n - keep; i < old.n; i++ {
				l.ts[l.n] = old.at(i)
				l.n++
			}
		}
	}
	if cost < 0 {
		for k := int64(0); k < -cost && l.remove(now); k++ {
		}
		*v = verdict{allowed: true, now: now}
		return l
	}
	if l.n > 0 {
		now = max(now, l.at(l.n-1)) // keep the ring sorted if clocks disagree slightly
	}
	for l.n > 0 && now-l.at(0) >= W {
		l.head = (l.head + 1) % len(l.ts)
		l.n--
	}
	*v = verdict{now: now}
	switch {
	case cost > int64(N):
		v.tooBig = true
	case l.n+int(cost) > N:
		v.retry = l.at(l.n+int(cost)-N-1) + W - now
	default:
		l.grow(l.n + int(cost))
		for k := int64(0); k < cost; k++ {
			l.ts[(l.head+l.n)%len(l.ts)] = now
			l.n++
		}
		v.allowed = true
	}
	v.remaining = int64(N - l.n)
	if l.n > 0 {
		v.reset = l.at(0) + W - now
	}
	return l
}

// remove deletes the newest entry equal to t, shifting the newer ones down.
func (l *logState) remove(t int64) bool {
	N := len(l.ts)
	for i := l.n - 1; i >= 0; i-- {
		if l.at(i) != t {
			continue
		}
		for j := i; j < l.n-1; j++ {
			l.ts[(l.head+j)%N] = l.at(j + 1)
		}
		l.n--
		return true
	}
	return false
}
