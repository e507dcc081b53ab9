package ratelimit

import (
	"context"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/djin-go/djin/internal/testenv"
	djin "github.com/djin-go/djin/ratelimit"
	"github.com/go-redis/redis_rate/v10"
	"github.com/redis/go-redis/v9"
	ulule "github.com/ulule/limiter/v3"
	ululeredis "github.com/ulule/limiter/v3/drivers/store/redis"
)

// redisImpl builds a limiter on the shared Redis client, its keys under prefix.
type redisImpl struct {
	name  string
	build func(tb testing.TB, client *redis.Client, prefix string, limit int, period time.Duration) decider
}

var redisImpls = []redisImpl{
	{"djin", func(tb testing.TB, client *redis.Client, prefix string, limit int, period time.Duration) decider {
		// OutageClosed: a benchmark must not quietly fall back to the local store.
		store, err := djin.NewRedisStore(djin.RedisStoreConfig{Client: client, Prefix: prefix + "djin:", Timeout: time.Second, Outage: djin.OutageClosed})
		if err != nil {
			tb.Fatal(err)
		}
		return djinDecider(tb, store, limit, period)
	}},
	{"redis_rate", func(tb testing.TB, client *redis.Client, prefix string, limit int, period time.Duration) decider {
		l := redis_rate.NewLimiter(client)
		lim := redis_rate.Limit{Rate: limit, Burst: limit, Period: period}
		ctx := context.Background()
		return func(key string) bool {
			r, err := l.Allow(ctx, prefix+"rr:"+key, lim)
			if err != nil {
				tb.Errorf("redis_rate: %v", err)
				return false
			}
			return r.Allowed > 0
		}
	}},
	{"ulule", func(tb testing.TB, client *redis.Client, prefix string, limit int, period time.Duration) decider {
		store, err := ululeredis.NewStoreWithOptions(client, ulule.StoreOptions{Prefix: prefix + "ul", MaxRetry: 3})
		if err != nil {
			tb.Fatal(err)
		}
		l := ulule.New(store, ulule.Rate{Period: period, Limit: int64(limit)})
		ctx := context.Background()
		return func(key string) bool {
			c, err := l.Get(ctx, key)
			if err != nil {
				tb.Errorf("ulule: %v", err)
				return false
			}
			return !c.Reached
		}
	}},
}

// warmConcurrently decides every key once from n goroutines at a time, so that the
// client's pool holds the connections a parallel loop needs and every key exists.
func warmConcurrently(tb testing.TB, allow decider, keys []string, n int) {
	var wg sync.WaitGroup
	for g := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := g; i < len(keys); i += n {
				if !allow(keys[i]) {
					tb.Errorf("warming %s: refused", keys[i])
					return
				}
			}
		}()
	}
	wg.Wait()
}

// redisKeys is the working set of the Redis benchmarks: 1 000 clients.
var redisKeys = keys[:1000]

func BenchmarkRateLimitRedis(b *testing.B) {
	client, prefix := testenv.Redis(b)
	for _, mode := range []string{"serial", "parallel-8x"} {
		b.Run("case="+mode, func(b *testing.B) {
			for _, impl := range redisImpls {
				b.Run("impl="+impl.name, func(b *testing.B) {
					allow := impl.build(b, client, prefix, generous, time.Second)
					// A parallel decision is a network round trip, so throughput comes
					// from requests in flight, as in a server: 8 callers per core.
					parallelism := 0
					if mode != "serial" {
						parallelism = 8
					}
					// Every implementation shares one client: the first to run would
					// otherwise pay for dialling the pool's connections in its timed loop.
					warmConcurrently(b, allow, redisKeys, 8*runtime.GOMAXPROCS(0))
					loop(b, allow, redisKeys, parallelism)
				})
			}
		})
	}
}

// TestRedisLimitersLimit: with a quota of 3 per hour each Redis limiter admits 3 requests
// of a client and refuses the fourth.
func TestRedisLimitersLimit(t *testing.T) {
	client, prefix := testenv.Redis(t)
	for _, impl := range redisImpls {
		t.Run(impl.name, func(t *testing.T) {
			allow := impl.build(t, client, prefix+"limit:", 3, time.Hour)
			for i := range 3 {
				if !allow("10.0.0.1") {
					t.Fatalf("request %d refused", i+1)
				}
			}
			if allow("10.0.0.1") {
				t.Fatal("fourth request admitted")
			}
		})
	}
}
