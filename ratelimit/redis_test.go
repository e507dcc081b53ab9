package ratelimit

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/djin-go/djin/internal/testenv"
	"github.com/redis/go-redis/v9"
)

func redisStore(t testing.TB, cfg RedisStoreConfig) (*RedisStore, *redis.Client, string) {
	t.Helper()
	client, prefix := testenv.Redis(t)
	if cfg.Client == nil {
		cfg.Client = client
	}
	cfg.Prefix = prefix
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	s, err := NewRedisStore(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s, client, prefix
}

func TestRedisStoreConformance(t *testing.T) {
	runConformance(t, storeFactory{"redis", func(t *testing.T) Store {
		// A generous timeout and no fallback: a slow run must fail loudly, not decide locally.
		s, _, _ := redisStore(t, RedisStoreConfig{ClientClock: true, Timeout: 10 * time.Second, Outage: OutageClosed})
		return s
	}})
}

func TestRedisExactUnderConcurrencyOnServerClock(t *testing.T) {
	// The server's clock, a real Redis, 64 goroutines on one key: exactly the quota.
	for _, alg := range []Algorithm{GCRA, SlidingLog, SlidingWindow, FixedWindow} {
		t.Run(alg.String(), func(t *testing.T) {
			s, _, _ := redisStore(t, RedisStoreConfig{Timeout: 10 * time.Second, Outage: OutageClosed})
			l, err := NewLimiter(LimiterConfig{Rate: MustParseRate("100/h"), Algorithm: alg, Store: s})
			if err != nil {
				t.Fatal(err)
			}
			if alg == FixedWindow || alg == SlidingWindow {
				// An hourly window that turns over mid-test would rightly admit more.
				if time.Until(time.Now().Truncate(time.Hour).Add(time.Hour)) < 10*time.Second {
					t.Skip("too close to the top of the hour for a window test")
				}
			}
			if got := hammer(l, "victim", 64, 4, time.Now); got != 100 {
				t.Fatalf("%d admitted, want exactly 100", got)
			}
		})
	}
}

func TestRedisKeysAreHashTaggedAndHideTheClientKey(t *testing.T) {
	s, client, prefix := redisStore(t, RedisStoreConfig{})
	l, _ := NewLimiter(LimiterConfig{Name: "login", Rate: MustParseRate("5/m"), Store: s})
	ctx := context.Background()
	if _, err := l.Allow(ctx, "alice@example.com"); err != nil {
		t.Fatal(err)
	}
	keys, err := client.Keys(ctx, prefix+"*").Result()
	if err != nil || len(keys) != 1 {
		t.Fatalf("keys %v %v", keys, err)
	}
	k := keys[0]
	if strings.Contains(k, "alice") {
		t.Fatalf("the raw key is stored: %q", k)
	}
	if !strings.HasPrefix(k, prefix+"{") || !strings.HasSuffix(k, "}:login:gcra") {
		t.Fatalf("key %q is not prefix{hash}:policy:algorithm", k)
	}
	ttl, _ := client.PTTL(ctx, k).Result()
	if ttl <= 0 || ttl > time.Minute {
		t.Fatalf("TTL %v, want within the window", ttl)
	}
	// Two policies of one client share the hash tag, so one Cluster slot.
	other, _ := NewQuota("burst", SlidingLog, MustParseRate("5/s"))
	if a, b := s.Key(l.Quota(), "alice@example.com"), s.Key(other, "alice@example.com"); a[:strings.Index(a, "}")] != b[:strings.Index(b, "}")] {
		t.Fatalf("hash tags differ: %q %q", a, b)
	}
}

func TestRedisRepairsAKeyWithoutTTL(t *testing.T) {
	for _, alg := range []Algorithm{GCRA, SlidingLog, SlidingWindow, FixedWindow} {
		t.Run(alg.String(), func(t *testing.T) {
			s, client, _ := redisStore(t, RedisStoreConfig{})
			l, _ := NewLimiter(LimiterConfig{Rate: MustParseRate("1/h"), Algorithm: alg, Store: s})
			ctx := context.Background()
			l.Allow(ctx, "k")
			key := s.Key(l.Quota(), "k")
			client.Persist(ctx, key) // as a careless operator or an old bug would leave it
			if ttl, _ := client.PTTL(ctx, key).Result(); ttl != -1 {
				t.Fatalf("setup: TTL %v", ttl)
			}
			if r, _ := l.Allow(ctx, "k"); r.Allowed {
				t.Fatal("second request admitted")
			}
			if ttl, _ := client.PTTL(ctx, key).Result(); ttl <= 0 {
				t.Fatalf("the denial left the key immortal: TTL %v", ttl)
			}
		})
	}
}

func TestRedisMalformedStateIsAnError(t *testing.T) {
	for _, alg := range []Algorithm{GCRA, SlidingLog, SlidingWindow, FixedWindow} {
		t.Run(alg.String(), func(t *testing.T) {
			s, client, _ := redisStore(t, RedisStoreConfig{})
			l, _ := NewLimiter(LimiterConfig{Rate: MustParseRate("1/h"), Algorithm: alg, Store: s})
			ctx := context.Background()
			key := s.Key(l.Quota(), "k")
			if alg == SlidingLog {
				client.RPush(ctx, key, "garbage")
			} else {
				client.Set(ctx, key, "garbage", time.Minute)
			}
			r, err := l.Allow(ctx, "k")
			if !errors.Is(err, ErrMalformedState) || r.Allowed {
				t.Fatalf("got %+v, %v; want ErrMalformedState and no admission", r, err)
			}
			if s.Stats().Failures != 0 {
				t.Fatal("a malformed value was counted as an outage")
			}
			if err := l.Reset(ctx, "k"); err != nil {
				t.Fatal(err)
			}
			if r, err := l.Allow(ctx, "k"); err != nil || !r.Allowed {
				t.Fatalf("after Reset: %+v %v", r, err)
			}
		})
	}
}

// noScriptOnce answers the first EVALSHA with NOSCRIPT, as a server whose script cache
// was flushed (or a replica that never saw SCRIPT LOAD) does.
type noScriptOnce struct {
	redis.UniversalClient
	refused, evals atomic.Int32
}

func (c *noScriptOnce) EvalSha(ctx context.Context, sha string, keys []string, args ...any) *redis.Cmd {
	if c.refused.CompareAndSwap(0, 1) {
		cmd := redis.NewCmd(ctx)
		cmd.SetErr(noScriptError{})
		return cmd
	}
	return c.UniversalClient.EvalSha(ctx, sha, keys, args...)
}

func (c *noScriptOnce) Eval(ctx context.Context, script string, keys []string, args ...any) *redis.Cmd {
	c.evals.Add(1)
	return c.UniversalClient.Eval(ctx, script, keys, args...)
}

type noScriptError struct{}

func (noScriptError) Error() string { return "NOSCRIPT No matching script. Please use EVAL." }
func (noScriptError) RedisError()   {}

func TestRedisRecoversFromNOSCRIPT(t *testing.T) {
	client, _ := testenv.Redis(t)
	wrapped := &noScriptOnce{UniversalClient: client}
	s, _, _ := redisStore(t, RedisStoreConfig{Client: wrapped})
	l, _ := NewLimiter(LimiterConfig{Rate: MustParseRate("2/m"), Store: s})
	ctx := context.Background()
	for i, want := range []bool{true, true, false} {
		r, err := l.Allow(ctx, "k")
		if err != nil || r.Allowed != want || r.Degraded {
			t.Fatalf("request %d: %+v %v", i, r, err)
		}
	}
	if wrapped.refused.Load() != 1 || wrapped.evals.Load() != 1 {
		t.Fatalf("NOSCRIPT answered %d times, EVAL sent %d times; want 1 and 1", wrapped.refused.Load(), wrapped.evals.Load())
	}
	if s.Stats().Failures != 0 {
		t.Fatal("NOSCRIPT was counted as an outage")
	}
}

// proxy is a TCP proxy to Redis that the test can cut, to stop "Redis" mid-test without
// touching the shared server.
type proxy struct {
	ln    net.Listener
	mu    sync.Mutex
	conns []net.Conn
}

func startProxy(t *testing.T, target string) *proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{ln: ln}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, up)
			p.mu.Unlock()
			go func() { io.Copy(up, c); up.Close() }()
			go func() { io.Copy(c, up); c.Close() }()
		}
	}()
	t.Cleanup(p.cut)
	return p
}

func (p *proxy) addr() string { return p.ln.Addr().String() }

// cut closes the listener and every connection: Redis is gone.
func (p *proxy) cut() {
	p.ln.Close()
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

func proxiedClient(t *testing.T) (*redis.Client, *proxy) {
	t.Helper()
	opt := testenv.RedisOptions(t)
	p := startProxy(t, opt.Addr)
	opt.Addr = p.addr()
	opt.MaxRetries = -1 // the store's own timeout and breaker handle failures
	c := redis.NewClient(opt)
	t.Cleanup(func() { c.Close() })
	return c, p
}

func TestRedisOutagePolicies(t *testing.T) {
	ctx := context.Background()
	t.Run("FailOpenAdmitsAndSaysSo", func(t *testing.T) {
		c, p := proxiedClient(t)
		s, _, _ := redisStore(t, RedisStoreConfig{Client: c, Outage: OutageOpen})
		l, _ := NewLimiter(LimiterConfig{Rate: MustParseRate("1/h"), Store: s})
		if r, err := l.Allow(ctx, "k"); err != nil || !r.Allowed || r.Degraded {
			t.Fatalf("before the outage: %+v %v", r, err)
		}
		p.cut()
		for range 5 {
			r, err := l.Allow(ctx, "k")
			if err != nil || !r.Allowed || !r.Degraded {
				t.Fatalf("fail open: %+v %v", r, err)
			}
		}
	})
	t.Run("FailClosedRefusesWithAnError", func(t *testing.T) {
		c, p := proxiedClient(t)
		s, _, _ := redisStore(t, RedisStoreConfig{Client: c, Outage: OutageClosed})
		l, _ := NewLimiter(LimiterConfig{Rate: MustParseRate("100/h"), Store: s})
		if r, err := l.Allow(ctx, "k"); err != nil || !r.Allowed {
			t.Fatalf("before the outage: %+v %v", r, err)
		}
		p.cut()
		r, err := l.Allow(ctx, "k")
		if !errors.Is(err, ErrStoreUnavailable) || r.Allowed || r.RetryAfter <= 0 {
			t.Fatalf("fail closed: %+v %v", r, err)
		}
	})
	t.Run("FallbackEnforcesTheLocalShare", func(t *testing.T) {
		c, p := proxiedClient(t)
		s, _, _ := redisStore(t, RedisStoreConfig{Client: c, Instances: 2})
		l, _ := NewLimiter(LimiterConfig{Rate: MustParseRate("10/h"), Store: s})
		p.cut()
		admitted := 0
		for range 20 {
			r, err := l.Allow(ctx, "k")
			if err != nil {
				t.Fatal(err)
			}
			if !r.Degraded {
				t.Fatal("decision not marked degraded")
			}
			if r.Allowed {
				admitted++
			}
		}
		if admitted != 5 {
			t.Fatalf("fallback admitted %d, want 10/2 instances = 5", admitted)
		}
	})
	t.Run("ClosedPortFromTheStart", func(t *testing.T) {
		ln, _ := net.Listen("tcp", "127.0.0.1:0")
		addr := ln.Addr().String()
		ln.Close()
		c := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1, ContextTimeoutEnabled: true})
		defer c.Close()
		s, err := NewRedisStore(RedisStoreConfig{Client: c, Outage: OutageClosed, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		if err != nil {
			t.Fatal(err)
		}
		l, _ := NewLimiter(LimiterConfig{Rate: MustParseRate("1/s"), Store: s})
		if _, err := l.Allow(ctx, "k"); !errors.Is(err, ErrStoreUnavailable) {
			t.Fatalf("got %v", err)
		}
	})
}

// TestRedisTimeoutCutsAStalledServerShort: a Redis that accepts the connection and never
// answers costs a decision the store's Timeout, not the client's one-minute ReadTimeout,
// and the outage policy then decides.
func TestRedisTimeoutCutsAStalledServerShort(t *testing.T) {
	s, err := NewRedisStore(RedisStoreConfig{Client: testenv.StalledRedis(t), Timeout: 100 * time.Millisecond, Outage: OutageClosed, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	l, _ := NewLimiter(LimiterConfig{Rate: MustParseRate("10/s"), Store: s})
	err = testenv.Finishes(t, 20*time.Second, "a decision on a stalled Redis", func() error {
		_, err := l.Allow(context.Background(), "k")
		return err
	})
	if !errors.Is(err, ErrStoreUnavailable) {
		t.Fatalf("a stalled Redis: got %v, want ErrStoreUnavailable", err)
	}
}

func TestRedisBreakerOpensLogsAndRecovers(t *testing.T) {
	ctx := context.Background()
	c, p := proxiedClient(t)
	var logs bytes.Buffer
	var mu sync.Mutex
	logger := slog.New(slog.NewTextHandler(lockedWriter{&logs, &mu}, nil))
	s, _, prefix := redisStore(t, RedisStoreConfig{Client: c, Outage: OutageOpen, BreakerFailures: 2, BreakerCooldown: time.Minute, Logger: logger})
	clock := time.Now()
	s.breaker.now = func() time.Time { return clock }
	l, _ := NewLimiter(LimiterConfig{Rate: MustParseRate("1/h"), Store: s})
	l.Allow(ctx, "k")
	p.cut()
	for range 10 {
		l.Allow(ctx, "k")
	}
	st := s.Stats()
	if !st.BreakerOpen || st.Failures != 2 || st.Degraded != 10 {
		t.Fatalf("stats %+v: want the breaker open after 2 failures and 10 degraded decisions", st)
	}
	mu.Lock()
	out := logs.String()
	mu.Unlock()
	if strings.Count(out, "circuit breaker opened") != 1 {
		t.Fatalf("want exactly one log line for the opening:\n%s", out)
	}
	if strings.Contains(out, "\"k\"") || strings.Contains(out, prefix) {
		t.Fatalf("the log names a key:\n%s", out)
	}

	// Redis comes back (a new client through a healthy path); after the cooldown one probe
	// closes the breaker.
	client, _ := testenv.Redis(t)
	s.client = client
	clock = clock.Add(2 * time.Minute)
	r, err := l.Allow(ctx, "k")
	if err != nil || r.Degraded {
		t.Fatalf("probe: %+v %v", r, err)
	}
	if r.Allowed {
		t.Fatal("the limit did not survive the outage: Redis still holds the first request")
	}
	if s.Stats().BreakerOpen {
		t.Fatal("a successful probe left the breaker open")
	}
	mu.Lock()
	defer mu.Unlock()
	if !strings.Contains(logs.String(), "reachable again") {
		t.Fatalf("no log line for the recovery:\n%s", logs.String())
	}
}

type lockedWriter struct {
	w  io.Writer
	mu *sync.Mutex
}

func (w lockedWriter) Write(b []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.w.Write(b)
}

// TestRedisTwoProcessesShareOneLimit runs this test binary a second time as another OS
// process with its own client and store. Both hammer one key at the same moment and
// together admit exactly the limit.
func TestRedisTwoProcessesShareOneLimit(t *testing.T) {
	if os.Getenv("RATELIMIT_CHILD_PREFIX") != "" {
		t.Skip("child process")
	}
	s, _, prefix := redisStore(t, RedisStoreConfig{Timeout: 10 * time.Second, Outage: OutageClosed})
	cmd := exec.Command(os.Args[0], "-test.run=^TestRedisChildProcess$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), "RATELIMIT_CHILD_PREFIX="+prefix)
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	var transcript []string
	waitFor := func(prefix string) string {
		for line := range lines {
			transcript = append(transcript, line)
			if v, ok := strings.CutPrefix(line, prefix); ok {
				return v
			}
		}
		t.Fatalf("the child never printed %q:\n%s", prefix, strings.Join(transcript, "\n"))
		return ""
	}
	waitFor("READY")
	l, _ := NewLimiter(LimiterConfig{Name: "shared", Rate: MustParseRate("60/h"), Store: s})
	io.WriteString(stdin, "GO\n") // both processes start hammering now
	mine := hammer(l, "client", 16, 10, time.Now)
	theirs, err := strconv.ParseInt(strings.TrimSpace(waitFor("ADMITTED ")), 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	for range lines {
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("child: %v", err)
	}
	if mine+theirs != 60 {
		t.Fatalf("this process admitted %d and the other %d: %d in all, want exactly 60", mine, theirs, mine+theirs)
	}
	t.Logf("admitted here %d, in the other process %d", mine, theirs)
}

func TestRedisChildProcess(t *testing.T) {
	prefix := os.Getenv("RATELIMIT_CHILD_PREFIX")
	if prefix == "" {
		t.Skip("runs only as the second process of TestRedisTwoProcessesShareOneLimit")
	}
	client := testenv.OtherRedisClient(t)
	s, err := NewRedisStore(RedisStoreConfig{Client: client, Prefix: prefix, Timeout: 10 * time.Second, Outage: OutageClosed})
	if err != nil {
		t.Fatal(err)
	}
	l, _ := NewLimiter(LimiterConfig{Name: "shared", Rate: MustParseRate("60/h"), Store: s})
	l.Peek(context.Background(), "client") // warm the connection and the script cache
	fmt.Println("READY")
	if _, err := bufio.NewReader(os.Stdin).ReadString('\n'); err != nil {
		t.Fatal(err)
	}
	fmt.Printf("ADMITTED %d\n", hammer(l, "client", 16, 10, time.Now))
}

func TestNewRedisStoreValidates(t *testing.T) {
	client := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", ContextTimeoutEnabled: true})
	defer client.Close()
	deaf := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"}) // ContextTimeoutEnabled off
	defer deaf.Close()
	for _, cfg := range []RedisStoreConfig{
		{Client: deaf},
		{},
		{Client: client, Prefix: "a{b}"},
		{Client: client, Timeout: -1},
		{Client: client, Outage: "maybe"},
		{Client: client, Instances: -2},
		{Client: client, BreakerFailures: -1},
		{Client: client, BreakerCooldown: -time.Second},
	} {
		if _, err := NewRedisStore(cfg); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("%+v: got %v", cfg, err)
		}
	}
}

// Two application instances, each with its own client and store, behind one Redis: the
// middleware enforces one limit across both.
func TestMiddlewareSharesALimitThroughRedis(t *testing.T) {
	s1, client, prefix := redisStore(t, RedisStoreConfig{Timeout: 10 * time.Second, Outage: OutageClosed})
	s2, err := NewRedisStore(RedisStoreConfig{Client: client, Prefix: prefix, Timeout: 10 * time.Second, Outage: OutageClosed})
	if err != nil {
		t.Fatal(err)
	}
	policies := []Policy{{Name: "api", Rate: MustParseRate("5/h"), Key: Compose(ByRoute(), ByIP())}}
	a := engine(t, mustMiddleware(t, Config{Store: s1, Policies: policies}))
	b := engine(t, mustMiddleware(t, Config{Store: s2, Policies: policies}))
	admitted := 0
	for i := range 12 {
		h := a
		if i%2 == 1 {
			h = b
		}
		w := serve(h, req{path: "/doc/1"})
		switch w.Code {
		case http.StatusOK:
			admitted++
		case http.StatusTooManyRequests:
			if w.Header().Get("Retry-After") == "" {
				t.Fatal("refusal without Retry-After")
			}
		default:
			t.Fatalf("request %d: %d %s", i, w.Code, w.Body.String())
		}
	}
	if admitted != 5 {
		t.Fatalf("two instances admitted %d, want 5 in all", admitted)
	}
}

func TestMiddlewareDuringARedisOutage(t *testing.T) {
	for _, tc := range []struct {
		outage OutagePolicy
		want   []int
	}{
		{OutageClosed, []int{503, 503, 503}},
		{OutageOpen, []int{200, 200, 200}},
		{OutageFallback, []int{200, 200, 429}}, // 2 per hour, locally
	} {
		t.Run(string(tc.outage), func(t *testing.T) {
			c, p := proxiedClient(t)
			s, _, _ := redisStore(t, RedisStoreConfig{Client: c, Outage: tc.outage})
			h := engine(t, mustMiddleware(t, Config{Store: s, Policies: []Policy{{Rate: MustParseRate("2/h")}}}))
			p.cut()
			for i, want := range tc.want {
				if w := serve(h, req{}); w.Code != want {
					t.Fatalf("request %d: %d, want %d", i, w.Code, want)
				}
			}
		})
	}
}

// TestRedisDecidesOnTheServerClock: a Limiter whose clock is two days slow still gets
// decisions taken at the Redis server's time, unless the store is told to use the client
// clock.
func TestRedisDecidesOnTheServerClock(t *testing.T) {
	slow := func() time.Time { return time.Now().Add(-48 * time.Hour) }
	for _, clientClock := range []bool{false, true} {
		s, _, _ := redisStore(t, RedisStoreConfig{ClientClock: clientClock, Outage: OutageClosed})
		l, _ := NewLimiter(LimiterConfig{Rate: MustParseRate("10/m"), Store: s, Now: slow})
		r, err := l.Allow(context.Background(), "k")
		if err != nil {
			t.Fatal(err)
		}
		want := time.Now()
		if clientClock {
			want = slow()
		}
		if d := r.Time.Sub(want); d < -time.Minute || d > time.Minute {
			t.Errorf("ClientClock %v: decided at %v, want about %v", clientClock, r.Time, want)
		}
	}
}

// commandCounter is a go-redis hook counting the round trips a client makes.
type commandCounter struct{ trips, cmds atomic.Int64 }

func (h *commandCounter) DialHook(next redis.DialHook) redis.DialHook { return next }
func (h *commandCounter) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		h.trips.Add(1)
		h.cmds.Add(1)
		return next(ctx, cmd)
	}
}
func (h *commandCounter) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		h.trips.Add(1)
		h.cmds.Add(int64(len(cmds)))
		return next(ctx, cmds)
	}
}

// TestRedisOneRoundTripPerDecision: every decision of every algorithm is one command, one
// round trip (EVALSHA, once the script is cached).
func TestRedisOneRoundTripPerDecision(t *testing.T) {
	c := testenv.OtherRedisClient(t)
	var hook commandCounter
	c.AddHook(&hook)
	s, _, _ := redisStore(t, RedisStoreConfig{Client: c, Outage: OutageClosed})
	ctx := context.Background()
	for _, alg := range []Algorithm{GCRA, SlidingLog, SlidingWindow, FixedWindow} {
		l, _ := NewLimiter(LimiterConfig{Name: "trips-" + alg.String(), Rate: MustParseRate("3/m"), Algorithm: alg, Store: s})
		l.Allow(ctx, "warm") // the first use may add an EVAL after NOSCRIPT
		before := hook.trips.Load()
		for i := range 5 { // admitted, then refused
			if _, err := l.Allow(ctx, "k"); err != nil {
				t.Fatalf("%v decision %d: %v", alg, i, err)
			}
		}
		if n := hook.trips.Load() - before; n != 5 {
			t.Errorf("%v: %d round trips for 5 decisions", alg, n)
		}
	}
}

// TestFallbackChargesAreRefundedLocally: while Redis is down and the local fallback
// decides, the charges it took are given back to it as they would be to Redis: successes
// do not count against a count-failures limit, and a request refused by one policy does
// not keep its charge on another.
func TestFallbackChargesAreRefundedLocally(t *testing.T) {
	t.Run("CountFailures", func(t *testing.T) {
		c, p := proxiedClient(t)
		s, _, _ := redisStore(t, RedisStoreConfig{Client: c, Outage: OutageFallback})
		h := engine(t, mustMiddleware(t, Config{Store: s, Policies: []Policy{
			{Name: "login", Rate: MustParseRate("2/h"), Algorithm: SlidingLog, Count: CountFailures},
		}}))
		p.cut()
		login := func(password string) int {
			return serve(h, req{method: http.MethodPost, path: "/login", body: "password=" + password}).Code
		}
		for i := range 5 {
			if code := login("right"); code != http.StatusOK {
				t.Fatalf("success %d during the outage: %d; successes must not count", i+1, code)
			}
		}
		if got := []int{login("wrong"), login("wrong"), login("wrong")}; got[0] != 401 || got[1] != 401 || got[2] != http.StatusTooManyRequests {
			t.Fatalf("failures during the outage: %v, want 401 401 429", got)
		}
	})
	t.Run("RefusedByAnotherPolicy", func(t *testing.T) {
		c, p := proxiedClient(t)
		s, _, _ := redisStore(t, RedisStoreConfig{Client: c, Outage: OutageFallback})
		h := engine(t, mustMiddleware(t, Config{Store: s, Policies: []Policy{
			{Name: "wide", Rate: MustParseRate("3/h")},
			{Name: "apikey", Rate: MustParseRate("1/h"), Key: ByHeader("X-Api-Key")},
		}}))
		p.cut()
		withKey := func(k string) int { return serve(h, req{header: map[string]string{"X-Api-Key": k}}).Code }
		// Key A is refused by "apikey" after its first request: "wide" gives those
		// charges back, so it has two of its three left for keys B and C.
		for range 4 {
			withKey("A")
		}
		if got := []int{withKey("B"), withKey("C"), withKey("D")}; got[0] != 200 || got[1] != 200 || got[2] != http.StatusTooManyRequests {
			t.Fatalf("after refusals of key A: %v, want 200 200 429", got)
		}
	})
}

// BenchmarkRedisDecision is one decision through a RedisStore on the local Redis: one
// EVALSHA round trip.
func BenchmarkRedisDecision(b *testing.B) {
	client, prefix := testenv.Redis(b)
	s, err := NewRedisStore(RedisStoreConfig{Client: client, Prefix: prefix, Timeout: time.Second, Outage: OutageClosed})
	if err != nil {
		b.Fatal(err)
	}
	l, _ := NewLimiter(LimiterConfig{Rate: MustParseRate("1000000/s"), Store: s})
	ctx := context.Background()
	keys := make([]string, 1000)
	for i := range keys {
		keys[i] = fmt.Sprintf("10.0.%d.%d", i/256, i%256)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, err := l.Allow(ctx, keys[i%len(keys)]); err != nil {
			b.Fatal(err)
		}
		i++
	}
}
