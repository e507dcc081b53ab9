package ratelimit

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"testing"
	"time"
)

func memStore(t testing.TB, cfg MemoryStoreConfig) *MemoryStore {
	t.Helper()
	if cfg.Logger == nil {
		cfg.Logger = quietLogger()
	}
	s, err := NewMemoryStore(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func memLimiter(t testing.TB, s *MemoryStore, rate string, alg Algorithm) *Limiter {
	t.Helper()
	l, err := NewLimiter(LimiterConfig{Name: "p" + alg.String(), Rate: MustParseRate(rate), Algorithm: alg, Store: s})
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// TestKeyFloodNeverResetsALimitedClient floods a capped store with a million distinct keys,
// as an attacker rotating addresses would. The store stays under its cap, and the victim
// who was over its limit before the flood is still over it afterwards, for every
// algorithm: eviction only ever drops entries that have fully refilled.
func TestKeyFloodNeverResetsALimitedClient(t *testing.T) {
	const maxKeys, flood = 20_000, 1_000_000
	for _, whenFull := range []FullPolicy{FullDeny, FullAllow} {
		t.Run(string(whenFull), func(t *testing.T) {
			s := memStore(t, MemoryStoreConfig{MaxKeys: maxKeys, WhenFull: whenFull})
			ctx := context.Background()
			algs := []Algorithm{GCRA, SlidingLog, SlidingWindow, FixedWindow}
			victims := make([]*Limiter, len(algs))
			for i, alg := range algs {
				victims[i] = memLimiter(t, s, "10/h", alg)
				for range 10 {
					victims[i].AllowAt(ctx, "victim", at(time.Minute))
				}
			}
			attacker := memLimiter(t, s, "10/h", GCRA)
			var buf []byte
			refused, untracked := 0, 0
			for i := range flood {
				buf = strconv.AppendInt(buf[:0], int64(i), 10)
				now := at(time.Minute + time.Duration(i)*time.Microsecond)
				r, err := attacker.AllowAt(ctx, string(buf), now)
				switch {
				case errors.Is(err, ErrStoreFull):
					refused++
				case err != nil:
					t.Fatal(err)
				case r.Degraded:
					untracked++
				}
				if i%100_000 == 0 {
					if k := s.Stats().Keys; k > maxKeys {
						t.Fatalf("after %d keys the store holds %d, above its cap of %d", i, k, maxKeys)
					}
				}
			}
			st := s.Stats()
			if st.Keys > maxKeys || st.Keys < maxKeys*9/10 {
				t.Fatalf("store holds %d keys; want close to and never above %d", st.Keys, maxKeys)
			}
			if whenFull == FullDeny && refused < flood-maxKeys || whenFull == FullAllow && untracked < flood-maxKeys {
				t.Fatalf("refused %d, untracked %d of %d", refused, untracked, flood)
			}
			for i, v := range victims {
				r, err := v.AllowAt(ctx, "victim", at(time.Minute+2*time.Second))
				if err != nil || r.Allowed {
					t.Fatalf("%v: the flood reset the victim's limit: %+v %v", algs[i], r, err)
				}
			}
			// Once the flood's entries have refilled, new keys are welcome again.
			later := at(3 * time.Hour)
			if r, err := attacker.AllowAt(ctx, "newcomer", later); err != nil || !r.Allowed || r.Degraded {
				t.Fatalf("a new key after the flood refilled: %+v %v", r, err)
			}
			if s.Stats().Evicted == 0 {
				t.Fatal("nothing was evicted")
			}
		})
	}
}

func TestFloodOfShortLivedKeysIsEvictedNotRefused(t *testing.T) {
	// Entries that refill within a millisecond make room for new keys as the flood goes.
	s := memStore(t, MemoryStoreConfig{MaxKeys: 4096})
	l := memLimiter(t, s, "1000/s", GCRA)
	ctx := context.Background()
	for i := range 200_000 {
		r, err := l.AllowAt(ctx, strconv.Itoa(i), at(time.Duration(i)*10*time.Microsecond))
		if err != nil || !r.Allowed {
			t.Fatalf("key %d: %+v %v", i, r, err)
		}
	}
	if st := s.Stats(); st.Keys > 4096 || st.Evicted == 0 || st.Refused != 0 {
		t.Fatalf("stats %+v", st)
	}
}

func TestSweepDropsRefilledEntries(t *testing.T) {
	s := memStore(t, MemoryStoreConfig{SweepInterval: time.Minute})
	l := memLimiter(t, s, "1/s", GCRA)
	ctx := context.Background()
	for i := range 1000 {
		l.AllowAt(ctx, strconv.Itoa(i), at(0))
	}
	if k := s.Stats().Keys; k != 1000 {
		t.Fatalf("%d keys", k)
	}
	// New keys after the sweep interval make each shard drop what has refilled.
	for i := range 5000 {
		l.AllowAt(ctx, "late"+strconv.Itoa(i), at(2*time.Minute))
	}
	if st := s.Stats(); st.Evicted != 1000 || st.Keys != 5000 {
		t.Fatalf("stats %+v: want the 1000 refilled keys evicted", st)
	}
}

func TestMemoryStoreValidates(t *testing.T) {
	for _, cfg := range []MemoryStoreConfig{{MaxKeys: -1}, {Shards: -1}, {Shards: 1 << 20}, {SweepInterval: -1}, {WhenFull: "drop-oldest"}} {
		if _, err := NewMemoryStore(cfg); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("%+v: %v", cfg, err)
		}
	}
	s := memStore(t, MemoryStoreConfig{MaxKeys: 100})
	if st := s.Stats(); st.MaxKeys > 100 || st.MaxKeys < 64 {
		t.Fatalf("a cap of 100 became %d", st.MaxKeys)
	}
}

func TestMemoryStoreRejectsUnbuiltQuotasAndEmptyKeys(t *testing.T) {
	s := memStore(t, MemoryStoreConfig{})
	ctx := context.Background()
	if _, err := s.Take(ctx, &Quota{Name: "x", Rate: PerSecond(1)}, "k", 1, time.Now()); !errors.Is(err, ErrInvalidConfig) {
		t.Fatalf("hand-made Quota: %v", err)
	}
	q, _ := NewQuota("x", GCRA, PerSecond(1))
	if _, err := s.Take(ctx, q, "", 1, time.Now()); !errors.Is(err, ErrEmptyKey) {
		t.Fatalf("empty key: %v", err)
	}
}

func TestSlidingLogSurvivesALimitChange(t *testing.T) {
	// Two quotas with one name and different limits share a key's ring; the newest
	// entries carry over.
	s := memStore(t, MemoryStoreConfig{})
	ctx := context.Background()
	big, _ := NewLimiter(LimiterConfig{Name: "login", Rate: MustParseRate("5/m"), Algorithm: SlidingLog, Store: s})
	small, _ := NewLimiter(LimiterConfig{Name: "login", Rate: MustParseRate("2/m"), Algorithm: SlidingLog, Store: s})
	for i := range 4 {
		big.AllowAt(ctx, "k", at(time.Duration(i)*time.Second))
	}
	if r, _ := small.AllowAt(ctx, "k", at(5*time.Second)); r.Allowed {
		t.Fatal("shrinking the limit forgot the history")
	}
	if r, _ := big.AllowAt(ctx, "k", at(6*time.Second)); !r.Allowed || r.Remaining != 2 {
		t.Fatalf("growing it back: %+v", r)
	}
}

// A decision on a known key allocates nothing, whatever the algorithm.
func TestMemoryDecisionAllocatesNothing(t *testing.T) {
	s := memStore(t, MemoryStoreConfig{})
	ctx := context.Background()
	for _, alg := range []Algorithm{GCRA, SlidingLog, SlidingWindow, FixedWindow} {
		rate := "1000000/s"
		if alg == SlidingLog {
			rate = "1000/ms"
		}
		l := memLimiter(t, s, rate, alg)
		now := at(0)
		l.AllowAt(ctx, "203.0.113.7", now)
		allocs := testing.AllocsPerRun(1000, func() {
			now = now.Add(time.Millisecond)
			if _, err := l.AllowAt(ctx, "203.0.113.7", now); err != nil {
				t.Fatal(err)
			}
		})
		if allocs != 0 {
			t.Errorf("%v: %v allocations per decision", alg, allocs)
		}
	}
}

// bytesPerKey measures the heap a store holds per key for one algorithm.
func bytesPerKey(t testing.TB, alg Algorithm, rate string, n int) float64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	s := memStore(t, MemoryStoreConfig{MaxKeys: 2 * n})
	l := memLimiter(t, s, rate, alg)
	ctx := context.Background()
	var buf []byte
	for i := range n {
		buf = fmt.Appendf(buf[:0], "10.%d.%d.%d", i>>16&255, i>>8&255, i&255)
		if _, err := l.AllowAt(ctx, string(buf), at(0)); err != nil {
			t.Fatal(err)
		}
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(s)
	return float64(after.HeapAlloc-before.HeapAlloc) / float64(n)
}

// TestBytesPerKey holds the memory cost of a key to its budget: at most 64 bytes for the
// O(1) algorithms; the sliding log keeps 8 bytes per admitted unit on top (a ring of at
// least two), whatever its limit, so a key minted with one request costs as little under
// "1000/h" as under "10/h".
func TestBytesPerKey(t *testing.T) {
	if testing.Short() {
		t.Skip("allocates a few tens of megabytes")
	}
	for _, alg := range []Algorithm{GCRA, SlidingWindow, FixedWindow} {
		b := bytesPerKey(t, alg, "10/h", 200_000)
		t.Logf("%v: %.1f bytes per key", alg, b)
		if b > 64 {
			t.Errorf("%v: %.1f bytes per key, budget 64", alg, b)
		}
	}
	for _, rate := range []string{"10/h", "1000/h"} {
		b := bytesPerKey(t, SlidingLog, rate, 100_000)
		t.Logf("sliding_log at %s, one request per key: %.1f bytes per key", rate, b)
		if b > 64+8*minLogRing+48 {
			t.Errorf("sliding_log at %s: %.1f bytes per key for one request", rate, b)
		}
	}
}

// TestSlidingLogRingGrowsToItsLimit: a key's ring grows only as far as the admitted
// units still in the window need, keeps the times in order across growth and
// wrap-around, and never admits more than the limit in a window.
func TestSlidingLogRingGrowsToItsLimit(t *testing.T) {
	q, err := NewQuota("grow", SlidingLog, MustParseRate("100/m"))
	if err != nil {
		t.Fatal(err)
	}
	var l *logState
	var v verdict
	var admittedAt []int64
	step := func(now int64) {
		l = logStep(q, l, now, 1, &v)
		if v.allowed {
			admittedAt = append(admittedAt, now)
		}
		for j := 1; j < l.n; j++ {
			if l.at(j) < l.at(j-1) {
				t.Fatalf("at %v: ring out of order", time.Duration(now))
			}
		}
		inWindow := 0
		for _, a := range admittedAt {
			if now-a < int64(time.Minute) {
				inWindow++
			}
		}
		if inWindow > 100 || l.n != inWindow {
			t.Fatalf("at %v: %d admitted in the last minute, %d in the ring", time.Duration(now), inWindow, l.n)
		}
	}
	// One a second: 60 in any minute, all admitted; the ring wraps around at 64.
	for i := range 250 {
		step(int64(i) * int64(time.Second))
	}
	if len(admittedAt) != 250 || len(l.ts) != 64 {
		t.Fatalf("one a second: %d of 250 admitted, ring of %d (want 64)", len(admittedAt), len(l.ts))
	}
	// Then a burst: the ring grows to the limit and no further.
	for i := range 200 {
		step(250*int64(time.Second) + int64(i)*int64(10*time.Millisecond))
	}
	if l.n != 100 || len(l.ts) != 100 {
		t.Fatalf("after the burst: %d live in a ring of %d, want 100 in 100", l.n, len(l.ts))
	}
}

func BenchmarkMemoryDecision(b *testing.B) {
	for _, alg := range []Algorithm{GCRA, SlidingLog, SlidingWindow, FixedWindow} {
		b.Run(alg.String(), func(b *testing.B) {
			s := memStore(b, MemoryStoreConfig{})
			rate := "1000000/s"
			if alg == SlidingLog {
				rate = "100/ms"
			}
			l := memLimiter(b, s, rate, alg)
			keys := make([]string, 10_000)
			for i := range keys {
				keys[i] = fmt.Sprintf("10.0.%d.%d", i/256, i%256)
			}
			ctx := context.Background()
			now := at(0)
			for _, k := range keys {
				l.AllowAt(ctx, k, now)
			}
			b.ReportAllocs()
			b.ResetTimer()
			i := 0
			for b.Loop() {
				now = now.Add(time.Microsecond)
				if _, err := l.AllowAt(ctx, keys[i%len(keys)], now); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}

func BenchmarkMemoryDecisionParallel(b *testing.B) {
	s := memStore(b, MemoryStoreConfig{})
	l := memLimiter(b, s, "1000000/s", GCRA)
	keys := make([]string, 10_000)
	for i := range keys {
		keys[i] = fmt.Sprintf("10.0.%d.%d", i/256, i%256)
	}
	ctx := context.Background()
	now := at(0)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			l.AllowAt(ctx, keys[i%len(keys)], now)
			i += 7
		}
	})
}

func BenchmarkMemoryDecisionWithClock(b *testing.B) {
	// Allow reads the clock itself: time.Now is part of the cost.
	s := memStore(b, MemoryStoreConfig{})
	l := memLimiter(b, s, "1000000/s", GCRA)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		l.Allow(ctx, "203.0.113.7")
	}
}

func BenchmarkMemoryNewKey(b *testing.B) {
	s := memStore(b, MemoryStoreConfig{MaxKeys: 1 << 24})
	l := memLimiter(b, s, "10/h", GCRA)
	ctx := context.Background()
	now := at(0)
	b.ReportAllocs()
	var buf []byte
	i := 0
	for b.Loop() {
		buf = strconv.AppendInt(buf[:0], int64(i), 10)
		var r Result
		l.takeBytes(ctx, buf, 1, now.UnixNano(), &r)
		i++
	}
}
