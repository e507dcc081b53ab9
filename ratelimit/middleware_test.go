package ratelimit

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/djin-go/djin/ginmw"
	"github.com/djin-go/djin/internal/testclock"
	"github.com/gin-gonic/gin"
	"go.yaml.in/yaml/v3"
)

func init() { gin.SetMode(gin.TestMode) }

// clock is a settable time source for tests.
type clock = testclock.Clock

func newClock() *clock { return testclock.New(epoch) }

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// engine serves GET /ok, /doc/:id and POST /login behind mw, as gin.New() does: trusting
// every proxy for c.ClientIP(), the default this package must not rely on.
func engine(t *testing.T, mw gin.HandlerFunc) *gin.Engine {
	t.Helper()
	r := gin.New()
	r.Use(mw)
	r.GET("/ok", func(c *gin.Context) { c.String(http.StatusOK, "ok") })
	r.HEAD("/ok", func(c *gin.Context) { c.Status(http.StatusOK) })
	r.GET("/doc/:id", func(c *gin.Context) { c.String(http.StatusOK, c.Param("id")) })
	r.POST("/login", func(c *gin.Context) {
		if c.PostForm("password") == "right" {
			c.String(http.StatusOK, "welcome")
			return
		}
		c.String(http.StatusUnauthorized, "wrong")
	})
	return r
}

func mustMiddleware(t testing.TB, cfg Config) gin.HandlerFunc {
	t.Helper()
	if cfg.Logger == nil {
		cfg.Logger = quietLogger()
	}
	h, err := Middleware(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

type req struct {
	method, path, remote string
	header               map[string]string
	body                 string
}

func serve(h http.Handler, r req) *httptest.ResponseRecorder {
	if r.method == "" {
		r.method = http.MethodGet
	}
	if r.path == "" {
		r.path = "/ok"
	}
	var body io.Reader
	if r.body != "" {
		body = strings.NewReader(r.body)
	}
	hr := httptest.NewRequest(r.method, r.path, body)
	if r.body != "" {
		hr.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	hr.RemoteAddr = r.remote
	if hr.RemoteAddr == "" {
		hr.RemoteAddr = "192.0.2.1:5555"
	}
	for k, v := range r.header {
		hr.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, hr)
	return w
}

// statuses serves n identical requests and returns their status codes.
func statuses(h http.Handler, r req, n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = serve(h, r).Code
	}
	return out
}

func countStatus(codes []int, status int) int {
	n := 0
	for _, c := range codes {
		if c == status {
			n++
		}
	}
	return n
}

func TestTutorialThrottleOverHTTP(t *testing.T) {
	clk := newClock()
	h := engine(t, mustMiddleware(t, Config{
		Policies: []Policy{{Rate: MustParseRate("3/10s"), Algorithm: SlidingLog}},
		Now:      clk.Now,
	}))
	for i := range 3 {
		if w := serve(h, req{}); w.Code != http.StatusOK {
			t.Fatalf("request %d: %d", i+1, w.Code)
		}
		clk.Advance(time.Second)
	}
	w := serve(h, req{})
	if w.Code != http.StatusTooManyRequests {
		t.Fatalf("4th request in 10 s: %d", w.Code)
	}
	if got := w.Header().Get("Retry-After"); got != "7" {
		t.Fatalf("Retry-After %q, want 7", got)
	}
	if got := w.Header().Get("RateLimit"); got != `"default";r=0;t=7` {
		t.Fatalf("RateLimit %q", got)
	}
	if got := w.Header().Get("RateLimit-Policy"); got != `"default";q=3;w=10` {
		t.Fatalf("RateLimit-Policy %q", got)
	}
	clk.Advance(7 * time.Second)
	if w := serve(h, req{}); w.Code != http.StatusOK {
		t.Fatalf("after the oldest left the window: %d", w.Code)
	}
}

func TestDefaultIsSixtyPerMinutePerIP(t *testing.T) {
	h := engine(t, Default())
	codes := statuses(h, req{}, 61)
	if countStatus(codes, 200) != 60 || codes[60] != http.StatusTooManyRequests {
		t.Fatalf("statuses %v", codes)
	}
	if w := serve(h, req{remote: "192.0.2.2:1"}); w.Code != http.StatusOK {
		t.Fatalf("another client is limited: %d", w.Code)
	}
}

func TestPerIPShortForm(t *testing.T) {
	h := engine(t, PerIP("2/h"))
	if codes := statuses(h, req{}, 3); countStatus(codes, 200) != 2 {
		t.Fatalf("statuses %v", codes)
	}
	defer func() {
		if recover() == nil {
			t.Fatal("PerIP accepted a malformed rate")
		}
	}()
	PerIP("2 per hour")
}

// Bypass attempts. Each must leave the attacker limited and the victim untouched.

func TestSpoofedForwardedHeadersFromUntrustedPeer(t *testing.T) {
	h := engine(t, mustMiddleware(t, Config{Policies: []Policy{{Rate: MustParseRate("5/m")}}}))
	attacker := "203.0.113.7:40000"
	forged := []map[string]string{
		{"X-Forwarded-For": "1.2.3.4"},
		{"X-Forwarded-For": "5.6.7.8, 10.0.0.1"},
		{"X-Real-IP": "9.9.9.9"},
		{"Forwarded": "for=10.1.2.3"},
		{"CF-Connecting-IP": "11.11.11.11"},
		{"True-Client-IP": "12.12.12.12"},
		{"X-Forwarded-For": "192.0.2.99"}, // the victim's address
	}
	admitted := 0
	for i := range 30 {
		if serve(h, req{remote: attacker, header: forged[i%len(forged)]}).Code == http.StatusOK {
			admitted++
		}
	}
	if admitted != 5 {
		t.Fatalf("forged forwarding headers got %d requests through, want 5", admitted)
	}
	if w := serve(h, req{remote: "192.0.2.99:1"}); w.Code != http.StatusOK {
		t.Fatalf("the victim whose address was forged is locked out: %d", w.Code)
	}
}

// TestClientsBehindATrustedProxyAreToldApart: behind a proxy that ginmw's request facts
// trust, each client counts by the address the proxy forwarded, not by the proxy's own.
func TestClientsBehindATrustedProxyAreToldApart(t *testing.T) {
	facts, err := ginmw.NewFacts(ginmw.FactsConfig{AllowedHosts: []string{"example.com"}, TrustedProxies: []string{"10.0.0.7"}, ProxyHeaders: []ginmw.ProxyHeader{ginmw.HeaderXForwardedFor}})
	if err != nil {
		t.Fatal(err)
	}
	r := gin.New()
	r.Use(facts, mustMiddleware(t, Config{Policies: []Policy{{Rate: MustParseRate("2/m")}}}))
	r.GET("/ok", func(c *gin.Context) { c.String(http.StatusOK, "ok") })
	viaProxy := func(client string) int {
		return serve(r, req{remote: "10.0.0.7:443", header: map[string]string{"X-Forwarded-For": client}}).Code
	}
	if got := []int{viaProxy("198.51.100.1"), viaProxy("198.51.100.1"), viaProxy("198.51.100.1")}; got[1] != 200 || got[2] != http.StatusTooManyRequests {
		t.Fatalf("one client through the proxy: %v", got)
	}
	if viaProxy("198.51.100.2") != 200 {
		t.Fatal("a second client through the proxy shares the first one's budget")
	}
}

// TestByFuncCountsByWhatItReturns: a ByFunc key counts by the function's value, and an
// empty value counts by address.
func TestByFuncCountsByWhatItReturns(t *testing.T) {
	tenant := func(c *gin.Context) string { return c.Query("tenant") }
	h := engine(t, mustMiddleware(t, Config{Policies: []Policy{{Rate: MustParseRate("1/m"), Key: ByFunc(tenant)}}}))
	if got := []int{serve(h, req{path: "/ok?tenant=a"}).Code, serve(h, req{path: "/ok?tenant=a", remote: "198.51.100.9:1"}).Code, serve(h, req{path: "/ok?tenant=b"}).Code}; got[0] != 200 || got[1] != http.StatusTooManyRequests || got[2] != 200 {
		t.Fatalf("tenant a twice from two addresses, then tenant b: %v", got)
	}
	if got := []int{serve(h, req{}).Code, serve(h, req{}).Code, serve(h, req{remote: "198.51.100.9:1"}).Code}; got[0] != 200 || got[1] != http.StatusTooManyRequests || got[2] != 200 {
		t.Fatalf("no tenant: %v, want counted by address", got)
	}
}

func TestMissingHeaderNeverSkips(t *testing.T) {
	t.Run("FallsBackToIP", func(t *testing.T) {
		h := engine(t, mustMiddleware(t, Config{Policies: []Policy{{Rate: MustParseRate("3/m"), Key: ByHeader("X-Api-Key")}}}))
		if codes := statuses(h, req{}, 10); countStatus(codes, 200) != 3 {
			t.Fatalf("requests without the header: %v", codes)
		}
		// Empty values are missing too.
		if w := serve(h, req{header: map[string]string{"X-Api-Key": ""}}); w.Code != http.StatusTooManyRequests {
			t.Fatalf("an empty header value escaped: %d", w.Code)
		}
		// A key holder is counted apart from anonymous callers on the same address.
		if w := serve(h, req{header: map[string]string{"X-Api-Key": "k1"}}); w.Code != http.StatusOK {
			t.Fatalf("a key holder shares the anonymous bucket: %d", w.Code)
		}
	})
	t.Run("Deny", func(t *testing.T) {
		h := engine(t, mustMiddleware(t, Config{Policies: []Policy{{Rate: MustParseRate("3/m"), Key: ByHeader("X-Api-Key"), MissingKey: MissingKeyDeny}}}))
		w := serve(h, req{})
		if w.Code != http.StatusTooManyRequests || w.Header().Get("Retry-After") != "" {
			t.Fatalf("missing key with deny: %d, Retry-After %q", w.Code, w.Header().Get("Retry-After"))
		}
	})
	t.Run("AnonymousUsersCountByIP", func(t *testing.T) {
		user := func(c *gin.Context) string { return c.GetHeader("X-Test-User") }
		h := engine(t, mustMiddleware(t, Config{Policies: []Policy{{Rate: MustParseRate("2/m"), Key: ByUser(user)}}}))
		if codes := statuses(h, req{}, 4); countStatus(codes, 200) != 2 {
			t.Fatalf("anonymous: %v", codes)
		}
		if codes := statuses(h, req{header: map[string]string{"X-Test-User": "42"}}, 4); countStatus(codes, 200) != 2 {
			t.Fatalf("user 42: %v", codes)
		}
		if codes := statuses(h, req{remote: "198.51.100.1:1", header: map[string]string{"X-Test-User": "42"}}, 2); countStatus(codes, 200) != 0 {
			t.Fatalf("user 42 from another address got a fresh budget: %v", codes)
		}
	})
}

func TestIPv6RotationInsideA64(t *testing.T) {
	h := engine(t, mustMiddleware(t, Config{Policies: []Policy{{Rate: MustParseRate("5/m")}}}))
	admitted := 0
	for i := range 50 {
		addr := fmt.Sprintf("[2001:db8:1:2:%x:%x::%x]:443", i*7919%65536, i*104729%65536, i+1)
		if serve(h, req{remote: addr}).Code == http.StatusOK {
			admitted++
		}
	}
	if admitted != 5 {
		t.Fatalf("50 addresses in one /64 got %d through, want 5", admitted)
	}
	if w := serve(h, req{remote: "[2001:db8:1:3::1]:443"}); w.Code != http.StatusOK {
		t.Fatalf("the neighbouring /64 is limited: %d", w.Code)
	}
	// IPv4-mapped IPv6 is the IPv4 client.
	for range 5 {
		serve(h, req{remote: "198.51.100.9:1"})
	}
	if w := serve(h, req{remote: "[::ffff:198.51.100.9]:1"}); w.Code != http.StatusTooManyRequests {
		t.Fatalf("IPv4-mapped address escaped its IPv4 budget: %d", w.Code)
	}
}

func TestIPv6PrefixIsConfigurable(t *testing.T) {
	h := engine(t, mustMiddleware(t, Config{IPv6Prefix: 48, Policies: []Policy{{Rate: MustParseRate("1/m")}}}))
	serve(h, req{remote: "[2001:db8:1:2::1]:1"})
	if w := serve(h, req{remote: "[2001:db8:1:ffff::1]:1"}); w.Code != http.StatusTooManyRequests {
		t.Fatalf("two /64s of one /48 are counted apart: %d", w.Code)
	}
}

func TestRouteParametersDoNotMintKeys(t *testing.T) {
	h := engine(t, mustMiddleware(t, Config{Policies: []Policy{{Rate: MustParseRate("5/m"), Key: Compose(ByRoute(), ByIP())}}}))
	admitted := 0
	for i := range 40 {
		if serve(h, req{path: fmt.Sprintf("/doc/%d?x=%d", i, i)}).Code == http.StatusOK {
			admitted++
		}
	}
	if admitted != 5 {
		t.Fatalf("varying /doc/:id got %d through, want 5", admitted)
	}
	if w := serve(h, req{path: "/ok"}); w.Code != http.StatusOK {
		t.Fatalf("another route shares /doc/:id's budget: %d", w.Code)
	}
	// Unmatched paths share one key too, however random.
	notFound := 0
	for i := range 20 {
		if serve(h, req{path: fmt.Sprintf("/junk/%d", i)}).Code == http.StatusNotFound {
			notFound++
		}
	}
	if notFound != 5 {
		t.Fatalf("random unmatched paths got %d past the limiter, want 5", notFound)
	}
}

func TestByParamCountsPerParameter(t *testing.T) {
	h := engine(t, mustMiddleware(t, Config{Policies: []Policy{{Rate: MustParseRate("2/m"), Key: Compose(ByParam("id"), ByIP())}}}))
	for _, id := range []string{"a", "b"} {
		if codes := statuses(h, req{path: "/doc/" + id}, 3); countStatus(codes, 200) != 2 {
			t.Fatalf("doc %s: %v", id, codes)
		}
	}
}

func TestSeveralPolicies(t *testing.T) {
	clk := newClock()
	cfg := Config{
		Policies: []Policy{
			{Name: "burst", Rate: MustParseRate("2/s")},
			{Name: "sustained", Rate: MustParseRate("3/m"), Algorithm: FixedWindow},
		},
		Now:     clk.Now,
		Headers: HeadersBoth,
	}
	h := engine(t, mustMiddleware(t, cfg))
	w := serve(h, req{})
	if got := w.Header().Get("RateLimit-Policy"); got != `"burst";q=2;w=1, "sustained";q=3;w=60` {
		t.Fatalf("RateLimit-Policy %q", got)
	}
	if got := w.Header().Get("RateLimit"); got != `"burst";r=1;t=1, "sustained";r=2;t=60` {
		t.Fatalf("RateLimit %q", got)
	}
	if got := w.Header().Get("X-RateLimit-Remaining"); got != "1" {
		t.Fatalf("legacy headers follow the most constrained policy: remaining %q", got)
	}
	serve(h, req{})
	w = serve(h, req{}) // burst exhausted, sustained has 1 left
	if w.Code != http.StatusTooManyRequests || w.Header().Get("Retry-After") != "1" {
		t.Fatalf("third request in a second: %d Retry-After %q", w.Code, w.Header().Get("Retry-After"))
	}
	var problem map[string]any
	json.Unmarshal(w.Body.Bytes(), &problem)
	if v, _ := problem["violated-policies"].([]any); len(v) != 1 || v[0] != "burst" {
		t.Fatalf("violated-policies %v", problem["violated-policies"])
	}
	// The refused request was refunded to "sustained": one unit is still there.
	clk.Advance(time.Second)
	if w := serve(h, req{}); w.Code != http.StatusOK {
		t.Fatalf("sustained was charged for a refused request: %d", w.Code)
	}
	clk.Advance(time.Second)
	w = serve(h, req{})
	if w.Code != http.StatusTooManyRequests || w.Header().Get("Retry-After") != "58" {
		t.Fatalf("sustained exhausted: %d Retry-After %q (want the longest wait)", w.Code, w.Header().Get("Retry-After"))
	}
}

func TestChargeWhenDenied(t *testing.T) {
	h := engine(t, mustMiddleware(t, Config{
		ChargeWhenDenied: true,
		Policies: []Policy{
			{Name: "burst", Rate: MustParseRate("1/h")},
			{Name: "sustained", Rate: MustParseRate("3/h")},
		},
	}))
	statuses(h, req{}, 3) // 1 admitted, 2 refused by burst but charged to sustained
	w := serve(h, req{})
	if got := w.Header().Get("RateLimit"); got != `"burst";r=0;t=3600, "sustained";r=0;t=1200` {
		t.Fatalf("RateLimit %q: sustained should have been charged for the refusals", got)
	}
}

func TestWeightedCost(t *testing.T) {
	cost := func(c *gin.Context) int64 {
		var n int64
		fmt.Sscan(c.Query("n"), &n)
		return n
	}
	h := engine(t, mustMiddleware(t, Config{Policies: []Policy{{Rate: MustParseRate("10/m"), Cost: cost}}}))
	if w := serve(h, req{path: "/ok?n=7"}); w.Code != 200 || w.Header().Get("RateLimit") != `"default";r=3;t=6` {
		t.Fatalf("cost 7: %d %q", w.Code, w.Header().Get("RateLimit"))
	}
	if w := serve(h, req{path: "/ok?n=4"}); w.Code != http.StatusTooManyRequests {
		t.Fatalf("cost 4 with 3 left: %d", w.Code)
	}
	// A cost function cannot switch the limit off with 0 or a negative number.
	if codes := statuses(h, req{path: "/ok?n=-5"}, 4); countStatus(codes, 200) != 3 {
		t.Fatalf("negative costs: %v", codes)
	}
	// A request that can never fit is refused without a Retry-After.
	if w := serve(h, req{path: "/ok?n=11", remote: "192.0.2.50:1"}); w.Code != http.StatusTooManyRequests || w.Header().Get("Retry-After") != "" {
		t.Fatalf("cost 11 on 10/m: %d Retry-After %q", w.Code, w.Header().Get("Retry-After"))
	}
}

func TestCountFailuresOnly(t *testing.T) {
	h := engine(t, mustMiddleware(t, Config{Policies: []Policy{{Name: "login", Rate: MustParseRate("3/h"), Algorithm: SlidingLog, Count: CountFailures}}}))
	login := func(pw string) int {
		return serve(h, req{method: http.MethodPost, path: "/login", body: "password=" + pw}).Code
	}
	for range 10 {
		if c := login("right"); c != http.StatusOK {
			t.Fatalf("successful logins are counted: %d", c)
		}
	}
	for i := range 3 {
		if c := login("wrong"); c != http.StatusUnauthorized {
			t.Fatalf("failure %d: %d", i+1, c)
		}
	}
	if c := login("right"); c != http.StatusTooManyRequests {
		t.Fatalf("after 3 failures even the right password must wait: %d", c)
	}
}

func TestCountFailuresIsExactUnderConcurrency(t *testing.T) {
	// 64 concurrent failed logins: the limiter charges before the handler runs, so no
	// more than the limit reach it.
	var reached atomic.Int64
	mw := mustMiddleware(t, Config{Policies: []Policy{{Rate: MustParseRate("5/h"), Count: CountFailures}}})
	r := gin.New()
	r.Use(mw)
	r.POST("/login", func(c *gin.Context) {
		reached.Add(1)
		time.Sleep(time.Millisecond) // widen the race window
		c.Status(http.StatusUnauthorized)
	})
	var wg sync.WaitGroup
	for range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			serve(r, req{method: http.MethodPost, path: "/login"})
		}()
	}
	wg.Wait()
	if reached.Load() != 5 {
		t.Fatalf("%d failed logins reached the handler, want exactly 5", reached.Load())
	}
}

func TestCountSuccessesOnly(t *testing.T) {
	h := engine(t, mustMiddleware(t, Config{Policies: []Policy{{Rate: MustParseRate("2/h"), Count: CountSuccesses}}}))
	for range 5 {
		serve(h, req{method: http.MethodPost, path: "/login", body: "password=wrong"})
	}
	for i := range 2 {
		if c := serve(h, req{method: http.MethodPost, path: "/login", body: "password=right"}).Code; c != http.StatusOK {
			t.Fatalf("success %d: %d", i+1, c)
		}
	}
	if c := serve(h, req{method: http.MethodPost, path: "/login", body: "password=right"}).Code; c != http.StatusTooManyRequests {
		t.Fatalf("third success: %d", c)
	}
}

func TestShadowModeOnlyLogs(t *testing.T) {
	var logs bytes.Buffer
	var events []Event
	var seen []*Decision
	mw := mustMiddleware(t, Config{
		Shadow:     true,
		Policies:   []Policy{{Name: "api", Rate: MustParseRate("2/m")}},
		Logger:     slog.New(slog.NewTextHandler(&logs, nil)),
		OnDecision: func(e Event) { events = append(events, e) },
	})
	r := gin.New()
	r.Use(mw)
	r.GET("/ok", func(c *gin.Context) {
		d, _ := FromContext(c)
		seen = append(seen, d)
		c.String(http.StatusOK, "ok")
	})
	for i := range 5 {
		w := serve(r, req{header: map[string]string{"X-Api-Key": "secret-key"}})
		if w.Code != http.StatusOK {
			t.Fatalf("shadow mode refused request %d: %d", i+1, w.Code)
		}
		if w.Header().Get("RateLimit") != "" || w.Header().Get("Retry-After") != "" {
			t.Fatalf("shadow mode sent quota headers: %v", w.Header())
		}
	}
	if len(seen) != 5 || seen[1].Limited || !seen[2].Limited || !seen[2].Allowed {
		t.Fatalf("decisions seen by the handler: %+v", seen)
	}
	if n := strings.Count(logs.String(), "would be refused"); n != 3 {
		t.Fatalf("%d shadow log lines, want 3:\n%s", n, logs.String())
	}
	if strings.Contains(logs.String(), "secret-key") {
		t.Fatal("a key was logged")
	}
	if events[2].Outcome != OutcomeShadowDenied || events[1].Outcome != OutcomeAllowed || !events[1].NearLimit {
		t.Fatalf("events %+v", events)
	}
}

func TestBodiesAreNegotiated(t *testing.T) {
	h := engine(t, mustMiddleware(t, Config{Policies: []Policy{{Name: "api", Rate: MustParseRate("1/h")}}}))
	serve(h, req{})
	for _, tc := range []struct {
		accept, ctype, contains string
	}{
		{"", "application/problem+json", `"type":"https://iana.org/assignments/http-problem-types#quota-exceeded"`},
		{"*/*", "application/problem+json", `"violated-policies":["api"]`},
		{"application/json", "application/json; charset=utf-8", `"status":429`},
		{"text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "text/html; charset=utf-8", "<h1>Too Many Requests</h1>"},
		{"text/plain", "text/plain; charset=utf-8", "Too Many Requests: too many requests. Retry in 3600 seconds."},
		{"image/png", "application/problem+json", `"title":"Too Many Requests"`},
		{"text/html;q=0.1, application/json;q=0.9", "application/json; charset=utf-8", `"detail"`},
		{"text/html;q=bogus, text/plain", "text/plain; charset=utf-8", "Retry in"},
	} {
		w := serve(h, req{header: map[string]string{"Accept": tc.accept}})
		if w.Code != http.StatusTooManyRequests || w.Header().Get("Content-Type") != tc.ctype || !strings.Contains(w.Body.String(), tc.contains) {
			t.Errorf("Accept %q: %d %q %q", tc.accept, w.Code, w.Header().Get("Content-Type"), w.Body.String())
		}
		if w.Header().Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("Accept %q: no nosniff", tc.accept)
		}
	}
	w := serve(h, req{method: http.MethodHead})
	if w.Code != http.StatusTooManyRequests || w.Body.Len() != 0 {
		t.Fatalf("HEAD: %d with %d body bytes", w.Code, w.Body.Len())
	}
	var problem struct {
		Type     string   `json:"type"`
		Status   int      `json:"status"`
		Violated []string `json:"violated-policies"`
	}
	if err := json.Unmarshal(serve(h, req{}).Body.Bytes(), &problem); err != nil || problem.Status != 429 || problem.Violated[0] != "api" {
		t.Fatalf("problem document: %+v %v", problem, err)
	}
}

func TestReplaceableDeniedHandler(t *testing.T) {
	h := engine(t, mustMiddleware(t, Config{
		Policies: []Policy{{Rate: MustParseRate("1/h")}},
		Denied: func(c *gin.Context, d *Decision) {
			c.String(http.StatusTooManyRequests, "slow down, retry in %v", d.RetryAfter.Round(time.Minute))
		},
	}))
	serve(h, req{})
	w := serve(h, req{})
	if w.Code != http.StatusTooManyRequests || w.Body.String() != "slow down, retry in 1h0m0s" || w.Header().Get("Retry-After") != "3600" {
		t.Fatalf("%d %q %v", w.Code, w.Body.String(), w.Header())
	}
	// A handler that writes nothing still yields the refusal status, and the chain stops.
	h = engine(t, mustMiddleware(t, Config{Policies: []Policy{{Rate: MustParseRate("0/s")}}, Denied: func(*gin.Context, *Decision) {}}))
	if w := serve(h, req{}); w.Code != http.StatusTooManyRequests || w.Body.String() != "" {
		t.Fatalf("silent handler: %d %q", w.Code, w.Body.String())
	}
}

// failingStore answers every decision with an error.
type failingStore struct{ err error }

func (s failingStore) Take(context.Context, *Quota, string, int64, time.Time) (Result, error) {
	return Result{}, s.err
}
func (s failingStore) Reset(context.Context, *Quota, string) error { return s.err }

func TestStoreErrorsAre503NeverPanics(t *testing.T) {
	for _, err := range []error{ErrStoreUnavailable, ErrMalformedState, errors.New("boom")} {
		var events []Event
		h := engine(t, mustMiddleware(t, Config{Store: failingStore{err}, OnDecision: func(e Event) { events = append(events, e) }}))
		w := serve(h, req{})
		if w.Code != http.StatusServiceUnavailable || w.Header().Get("Retry-After") == "" {
			t.Fatalf("%v: %d Retry-After %q", err, w.Code, w.Header().Get("Retry-After"))
		}
		if !strings.Contains(w.Body.String(), "temporary-reduced-capacity") {
			t.Fatalf("%v: body %q", err, w.Body.String())
		}
		if len(events) != 1 || events[0].Outcome != OutcomeError {
			t.Fatalf("%v: events %+v", err, events)
		}
	}
	// In shadow mode a store error lets the request through.
	h := engine(t, mustMiddleware(t, Config{Store: failingStore{ErrStoreUnavailable}, Shadow: true}))
	if w := serve(h, req{}); w.Code != http.StatusOK {
		t.Fatalf("shadow with a failing store: %d", w.Code)
	}
}

func TestMemoryStoreFullIs503ButKnownClientsAreServed(t *testing.T) {
	store, err := NewMemoryStore(MemoryStoreConfig{MaxKeys: 64, Shards: 1, Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	h := engine(t, mustMiddleware(t, Config{Store: store, Policies: []Policy{{Rate: MustParseRate("10/h")}}}))
	for i := range 64 {
		serve(h, req{remote: fmt.Sprintf("10.0.%d.%d:1", i/256, i%256)})
	}
	if w := serve(h, req{remote: "10.9.9.9:1"}); w.Code != http.StatusServiceUnavailable {
		t.Fatalf("a new client at the cap: %d", w.Code)
	}
	if w := serve(h, req{remote: "10.0.0.1:1"}); w.Code != http.StatusOK {
		t.Fatalf("a known client at the cap: %d", w.Code)
	}
}

func TestExemptions(t *testing.T) {
	h := engine(t, mustMiddleware(t, Config{
		Policies:       []Policy{{Rate: MustParseRate("0/s")}},
		ExemptNetworks: []string{"10.0.0.0/8", "2001:db8::/32"},
		Exempt:         func(c *gin.Context) bool { return c.GetHeader("X-Internal-Token") == "let-me-in" },
	}))
	for _, r := range []req{
		{remote: "10.1.2.3:1"},
		{remote: "[2001:db8::5]:1"},
		{remote: "[::ffff:10.1.2.3]:1"},
		{header: map[string]string{"X-Internal-Token": "let-me-in"}},
	} {
		if w := serve(h, r); w.Code != http.StatusOK {
			t.Errorf("%+v: %d", r, w.Code)
		}
	}
	if w := serve(h, req{remote: "11.0.0.1:1", header: map[string]string{"X-Forwarded-For": "10.0.0.1"}}); w.Code != http.StatusTooManyRequests {
		t.Fatalf("a forged header reached the exemption: %d", w.Code)
	}
}

func TestUnlimitedAndBlockAll(t *testing.T) {
	h := engine(t, mustMiddleware(t, Config{Policies: []Policy{{Name: "off", Rate: Unlimited}, {Name: "on", Rate: MustParseRate("1/h")}}}))
	w := serve(h, req{})
	if w.Code != 200 || w.Header().Get("RateLimit-Policy") != `"on";q=1;w=3600` || w.Header().Get("RateLimit") != `"on";r=0;t=3600` {
		t.Fatalf("unlimited policies stay out of the headers: %v", w.Header())
	}
	h = engine(t, mustMiddleware(t, Config{Policies: []Policy{{Rate: MustParseRate("0/s")}}}))
	if w := serve(h, req{}); w.Code != http.StatusTooManyRequests || w.Header().Get("Retry-After") != "" {
		t.Fatalf("0/s: %d Retry-After %q", w.Code, w.Header().Get("Retry-After"))
	}
}

func TestHeaderStyles(t *testing.T) {
	for _, tc := range []struct {
		cfg         Config
		draft, xrl  bool
		resetLegacy string
	}{
		{Config{}, true, false, ""},
		{Config{Headers: HeadersLegacy}, false, true, "60"},
		{Config{Headers: HeadersLegacy, LegacyReset: ResetEpoch}, false, true, fmt.Sprint(epoch.Unix() + 60)},
		{Config{Headers: HeadersNone}, false, false, ""},
	} {
		tc.cfg.Policies = []Policy{{Rate: MustParseRate("2/m"), Algorithm: FixedWindow}}
		tc.cfg.Now = func() time.Time { return epoch }
		h := engine(t, mustMiddleware(t, tc.cfg))
		w := serve(h, req{})
		if (w.Header().Get("RateLimit") != "") != tc.draft || (w.Header().Get("X-RateLimit-Limit") != "") != tc.xrl {
			t.Errorf("%q: %v", tc.cfg.Headers, w.Header())
		}
		if tc.xrl && (w.Header().Get("X-RateLimit-Reset") != tc.resetLegacy || w.Header().Get("X-RateLimit-Limit") != "2" || w.Header().Get("X-RateLimit-Remaining") != "1") {
			t.Errorf("%q %q: %v", tc.cfg.Headers, tc.cfg.LegacyReset, w.Header())
		}
		serve(h, req{})
		if w := serve(h, req{}); w.Header().Get("Retry-After") != "60" {
			t.Errorf("%q: Retry-After on refusal %q", tc.cfg.Headers, w.Header().Get("Retry-After"))
		}
	}
}

func TestRetryAfterIsNeverBelowT(t *testing.T) {
	// Draft rule: Retry-After must not point earlier than the exhausted policy's t.
	clk := newClock()
	for _, alg := range []Algorithm{GCRA, SlidingLog, SlidingWindow, FixedWindow} {
		h := engine(t, mustMiddleware(t, Config{Policies: []Policy{{Rate: MustParseRate("3/10s"), Algorithm: alg}}, Now: clk.Now}))
		for i := range 40 {
			clk.Advance(time.Duration(i%7) * 333 * time.Millisecond)
			w := serve(h, req{})
			if w.Code != http.StatusTooManyRequests {
				continue
			}
			var r, tt int64
			if _, err := fmt.Sscanf(w.Header().Get("RateLimit"), `"default";r=%d;t=%d`, &r, &tt); err != nil {
				t.Fatalf("%v: RateLimit %q", alg, w.Header().Get("RateLimit"))
			}
			var ra int64
			fmt.Sscan(w.Header().Get("Retry-After"), &ra)
			if r != 0 || ra < tt || ra < 1 {
				t.Fatalf("%v: r=%d t=%d Retry-After=%d", alg, r, tt, ra)
			}
		}
	}
}

func TestMiddlewareOnGroupsAndSingleRoutes(t *testing.T) {
	r := gin.New()
	api := r.Group("/api", mustMiddleware(t, Config{Policies: []Policy{{Name: "api", Rate: MustParseRate("1/h")}}}))
	api.GET("/a", func(c *gin.Context) { c.Status(200) })
	api.GET("/b", func(c *gin.Context) { c.Status(200) })
	r.GET("/login", mustMiddleware(t, Config{Policies: []Policy{{Name: "login", Rate: MustParseRate("2/h")}}}), func(c *gin.Context) { c.Status(200) })
	r.GET("/free", func(c *gin.Context) { c.Status(200) })
	if got := []int{serve(r, req{path: "/api/a"}).Code, serve(r, req{path: "/api/b"}).Code}; got[0] != 200 || got[1] != 429 {
		t.Fatalf("group shares one budget: %v", got)
	}
	if codes := statuses(r, req{path: "/login"}, 3); countStatus(codes, 200) != 2 {
		t.Fatalf("route: %v", codes)
	}
	if codes := statuses(r, req{path: "/free"}, 10); countStatus(codes, 200) != 10 {
		t.Fatalf("unlimited route: %v", codes)
	}
}

func TestConfigErrorsNameTheField(t *testing.T) {
	for _, tc := range []struct {
		cfg  Config
		want string
	}{
		{Config{Headers: "loud"}, "Config.Headers"},
		{Config{LegacyReset: "soon"}, "Config.LegacyReset"},
		{Config{IPv4Prefix: 33}, "Config.IPv4Prefix"},
		{Config{IPv6Prefix: 8}, "Config.IPv6Prefix"},
		{Config{ExemptNetworks: []string{"10.0.0.0"}}, "Config.ExemptNetworks[0]"},
		{Config{Policies: []Policy{{}}}, "Config.Policies[0].Rate"},
		{Config{Policies: []Policy{{Name: "a", Rate: PerMinute(1)}, {Rate: PerMinute(1)}}}, "Config.Policies[1].Name"},
		{Config{Policies: []Policy{{Name: "a", Rate: PerMinute(1)}, {Name: "a", Rate: PerMinute(1)}}}, "Config.Policies[1].Name"},
		{Config{Policies: []Policy{{Name: "bad name", Rate: PerMinute(1)}}}, "Config.Policies[0]"},
		{Config{Policies: []Policy{{Rate: PerMinute(1), MissingKey: "skip"}}}, "Config.Policies[0].MissingKey"},
		{Config{Policies: []Policy{{Rate: PerMinute(1), Count: "some"}}}, "Config.Policies[0].Count"},
		{Config{Policies: []Policy{{Rate: PerMinute(1), Key: mustKey("user")}}}, "Config.Policies[0].Key"},
		{Config{Policies: []Policy{{Rate: PerMinute(5000), Algorithm: SlidingLog}}}, "Config.Policies[0]"},
		{Config{Policies: []Policy{{Rate: MustParseRate("5/m;burst=9"), Algorithm: FixedWindow}}}, "Config.Policies[0]"},
	} {
		_, err := Middleware(tc.cfg)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !(errors.Is(err, ErrInvalidConfig) || errors.Is(err, ErrInvalidRate)) {
			t.Errorf("%+v: got %v, want an error naming %s", tc.cfg, err, tc.want)
		}
	}
}

func mustKey(s string) Key {
	k, err := ParseKey(s)
	if err != nil {
		panic(err)
	}
	return k
}

func TestConfigDecodesFromYAML(t *testing.T) {
	const settings = `
policies:
  - name: burst
    rate: 20/s
    key: route+ip
  - name: daily
    rate: 1000/d
    algorithm: sliding_window
    key: header:X-Api-Key
    missing_key: deny
  - name: login
    rate: 5-M
    algorithm: sliding-log
    key: user+ip
    count: failures
headers: both
legacy_reset: epoch
ipv6_prefix: 56
shadow: false
exempt_networks: [10.0.0.0/8]
`
	var cfg Config
	if err := yaml.Unmarshal([]byte(settings), &cfg); err != nil {
		t.Fatal(err)
	}
	cfg.User = func(c *gin.Context) string { return "" }
	if _, err := Middleware(cfg); err != nil {
		t.Fatal(err)
	}
	p := cfg.Policies
	if p[0].Rate != PerSecond(20) || p[1].Algorithm != SlidingWindow || p[2].Rate != PerMinute(5) || p[2].Algorithm != SlidingLog {
		t.Fatalf("%+v", p)
	}
	if p[0].Key.String() != "route+ip" || p[1].Key.String() != "header:X-Api-Key" || p[2].Count != CountFailures || p[1].MissingKey != MissingKeyDeny {
		t.Fatalf("%+v", p)
	}
	if cfg.Headers != HeadersBoth || cfg.IPv6Prefix != 56 || cfg.LegacyReset != ResetEpoch {
		t.Fatalf("%+v", cfg)
	}
	// Store settings decode too, durations as strings.
	var ms MemoryStoreConfig
	if err := yaml.Unmarshal([]byte("max_keys: 5000\nsweep_interval: 30s\nwhen_full: allow\n"), &ms); err != nil || ms.SweepInterval != 30*time.Second || ms.MaxKeys != 5000 || ms.WhenFull != FullAllow {
		t.Fatalf("%+v %v", ms, err)
	}
	var rs RedisStoreConfig
	if err := yaml.Unmarshal([]byte("prefix: \"app:rl:\"\ntimeout: 20ms\noutage: closed\ninstances: 4\nbreaker_cooldown: 10s\n"), &rs); err != nil || rs.Timeout != 20*time.Millisecond || rs.Outage != OutageClosed || rs.BreakerCooldown != 10*time.Second {
		t.Fatalf("%+v %v", rs, err)
	}
	// Malformed values fail the decode with the offending text.
	for _, bad := range []string{"policies: [{rate: 3 per 10s}]", "policies: [{rate: 5/M}]", "policies: [{algorithm: leaky}]", "policies: [{key: cookie:x}]"} {
		var c Config
		if err := yaml.Unmarshal([]byte(bad), &c); err == nil {
			t.Errorf("%q decoded", bad)
		}
	}
}

func TestEventsForMetrics(t *testing.T) {
	var events []Event
	h := engine(t, mustMiddleware(t, Config{Policies: []Policy{{Name: "p", Rate: MustParseRate("5/m")}}, OnDecision: func(e Event) { events = append(events, e) }}))
	statuses(h, req{path: "/doc/7"}, 6)
	if len(events) != 6 {
		t.Fatalf("%d events", len(events))
	}
	if e := events[0]; e.Policy != "p" || e.Route != "/doc/:id" || e.Outcome != OutcomeAllowed || e.NearLimit {
		t.Fatalf("first %+v", e)
	}
	if !events[4].NearLimit || events[5].Outcome != OutcomeDenied || events[5].Outcome.String() != "denied" {
		t.Fatalf("last two %+v %+v", events[4], events[5])
	}
}

func TestExposeDecision(t *testing.T) {
	mw := mustMiddleware(t, Config{Expose: true, Policies: []Policy{{Name: "p", Rate: MustParseRate("5/m")}}})
	r := gin.New()
	r.Use(mw)
	var remaining int64 = -1
	r.GET("/ok", func(c *gin.Context) {
		if d, ok := FromContext(c); ok && d.Allowed {
			remaining = d.Policies[0].Result.Remaining
		}
	})
	serve(r, req{})
	if remaining != 4 {
		t.Fatalf("handler saw remaining %d", remaining)
	}
}

// discardWriter is a ResponseWriter that keeps one header map and forgets everything.
type discardWriter struct{ h http.Header }

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *discardWriter) WriteHeader(int)             {}

// benchEngine serves GET /item/:id answering 204, behind mw when it is not nil.
func benchEngine(mw gin.HandlerFunc) *gin.Engine {
	r := gin.New()
	if mw != nil {
		r.Use(mw)
	}
	r.GET("/item/:id", func(c *gin.Context) { c.Status(http.StatusNoContent) })
	return r
}

// benchPeers are the socket addresses of 10 000 distinct clients.
func benchPeers() []string {
	peers := make([]string, 10_000)
	for i := range peers {
		peers[i] = fmt.Sprintf("10.%d.%d.%d:40000", i>>16&255, i>>8&255, i&255)
	}
	return peers
}

// runBench serves one reused request (as a server's request is hot in cache) from 10 000
// clients in turn, so the limiter works across 10 000 keys.
func runBench(b *testing.B, h http.Handler) {
	peers := benchPeers()
	r := httptest.NewRequest(http.MethodGet, "/item/42", nil)
	w := &discardWriter{h: http.Header{}}
	for _, p := range peers { // warm every key
		r.RemoteAddr = p
		h.ServeHTTP(w, r)
		clear(w.h)
	}
	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		r.RemoteAddr = peers[i%len(peers)]
		h.ServeHTTP(w, r)
		clear(w.h)
		i++
	}
}

func BenchmarkGinBare(b *testing.B) { runBench(b, benchEngine(nil)) }

// BenchmarkGinMiddleware is the allow path: client-IP key, GCRA, draft headers. Its
// overhead is the difference to BenchmarkGinBare.
func BenchmarkGinMiddleware(b *testing.B) {
	runBench(b, benchEngine(mustMiddleware(b, Config{Policies: []Policy{{Rate: MustParseRate("1000000/s")}}})))
}

func BenchmarkGinMiddlewareTwoPolicies(b *testing.B) {
	runBench(b, benchEngine(mustMiddleware(b, Config{Policies: []Policy{
		{Name: "burst", Rate: MustParseRate("1000000/s")},
		{Name: "route", Rate: MustParseRate("1000000000/h"), Key: Compose(ByRoute(), ByIP()), Algorithm: SlidingWindow},
	}})))
}

// BenchmarkGinMiddlewareDenied is the 429 path with a problem+json body.
func BenchmarkGinMiddlewareDenied(b *testing.B) {
	runBench(b, benchEngine(mustMiddleware(b, Config{Policies: []Policy{{Rate: MustParseRate("1/h")}}})))
}

// TestMiddlewareAllocationBudget: the allow path adds no allocation to a bare Gin request
// once its RateLimit values are cached (a client's r and t repeat from request to
// request); the budget is two.
func TestMiddlewareAllocationBudget(t *testing.T) {
	measure := func(h http.Handler) float64 {
		peers := benchPeers()[:100]
		r := httptest.NewRequest(http.MethodGet, "/item/42", nil)
		w := &discardWriter{h: http.Header{}}
		for _, p := range peers {
			r.RemoteAddr = p
			h.ServeHTTP(w, r)
			clear(w.h)
		}
		i := 0
		return testing.AllocsPerRun(1000, func() {
			r.RemoteAddr = peers[i%len(peers)]
			h.ServeHTTP(w, r)
			clear(w.h)
			i++
		})
	}
	bare := measure(benchEngine(nil))
	with := measure(benchEngine(Default()))
	if with-bare > 0 {
		t.Fatalf("the middleware adds %v allocations per request (bare gin %v, with %v); budget 0", with-bare, bare, with)
	}
}

// TestPolicyHeaderSharedSafely: every response shares one RateLimit-Policy value slice,
// and a handler that adds to or replaces its own response's field changes no other
// response.
func TestPolicyHeaderSharedSafely(t *testing.T) {
	r := gin.New()
	r.Use(mustMiddleware(t, Config{Policies: []Policy{{Name: "api", Rate: MustParseRate("100/m")}}}))
	r.GET("/add", func(c *gin.Context) {
		c.Writer.Header().Add("RateLimit-Policy", `"extra";q=1;w=1`)
		c.Status(http.StatusNoContent)
	})
	r.GET("/set", func(c *gin.Context) {
		c.Header("RateLimit-Policy", "replaced")
		c.Status(http.StatusNoContent)
	})
	r.GET("/plain", func(c *gin.Context) { c.Status(http.StatusNoContent) })
	for _, path := range []string{"/add", "/set", "/plain"} {
		w := httptest.NewRecorder()
		r.ServeHTTP(w, httptest.NewRequest(http.MethodGet, path, nil))
		if path != "/plain" {
			continue
		}
		if got := w.Header().Values("RateLimit-Policy"); len(got) != 1 || got[0] != `"api";q=100;w=60` {
			t.Fatalf("after other handlers changed theirs, RateLimit-Policy = %q", got)
		}
	}
}
