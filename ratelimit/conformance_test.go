package ratelimit

import (
	"context"
	"errors"
	"math/rand/v2"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// The conformance suite runs every algorithm against every Store with an injected clock,
// so the memory store and the Lua script are held to the same answers.

// epoch is midnight UTC, so windows of a second, a minute, an hour and a day start there.
var epoch = time.Unix(19675*86400, 0)

func at(d time.Duration) time.Time { return epoch.Add(d) }

const ms = time.Millisecond

type storeFactory struct {
	name string
	new  func(t *testing.T) Store
}

func memoryFactory() storeFactory {
	return storeFactory{"memory", func(t *testing.T) Store {
		s, err := NewMemoryStore(MemoryStoreConfig{})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}}
}

// limiterFor builds a limiter on a fresh store from f.
func limiterFor(t *testing.T, f storeFactory, rate string, alg Algorithm) *Limiter {
	t.Helper()
	l, err := NewLimiter(LimiterConfig{Name: "conf", Rate: MustParseRate(rate), Algorithm: alg, Store: f.new(t)})
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// step is one request of a scripted scenario and what must come of it.
type step struct {
	t         time.Duration
	cost      int64 // 0 means 1
	allowed   bool
	remaining int64
	retry     time.Duration // checked to the millisecond when allowed is false
	reset     time.Duration // checked to the millisecond when not -1
}

func runSteps(t *testing.T, l *Limiter, key string, steps []step) {
	t.Helper()
	ctx := context.Background()
	for i, s := range steps {
		cost := s.cost
		if cost == 0 {
			cost = 1
		}
		r, err := l.AllowNAt(ctx, key, cost, at(s.t))
		if err != nil {
			t.Fatalf("step %d (t=%v): %v", i, s.t, err)
		}
		if r.Allowed != s.allowed || r.Remaining != s.remaining {
			t.Fatalf("step %d (t=%v): allowed=%v remaining=%d, want allowed=%v remaining=%d", i, s.t, r.Allowed, r.Remaining, s.allowed, s.remaining)
		}
		if !s.allowed && !near(r.RetryAfter, s.retry) {
			t.Fatalf("step %d (t=%v): RetryAfter=%v, want %v", i, s.t, r.RetryAfter, s.retry)
		}
		if s.reset >= 0 && !near(r.ResetAfter, s.reset) {
			t.Fatalf("step %d (t=%v): ResetAfter=%v, want %v", i, s.t, r.ResetAfter, s.reset)
		}
	}
}

// near compares durations to the millisecond: the memory store counts in nanoseconds and
// the Redis script in microseconds.
func near(got, want time.Duration) bool {
	d := got - want
	return d > -ms && d < ms
}

func runConformance(t *testing.T, f storeFactory) {
	t.Run("TutorialThreePerTenSeconds", func(t *testing.T) {
		// The tutorials' throttle: 3 per 10 s per IP, kept as a list of timestamps.
		l := limiterFor(t, f, "3/10s", SlidingLog)
		runSteps(t, l, "127.0.0.1", []step{
			{t: 0, allowed: true, remaining: 2, reset: 10 * time.Second},
			{t: 1 * time.Second, allowed: true, remaining: 1, reset: 9 * time.Second},
			{t: 2 * time.Second, allowed: true, remaining: 0, reset: 8 * time.Second},
			{t: 3 * time.Second, allowed: false, remaining: 0, retry: 7 * time.Second, reset: 7 * time.Second},
			{t: 10*time.Second - ms, allowed: false, remaining: 0, retry: ms, reset: ms},
			// At 10 s the first request leaves the window (DRF's history drops t once
			// now - t >= 10 s), and one more fits.
			{t: 10 * time.Second, allowed: true, remaining: 0, reset: time.Second},
			{t: 10500 * time.Millisecond, allowed: false, remaining: 0, retry: 500 * ms, reset: 500 * ms},
			{t: 20*time.Second - ms, allowed: true, remaining: 1, reset: -1},
		})
	})

	t.Run("TwentyPerMinute", func(t *testing.T) {
		// The tutorials' exercise: no more than 20 visits per minute per IP.
		l := limiterFor(t, f, "20/m", SlidingLog)
		ctx := context.Background()
		for i := range 20 {
			r, err := l.AllowAt(ctx, "ip", at(time.Duration(i)*time.Second))
			if err != nil || !r.Allowed {
				t.Fatalf("visit %d: %+v %v", i+1, r, err)
			}
		}
		r, _ := l.AllowAt(ctx, "ip", at(59*time.Second))
		if r.Allowed || !near(r.RetryAfter, time.Second) {
			t.Fatalf("21st visit in the minute: %+v", r)
		}
		if r, _ := l.AllowAt(ctx, "other", at(59*time.Second)); !r.Allowed {
			t.Fatal("another IP shares the first one's count")
		}
	})

	t.Run("SlidingLogMatchesModel", func(t *testing.T) {
		l := limiterFor(t, f, "3/10s", SlidingLog)
		times := randomSchedule(rand.New(rand.NewPCG(1, 2)), 250, 90*time.Second)
		got := replay(t, l, "k", times)
		want := slidingLogModel(times, 3, 10*time.Second)
		for i := range times {
			if got[i] != want[i] {
				t.Fatalf("request %d at %v: admitted=%v, the exact sliding log says %v", i, times[i], got[i], want[i])
			}
		}
		if n := maxInWindow(times, got, 10*time.Second); n != 3 {
			t.Fatalf("most admitted in a 10 s window: %d, want 3", n)
		}
	})

	t.Run("GCRABurstThenEmission", func(t *testing.T) {
		l := limiterFor(t, f, "3/10s", GCRA)
		// The emission interval is 10 s / 3 rounded up (to the microsecond in Redis), so
		// that 3 intervals never fit inside 10 s.
		T := 3333334 * time.Microsecond
		runSteps(t, l, "k", []step{
			{t: 0, allowed: true, remaining: 2, reset: T},
			{t: 0, allowed: true, remaining: 1, reset: T},
			{t: 0, allowed: true, remaining: 0, reset: T},
			{t: 0, allowed: false, remaining: 0, retry: T, reset: T},
			{t: T - 10*ms, allowed: false, remaining: 0, retry: 10 * ms, reset: 10 * ms},
			{t: T, allowed: true, remaining: 0, reset: T},
			{t: 10*time.Second + ms, allowed: true, remaining: 1, reset: -1},
		})
	})

	t.Run("GCRAExplicitBurst", func(t *testing.T) {
		l := limiterFor(t, f, "10/s;burst=2", GCRA)
		runSteps(t, l, "k", []step{
			{t: 0, allowed: true, remaining: 1, reset: 100 * ms},
			{t: 0, allowed: true, remaining: 0, reset: 100 * ms},
			{t: 0, allowed: false, remaining: 0, retry: 100 * ms, reset: 100 * ms},
			{t: 100 * ms, allowed: true, remaining: 0, reset: 100 * ms},
			{t: 400 * ms, allowed: true, remaining: 1, reset: -1},
		})
	})

	t.Run("FixedWindowBoundary", func(t *testing.T) {
		// Windows are aligned to the epoch: 3 at the end of one and 3 at the start of the
		// next are 6 inside 2 seconds, the documented 2N worst case.
		l := limiterFor(t, f, "3/10s", FixedWindow)
		runSteps(t, l, "k", []step{
			{t: 9 * time.Second, allowed: true, remaining: 2, reset: time.Second},
			{t: 9 * time.Second, allowed: true, remaining: 1, reset: time.Second},
			{t: 9 * time.Second, allowed: true, remaining: 0, reset: time.Second},
			{t: 9500 * ms, allowed: false, remaining: 0, retry: 500 * ms, reset: 500 * ms},
			{t: 10 * time.Second, allowed: true, remaining: 2, reset: 10 * time.Second},
			{t: 10 * time.Second, allowed: true, remaining: 1, reset: 10 * time.Second},
			{t: 11 * time.Second, allowed: true, remaining: 0, reset: 9 * time.Second},
			{t: 11 * time.Second, allowed: false, remaining: 0, retry: 9 * time.Second, reset: 9 * time.Second},
		})
	})

	t.Run("SlidingWindowWeightsThePreviousWindow", func(t *testing.T) {
		l := limiterFor(t, f, "4/10s", SlidingWindow)
		runSteps(t, l, "k", []step{
			{t: 8 * time.Second, allowed: true, remaining: 3, reset: -1},
			{t: 8 * time.Second, allowed: true, remaining: 2, reset: -1},
			{t: 8 * time.Second, allowed: true, remaining: 1, reset: -1},
			{t: 8 * time.Second, allowed: true, remaining: 0, reset: 2*time.Second + 2500*ms},
			// At 12.5 s, 4·(10-2.5)/10 = 3 of the previous window still count: one more fits.
			{t: 12500 * ms, allowed: true, remaining: 0, reset: 2500 * ms},
			{t: 12500 * ms, allowed: false, remaining: 0, retry: 2500 * ms, reset: 2500 * ms},
			// At 15 s the weight is 2 and one is current: one more fits.
			{t: 15 * time.Second, allowed: true, remaining: 0, reset: 2500 * ms},
		})
	})

	t.Run("PeekDoesNotCharge", func(t *testing.T) {
		for _, alg := range []Algorithm{GCRA, SlidingLog, SlidingWindow, FixedWindow} {
			l := limiterFor(t, f, "2/m", alg)
			ctx := context.Background()
			for range 3 {
				r, err := l.PeekAt(ctx, "k", at(0))
				if err != nil || !r.Allowed || r.Remaining != 2 {
					t.Fatalf("%v: peek on a new key: %+v %v", alg, r, err)
				}
			}
			l.AllowAt(ctx, "k", at(0))
			l.AllowAt(ctx, "k", at(0))
			r, err := l.PeekAt(ctx, "k", at(time.Second))
			if err != nil || r.Allowed || r.Remaining != 0 || r.RetryAfter <= 0 {
				t.Fatalf("%v: peek on a spent key: %+v %v", alg, r, err)
			}
		}
	})

	t.Run("RefundGivesUnitsBack", func(t *testing.T) {
		for _, alg := range []Algorithm{GCRA, SlidingLog, SlidingWindow, FixedWindow} {
			l := limiterFor(t, f, "2/m", alg)
			ctx := context.Background()
			first, _ := l.AllowAt(ctx, "k", at(time.Second))
			second, _ := l.AllowAt(ctx, "k", at(2*time.Second))
			if !first.Allowed || !second.Allowed {
				t.Fatalf("%v: setup", alg)
			}
			if err := l.Refund(ctx, "k", 1, first); err != nil {
				t.Fatalf("%v: refund: %v", alg, err)
			}
			r, err := l.AllowAt(ctx, "k", at(3*time.Second))
			if err != nil || !r.Allowed {
				t.Fatalf("%v: after a refund the unit is not back: %+v %v", alg, r, err)
			}
			if r, _ := l.AllowAt(ctx, "k", at(3*time.Second)); r.Allowed {
				t.Fatalf("%v: a refund gave back more than one unit", alg)
			}
		}
	})

	t.Run("RefundOfUnknownKeyCreatesNothing", func(t *testing.T) {
		l := limiterFor(t, f, "1/m", GCRA)
		ctx := context.Background()
		if err := l.Refund(ctx, "k", 5, Result{Allowed: true, Time: at(0)}); err != nil {
			t.Fatal(err)
		}
		r, _ := l.AllowAt(ctx, "k", at(0))
		if !r.Allowed || r.Remaining != 0 {
			t.Fatalf("a refund on an unknown key banked credit: %+v", r)
		}
	})

	t.Run("CostBeyondTheQuota", func(t *testing.T) {
		for _, alg := range []Algorithm{GCRA, SlidingLog, SlidingWindow, FixedWindow} {
			l := limiterFor(t, f, "5/m", alg)
			r, err := l.AllowNAt(context.Background(), "k", 6, at(0))
			if !errors.Is(err, ErrCostExceedsLimit) || r.Allowed {
				t.Fatalf("%v: cost 6 on 5/m: %+v %v", alg, r, err)
			}
			r, err = l.AllowNAt(context.Background(), "k", 5, at(0))
			if err != nil || !r.Allowed || r.Remaining != 0 {
				t.Fatalf("%v: cost 5 on a fresh 5/m: %+v %v", alg, r, err)
			}
		}
	})

	t.Run("ResetForgets", func(t *testing.T) {
		for _, alg := range []Algorithm{GCRA, SlidingLog, SlidingWindow, FixedWindow} {
			l := limiterFor(t, f, "1/h", alg)
			ctx := context.Background()
			l.AllowAt(ctx, "k", at(0))
			if r, _ := l.AllowAt(ctx, "k", at(0)); r.Allowed {
				t.Fatalf("%v: setup", alg)
			}
			if err := l.Reset(ctx, "k"); err != nil {
				t.Fatal(err)
			}
			if r, _ := l.AllowAt(ctx, "k", at(0)); !r.Allowed {
				t.Fatalf("%v: still limited after Reset", alg)
			}
		}
	})

	t.Run("ExactUnderConcurrency", func(t *testing.T) {
		// 64 goroutines hammer one key at one instant: exactly the quota is admitted.
		for _, alg := range []Algorithm{GCRA, SlidingLog, SlidingWindow, FixedWindow} {
			l := limiterFor(t, f, "50/h", alg)
			if got := hammer(l, "victim", 64, 20, func() time.Time { return at(time.Minute) }); got != 50 {
				t.Fatalf("%v: %d admitted, want exactly 50", alg, got)
			}
		}
	})
}

// hammer runs goroutines×perG decisions on key and returns how many were admitted.
func hammer(l *Limiter, key string, goroutines, perG int, now func() time.Time) int64 {
	var admitted atomic.Int64
	var wg sync.WaitGroup
	start := make(chan struct{})
	for range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			for range perG {
				if r, err := l.AllowAt(context.Background(), key, now()); err == nil && r.Allowed {
					admitted.Add(1)
				}
			}
		}()
	}
	close(start)
	wg.Wait()
	return admitted.Load()
}

func TestMemoryStoreConformance(t *testing.T) { runConformance(t, memoryFactory()) }

// randomSchedule returns n sorted request times in [0, span), in bursts, whole milliseconds.
func randomSchedule(rng *rand.Rand, n int, span time.Duration) []time.Duration {
	times := make([]time.Duration, 0, n)
	for len(times) < n {
		base := time.Duration(rng.Int64N(int64(span/ms))) * ms
		for k := rng.IntN(6); k >= 0 && len(times) < n; k-- {
			times = append(times, base+time.Duration(rng.IntN(1500))*ms)
		}
	}
	sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
	return times
}

func replay(t *testing.T, l *Limiter, key string, times []time.Duration) []bool {
	t.Helper()
	got := make([]bool, len(times))
	for i, d := range times {
		r, err := l.AllowAt(context.Background(), key, at(d))
		if err != nil {
			t.Fatal(err)
		}
		got[i] = r.Allowed
	}
	return got
}

// slidingLogModel is the tutorials' algorithm, written as plainly as possible.
func slidingLogModel(times []time.Duration, n int, w time.Duration) []bool {
	var history []time.Duration
	out := make([]bool, len(times))
	for i, now := range times {
		kept := history[:0]
		for _, h := range history {
			if now-h < w {
				kept = append(kept, h)
			}
		}
		history = kept
		if len(history) < n {
			history = append(history, now)
			out[i] = true
		}
	}
	return out
}

// maxInWindow is the most admitted requests inside any window [s, s+w).
func maxInWindow(times []time.Duration, admitted []bool, w time.Duration) int {
	var adm []time.Duration
	for i, ok := range admitted {
		if ok {
			adm = append(adm, times[i])
		}
	}
	best, j := 0, 0
	for i := range adm {
		for adm[i]-adm[j] >= w {
			j++
		}
		best = max(best, i-j+1)
	}
	return best
}
