package ratelimit_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"time"

	"github.com/djin-go/djin/ratelimit"
	"github.com/gin-gonic/gin"
	"github.com/redis/go-redis/v9"
	"go.yaml.in/yaml/v3"
)

// The tutorials' throttle: at most 3 requests per 10 seconds per client IP.
func ExamplePerIP() {
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.Use(ratelimit.PerIP("3/10s"))
	r.GET("/index/", func(c *gin.Context) { c.String(http.StatusOK, "hello") })

	for i := 1; i <= 4; i++ {
		req := httptest.NewRequest(http.MethodGet, "/index/", nil)
		req.RemoteAddr = "192.0.2.7:51000"
		req.Header.Set("X-Forwarded-For", fmt.Sprintf("10.0.0.%d", i)) // ignored: not a trusted proxy
		w := httptest.NewRecorder()
		r.ServeHTTP(w, req)
		fmt.Println(i, w.Code, w.Header().Get("RateLimit"))
	}
	// Output:
	// 1 200 "default";r=2;t=10
	// 2 200 "default";r=1;t=10
	// 3 200 "default";r=0;t=10
	// 4 429 "default";r=0;t=10
}

// Several named policies on one route group, DRF-style: a burst limit per client and a
// daily quota per API key, with draft and legacy headers.
func ExampleMiddleware() {
	mw, err := ratelimit.Middleware(ratelimit.Config{
		Policies: []ratelimit.Policy{
			{Name: "burst", Rate: ratelimit.MustParseRate("20/s")},
			{Name: "daily", Rate: ratelimit.MustParseRate("1000/d"), Algorithm: ratelimit.FixedWindow,
				Key: ratelimit.ByHeader("X-Api-Key"), MissingKey: ratelimit.MissingKeyDeny},
		},
		Headers: ratelimit.HeadersBoth,
	})
	if err != nil {
		panic(err)
	}
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	api := r.Group("/api", mw)
	api.GET("/items", func(c *gin.Context) { c.Status(http.StatusNoContent) })

	req := httptest.NewRequest(http.MethodGet, "/api/items", nil)
	req.Header.Set("X-Api-Key", "k-123")
	w := httptest.NewRecorder()
	r.ServeHTTP(w, req)
	fmt.Println(w.Code)
	fmt.Println(w.Header().Get("RateLimit-Policy"))
	fmt.Println(w.Header().Get("X-RateLimit-Limit"), w.Header().Get("X-RateLimit-Remaining"))
	// Output:
	// 204
	// "burst";q=20;w=1, "daily";q=1000;w=86400
	// 20 19
}

func ExampleParseRate() {
	for _, s := range []string{"3/10s", "20/min", "100/300", "5-M", "100/m;burst=20", "10/5M", "3 per 10s"} {
		r, err := ratelimit.ParseRate(s)
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Printf("%-15s -> %v\n", s, r)
	}
	// Output:
	// 3/10s           -> 3/10s
	// 20/min          -> 20/m
	// 100/300         -> 100/5m
	// 5-M             -> 5/m
	// 100/m;burst=20  -> 100/m;burst=20
	// ratelimit: invalid rate: "10/5M": ambiguous unit "M" (minute or month?); write m or min for minutes
	// ratelimit: invalid rate: "3 per 10s": missing "/" between count and period, as in 3/10s
}

// A Limiter decides for any key, outside HTTP; the At variants take the time.
func ExampleLimiter() {
	l, err := ratelimit.NewLimiter(ratelimit.LimiterConfig{
		Rate:      ratelimit.MustParseRate("3/10s"),
		Algorithm: ratelimit.SlidingLog,
	})
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	start := time.Unix(1_700_000_000, 0)
	for _, offset := range []time.Duration{0, time.Second, 2 * time.Second, 3 * time.Second, 10 * time.Second} {
		r, _ := l.AllowAt(ctx, "192.0.2.7", start.Add(offset))
		fmt.Printf("t=%-7v allowed=%-5v remaining=%d retry_after=%v\n", offset, r.Allowed, r.Remaining, r.RetryAfter.Round(time.Millisecond))
	}
	// Output:
	// t=0s      allowed=true  remaining=2 retry_after=0s
	// t=1s      allowed=true  remaining=1 retry_after=0s
	// t=2s      allowed=true  remaining=0 retry_after=0s
	// t=3s      allowed=false remaining=0 retry_after=7s
	// t=10s     allowed=true  remaining=0 retry_after=0s
}

// A login view guarded by a Lockout: the attempt is reserved before the password is
// checked and given back on success.
func ExampleLockout() {
	lockout, err := ratelimit.NewLockout(ratelimit.LockoutConfig{
		Tiers: []ratelimit.Tier{{Failures: 3, Within: 15 * time.Minute}},
	})
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	ip := netip.MustParseAddr("203.0.113.9")
	for i := 1; i <= 4; i++ {
		a, err := lockout.Begin(ctx, ip, "alice")
		if err != nil {
			panic(err) // the store failed: refuse the login
		}
		if a.Locked {
			fmt.Printf("attempt %d: locked, retry in about %v\n", i, a.RetryAfter.Round(time.Minute))
			continue
		}
		fmt.Printf("attempt %d: wrong password\n", i) // a success would call a.Succeeded(ctx)
	}
	// Output:
	// attempt 1: wrong password
	// attempt 2: wrong password
	// attempt 3: wrong password
	// attempt 4: locked, retry in about 15m0s
}

// One limit for a fleet: every instance points a RedisStore at the same Redis. While
// Redis is unreachable each instance enforces its share locally.
func ExampleNewRedisStore() {
	// ContextTimeoutEnabled lets the store's Timeout reach the socket; the store
	// refuses a client without it.
	client := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379", ContextTimeoutEnabled: true})
	store, err := ratelimit.NewRedisStore(ratelimit.RedisStoreConfig{
		Client:    client,
		Prefix:    "myapp:ratelimit:",
		Timeout:   50 * time.Millisecond,
		Outage:    ratelimit.OutageFallback,
		Instances: 4, // the local fallback enforces a quarter of each limit
	})
	if err != nil {
		panic(err)
	}
	mw, err := ratelimit.Middleware(ratelimit.Config{
		Store:    store,
		Policies: []ratelimit.Policy{{Name: "api", Rate: ratelimit.MustParseRate("600/m")}},
	})
	if err != nil {
		panic(err)
	}
	_ = mw
}

// The middleware's Config decodes from a settings file; functions (user lookup, stores)
// are set in Go afterwards.
func ExampleConfig_yaml() {
	const settings = `
policies:
  - name: login
    rate: 5/m
    algorithm: sliding_log
    key: route+ip
    count: failures
headers: draft
`
	var cfg ratelimit.Config
	if err := yaml.Unmarshal([]byte(settings), &cfg); err != nil {
		panic(err)
	}
	if _, err := ratelimit.Middleware(cfg); err != nil {
		panic(err)
	}
	p := cfg.Policies[0]
	fmt.Println(p.Name, p.Rate, p.Algorithm, p.Key, p.Count)
	// Output:
	// login 5/m sliding_log route+ip failures
}
