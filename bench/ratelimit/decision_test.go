package ratelimit

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/didip/tollbooth/v8"
	tblimiter "github.com/didip/tollbooth/v8/limiter"
	djin "github.com/djin-go/djin/ratelimit"
	gomemory "github.com/sethvargo/go-limiter/memorystore"
	ulule "github.com/ulule/limiter/v3"
	ululememory "github.com/ulule/limiter/v3/drivers/store/memory"
	"golang.org/x/time/rate"
)

// decider is one limiter's decision for a key: whether a request is admitted.
type decider func(key string) bool

// memoryImpl builds an in-memory limiter admitting limit requests per period per key.
type memoryImpl struct {
	name  string
	build func(tb testing.TB, limit int, period time.Duration) decider
}

var memoryImpls = []memoryImpl{
	{"djin", func(tb testing.TB, limit int, period time.Duration) decider {
		store, err := djin.NewMemoryStore(djin.MemoryStoreConfig{})
		if err != nil {
			tb.Fatal(err)
		}
		return djinDecider(tb, store, limit, period)
	}},
	{"ulule", func(tb testing.TB, limit int, period time.Duration) decider {
		l := ulule.New(ululememory.NewStore(), ulule.Rate{Period: period, Limit: int64(limit)})
		ctx := context.Background()
		return func(key string) bool {
			c, err := l.Get(ctx, key)
			return err == nil && !c.Reached
		}
	}},
	{"x-time-rate", func(tb testing.TB, limit int, period time.Duration) decider {
		// The usual per-key pattern: a sync.Map of token buckets, Load first so that a
		// warm key does not allocate a limiter that LoadOrStore would throw away.
		var m sync.Map
		every := rate.Every(period / time.Duration(limit))
		return func(key string) bool {
			v, ok := m.Load(key)
			if !ok {
				v, _ = m.LoadOrStore(key, rate.NewLimiter(every, limit))
			}
			return v.(*rate.Limiter).Allow()
		}
	}},
	{"go-limiter", func(tb testing.TB, limit int, period time.Duration) decider {
		store, err := gomemory.New(&gomemory.Config{Tokens: uint64(limit), Interval: period})
		if err != nil {
			tb.Fatal(err)
		}
		tb.Cleanup(func() { _ = store.Close(context.Background()) })
		ctx := context.Background()
		return func(key string) bool {
			_, _, _, ok, err := store.Take(ctx, key)
			return err == nil && ok
		}
	}},
	{"tollbooth", func(tb testing.TB, limit int, period time.Duration) decider {
		l := tollbooth.NewLimiter(float64(limit)/period.Seconds(), &tblimiter.ExpirableOptions{DefaultExpirationTTL: time.Hour})
		l.SetBurst(limit)
		return func(key string) bool { return !l.LimitReached(key) }
	}},
}

// djinDecider is a djin Limiter (GCRA) on store. A store error or a decision the
// RedisStore's outage policy made instead of Redis fails the benchmark: it would measure
// something else.
func djinDecider(tb testing.TB, store djin.Store, limit int, period time.Duration) decider {
	l, err := djin.NewLimiter(djin.LimiterConfig{Rate: djin.Per(int64(limit), period), Store: store})
	if err != nil {
		tb.Fatal(err)
	}
	ctx := context.Background()
	return func(key string) bool {
		r, err := l.Allow(ctx, key)
		if err != nil || r.Degraded {
			tb.Errorf("djin: %v (degraded %v)", err, r.Degraded)
			return false
		}
		return r.Allowed
	}
}

// keys are 10 000 client addresses.
var keys = func() []string {
	out := make([]string, 10_000)
	for i := range out {
		out[i] = fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255)
	}
	return out
}()

// generous is a quota no benchmark reaches, so every decision runs the admit path.
const generous = 1_000_000

func BenchmarkRateLimitDecision(b *testing.B) {
	for _, mode := range []string{"serial", "parallel"} {
		b.Run("case=warm-10k-"+mode, func(b *testing.B) {
			for _, impl := range memoryImpls {
				b.Run("impl="+impl.name, func(b *testing.B) {
					allow := impl.build(b, generous, time.Second)
					for _, k := range keys {
						if !allow(k) {
							b.Fatalf("warming %s: refused", k)
						}
					}
					parallelism := 0
					if mode == "parallel" {
						parallelism = 1
					}
					loop(b, allow, keys, parallelism)
				})
			}
		})
	}
}

// loop times allow over keys, in turn: serially when parallelism is 0, else from
// parallelism goroutines per core (b.SetParallelism), each starting on other keys.
func loop(b *testing.B, allow decider, keys []string, parallelism int) {
	b.ReportAllocs()
	b.ResetTimer()
	if parallelism == 0 {
		i := 0
		for b.Loop() {
			if !allow(keys[i%len(keys)]) {
				b.Fatal("refused under a generous quota")
			}
			i++
		}
		return
	}
	b.SetParallelism(parallelism)
	var start atomic.Int64
	b.RunParallel(func(pb *testing.PB) {
		i := int(start.Add(7919))
		for pb.Next() {
			if !allow(keys[i%len(keys)]) {
				b.Error("refused under a generous quota")
				return
			}
			i++
		}
	})
}

// BenchmarkRateLimitNewKey decides for b.N keys never seen before, and reports the live
// heap each one then holds (after a GC, so garbage does not count).
func BenchmarkRateLimitNewKey(b *testing.B) {
	for _, impl := range memoryImpls {
		b.Run("impl="+impl.name, func(b *testing.B) {
			allow := impl.build(b, generous, time.Second)
			fresh := make([]string, b.N)
			for i := range fresh {
				fresh[i] = fmt.Sprintf("k%d.%d", i, b.N)
			}
			before := liveHeap()
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if !allow(fresh[i]) {
					b.Fatal("refused a new key")
				}
			}
			b.StopTimer()
			after := liveHeap()
			b.ReportMetric(float64(after-before)/float64(b.N), "B/key")
			runtime.KeepAlive(allow)
			runtime.KeepAlive(fresh)
		})
	}
}

func liveHeap() int64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return int64(ms.HeapAlloc)
}

// TestMemoryLimitersLimit: with a quota of 3 per hour each implementation admits 3
// requests of a client, refuses the fourth, and still admits another client.
func TestMemoryLimitersLimit(t *testing.T) {
	for _, impl := range memoryImpls {
		t.Run(impl.name, func(t *testing.T) {
			allow := impl.build(t, 3, time.Hour)
			for i := range 3 {
				if !allow("10.0.0.1") {
					t.Fatalf("request %d refused", i+1)
				}
			}
			if allow("10.0.0.1") {
				t.Fatal("fourth request admitted")
			}
			if !allow("10.0.0.2") {
				t.Fatal("another client refused")
			}
		})
	}
}
