package cache_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/redis/go-redis/v9"

	"github.com/djin-go/djin/ginmw"
	"github.com/djin-go/djin/ginmw/cache"
	"github.com/djin-go/djin/ginmw/session"
	"github.com/djin-go/djin/ginmw/session/sessiontest"
	"github.com/djin-go/djin/internal/testenv"
)

func init() { gin.SetMode(gin.TestMode) }

// site is a router with Django's recommended order: UpdateCache first, sessions, a layer that
// sets a header on every response, FetchFromCache last. Every view counts its runs.
type site struct {
	t      *testing.T
	router *gin.Engine
	clock  *sessiontest.Clock
	calls  atomic.Int64
	logs   *bytes.Buffer
	cache  *cache.Cache
}

// headerLayer adds a header in its response hook, as security or xframe do.
type headerLayer struct{}

func (headerLayer) ProcessResponse(c *gin.Context, r *ginmw.Response) {
	r.Header().Set("X-Frame-Options", "DENY")
}

func newSite(t *testing.T, cfg cache.Config) *site {
	t.Helper()
	s := &site{t: t, clock: sessiontest.NewClock(), logs: &bytes.Buffer{}}
	if cfg.Now == nil {
		cfg.Now = s.clock.Now
	}
	if cfg.Backend == nil {
		cfg.Backend, _ = cache.NewMemory(cache.MemoryConfig{Now: s.clock.Now})
	}
	cfg.Logger = slog.New(slog.NewTextHandler(s.logs, nil))
	ch, err := cache.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	s.cache = ch
	s.router = gin.New()
	s.router.Use(ginmw.Chain(ch.UpdateCache(), session.Default(), headerLayer{}, ch.FetchFromCache()))
	s.view("/page", func(c *gin.Context) {
		c.String(200, "page %d for %s", s.calls.Load(), c.Query("q"))
	})
	return s
}

// view adds a GET and HEAD route whose handler counts its runs.
func (s *site) view(path string, h gin.HandlerFunc, decorators ...gin.HandlerFunc) {
	counted := func(c *gin.Context) {
		s.calls.Add(1)
		h(c)
	}
	handlers := append(append([]gin.HandlerFunc{}, decorators...), counted)
	s.router.GET(path, handlers...)
	s.router.HEAD(path, handlers...)
	s.router.POST(path, handlers...)
}

func (s *site) do(method, target string, headers ...string) *httptest.ResponseRecorder {
	s.t.Helper()
	req := httptest.NewRequest(method, target, nil)
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i] == "Host" {
			req.Host = headers[i+1]
			continue
		}
		req.Header.Set(headers[i], headers[i+1])
	}
	w := httptest.NewRecorder()
	s.router.ServeHTTP(w, req)
	return w
}

// runs sends the request and returns how many times a view ran for it (0: a cache hit).
func (s *site) runs(method, target string, headers ...string) int64 {
	s.t.Helper()
	before := s.calls.Load()
	s.do(method, target, headers...)
	return s.calls.Load() - before
}

func TestMissThenHit(t *testing.T) {
	s := newSite(t, cache.Config{})
	first := s.do("GET", "/page?q=a")
	if first.Code != 200 || first.Header().Get("Age") != "" {
		t.Fatalf("miss: %d, Age %q", first.Code, first.Header().Get("Age"))
	}
	s.clock.Advance(30 * time.Second)
	second := s.do("GET", "/page?q=a")
	if s.calls.Load() != 1 {
		t.Fatalf("the view ran %d times; want 1", s.calls.Load())
	}
	if second.Body.String() != first.Body.String() || second.Code != 200 {
		t.Fatalf("hit: %d %q; want %q", second.Code, second.Body, first.Body)
	}
	if got := second.Header().Get("Age"); got != "30" {
		t.Fatalf("Age = %q; want 30", got)
	}
	if second.Header().Get("X-Frame-Options") != "DENY" || len(second.Header().Values("X-Frame-Options")) != 1 {
		t.Fatalf("layers above FetchFromCache run on hits: X-Frame-Options %q", second.Header().Values("X-Frame-Options"))
	}
	if cc := second.Header().Get("Cache-Control"); cc != "max-age=600" || second.Header().Get("Expires") == "" {
		t.Fatalf("Cache-Control %q, Expires %q; want Django's patched headers", cc, second.Header().Get("Expires"))
	}
}

func TestTimeoutExpires(t *testing.T) {
	s := newSite(t, cache.Config{Timeout: time.Minute})
	s.do("GET", "/page")
	s.clock.Advance(59 * time.Second)
	if s.runs("GET", "/page") != 0 {
		t.Fatal("expired too early")
	}
	s.clock.Advance(time.Second)
	if s.runs("GET", "/page") != 1 {
		t.Fatal("served after the timeout")
	}
}

func TestKeyIncludesQueryAndHost(t *testing.T) {
	// Django: test_get_cache_key_with_query, and the absolute URL in the key.
	s := newSite(t, cache.Config{})
	s.do("GET", "/page?q=a")
	if s.runs("GET", "/page?q=b") != 1 || s.runs("GET", "/page") != 1 {
		t.Fatal("another query string must be another page")
	}
	if s.runs("GET", "/page?q=a", "Host", "evil.example") != 1 {
		t.Fatal("another host must be another page (no poisoning through Host)")
	}
	if s.runs("GET", "/page?q=a", "Host", "EXAMPLE.com") != 0 {
		t.Fatal("hosts compare case-insensitively")
	}
}

func TestVaryHeadersAreInTheKey(t *testing.T) {
	s := newSite(t, cache.Config{})
	s.view("/i18n", func(c *gin.Context) {
		c.Header("Vary", "Accept-Language")
		c.String(200, "hello in %s", c.GetHeader("Accept-Language"))
	})
	s.do("GET", "/i18n", "Accept-Language", "fr")
	if s.runs("GET", "/i18n", "Accept-Language", "de") != 1 {
		t.Fatal("a different Accept-Language must miss")
	}
	w := s.do("GET", "/i18n", "Accept-Language", "fr")
	if w.Body.String() != "hello in fr" || s.calls.Load() != 2 {
		t.Fatalf("same Accept-Language must hit its own entry: %q, %d runs", w.Body, s.calls.Load())
	}
	if s.runs("GET", "/i18n") != 1 {
		t.Fatal("a missing header is a value of its own")
	}
}

func TestOnlyGetAndHeadAreCached(t *testing.T) {
	s := newSite(t, cache.Config{})
	s.do("POST", "/page")
	if s.runs("POST", "/page") != 1 || s.runs("GET", "/page") != 1 {
		t.Fatal("POST must be neither cached nor served from the cache")
	}
}

func TestHead(t *testing.T) {
	// Django: CacheHEADTest.
	t.Run("with cached GET", func(t *testing.T) {
		s := newSite(t, cache.Config{})
		s.do("GET", "/page")
		if w := s.do("HEAD", "/page"); s.calls.Load() != 1 || w.Code != 200 || w.Body.Len() != 0 {
			t.Fatalf("HEAD after GET: %d runs, %d, %q", s.calls.Load(), w.Code, w.Body)
		}
	})
	t.Run("caches correctly", func(t *testing.T) {
		s := newSite(t, cache.Config{})
		s.do("HEAD", "/page")
		if s.runs("HEAD", "/page") != 0 {
			t.Fatal("a second HEAD must hit")
		}
		if s.runs("GET", "/page") != 1 {
			t.Fatal("a GET must not be served a HEAD's empty response")
		}
	})
}

func TestPrivateResponsesAreNotCached(t *testing.T) {
	for name, view := range map[string]gin.HandlerFunc{
		"session read": func(c *gin.Context) { c.String(200, "hi %s", session.Get(c).GetString("user")) },
		"sets a cookie": func(c *gin.Context) { // Django: test_sensitive_cookie_not_cached
			c.SetCookie("pref", "x", 60, "/", "", false, true)
			c.String(200, "ok")
		},
		"private":     func(c *gin.Context) { c.Header("Cache-Control", "private"); c.String(200, "ok") },
		"no-store":    func(c *gin.Context) { c.Header("Cache-Control", "no-store"); c.String(200, "ok") },
		"no-cache":    func(c *gin.Context) { c.Header("Cache-Control", "No-Cache"); c.String(200, "ok") },
		"max-age=0":   func(c *gin.Context) { c.Header("Cache-Control", "max-age=0"); c.String(200, "ok") },
		"vary star":   func(c *gin.Context) { c.Header("Vary", "*"); c.String(200, "ok") },
		"vary cookie": func(c *gin.Context) { c.Header("Vary", "accept-encoding, cookie"); c.String(200, "ok") },
		"csp nonce": func(c *gin.Context) {
			c.Header("Content-Security-Policy", "script-src 'nonce-abc'")
			c.String(200, "ok")
		},
		"not found":    func(c *gin.Context) { c.String(404, "nope") },
		"redirect":     func(c *gin.Context) { c.Redirect(302, "/elsewhere") },
		"server error": func(c *gin.Context) { c.String(500, "boom") },
		"streaming": func(c *gin.Context) {
			c.Writer.WriteString("chunk")
			c.Writer.Flush()
		},
	} {
		t.Run(name, func(t *testing.T) {
			s := newSite(t, cache.Config{})
			s.view("/v", view)
			s.do("GET", "/v")
			if s.runs("GET", "/v") != 1 {
				t.Fatal("the response was cached")
			}
		})
	}
}

func TestAuthorizedRequestsBypassTheCache(t *testing.T) {
	s := newSite(t, cache.Config{})
	s.do("GET", "/page")
	if s.runs("GET", "/page", "Authorization", "Bearer x") != 1 {
		t.Fatal("a request with credentials must not be served a shared page")
	}
	s.do("GET", "/other", "Authorization", "Bearer x")
	s.view("/other", func(c *gin.Context) { c.String(200, "x") })
	s.do("GET", "/other", "Authorization", "Bearer x")
	if s.runs("GET", "/other") != 1 {
		t.Fatal("a response to a request with credentials must not be stored")
	}
}

func TestMaxAgeIsTheTimeout(t *testing.T) {
	s := newSite(t, cache.Config{})
	s.view("/short", func(c *gin.Context) { c.Header("Cache-Control", "public, max-age=5"); c.String(200, "ok") })
	s.do("GET", "/short")
	s.clock.Advance(4 * time.Second)
	if s.runs("GET", "/short") != 0 {
		t.Fatal("max-age=5 must cache")
	}
	s.clock.Advance(time.Second)
	if s.runs("GET", "/short") != 1 {
		t.Fatal("max-age=5 must expire after 5s")
	}
	s.view("/shared", func(c *gin.Context) { c.Header("Cache-Control", "max-age=1, s-maxage=100"); c.String(200, "ok") })
	s.do("GET", "/shared")
	s.clock.Advance(50 * time.Second)
	if s.runs("GET", "/shared") != 0 {
		t.Fatal("s-maxage speaks to shared caches and wins over max-age")
	}
}

func TestCachePageTimeoutWinsOverMaxAge(t *testing.T) {
	// Django: test_cache_page_timeout.
	s := newSite(t, cache.Config{})
	s.view("/decorated", func(c *gin.Context) { c.Header("Cache-Control", "max-age=3600"); c.String(200, "ok") }, cache.CachePage(10*time.Second))
	w := s.do("GET", "/decorated")
	if cc := w.Header().Get("Cache-Control"); cc != "max-age=10" {
		t.Fatalf("Cache-Control = %q; want max-age lowered to the page timeout", cc)
	}
	s.clock.Advance(9 * time.Second)
	if s.runs("GET", "/decorated") != 0 {
		t.Fatal("CachePage under the site cache must cache")
	}
	s.clock.Advance(time.Second)
	if s.runs("GET", "/decorated") != 1 {
		t.Fatal("the page timeout, not max-age, must decide")
	}
}

func TestNotModifiedGetsHeadersButIsNotCached(t *testing.T) {
	// Django: test_304_response_has_http_caching_headers_but_not_cached.
	s := newSite(t, cache.Config{})
	s.view("/etag", func(c *gin.Context) { c.Status(http.StatusNotModified) })
	w := s.do("GET", "/etag")
	if w.Code != 304 || w.Header().Get("Expires") == "" || !strings.Contains(w.Header().Get("Cache-Control"), "max-age=600") {
		t.Fatalf("304: Expires %q, Cache-Control %q", w.Header().Get("Expires"), w.Header().Get("Cache-Control"))
	}
	if s.runs("GET", "/etag") != 1 {
		t.Fatal("a 304 must not be cached")
	}
}

func TestExistingHeadersArePatchedNotReplaced(t *testing.T) {
	s := newSite(t, cache.Config{})
	s.view("/p", func(c *gin.Context) {
		c.Header("Cache-Control", "public, max-age=30")
		c.Header("Expires", "Thu, 01 Jan 2099 00:00:00 GMT")
		c.String(200, "ok")
	})
	w := s.do("GET", "/p")
	if cc := w.Header().Get("Cache-Control"); cc != "public, max-age=30" || w.Header().Get("Expires") != "Thu, 01 Jan 2099 00:00:00 GMT" {
		t.Fatalf("Cache-Control %q, Expires %q", cc, w.Header().Get("Expires"))
	}
}

func TestPerRequestHeadersAreNotReplayed(t *testing.T) {
	s := newSite(t, cache.Config{})
	s.view("/ids", func(c *gin.Context) {
		c.Header("X-Request-Id", "first-request")
		c.Header("Date", "Mon, 01 Jan 2024 00:00:00 GMT")
		c.Header("X-Kept", "yes")
		c.String(200, "ok")
	})
	s.do("GET", "/ids")
	w := s.do("GET", "/ids")
	if s.calls.Load() != 1 || w.Header().Get("X-Request-Id") != "" || w.Header().Get("Date") != "" || w.Header().Get("X-Kept") != "yes" {
		t.Fatalf("hit headers %v", w.Header())
	}
}

func TestNeverCache(t *testing.T) {
	s := newSite(t, cache.Config{})
	s.view("/account", func(c *gin.Context) {
		c.Header("Cache-Control", "public, max-age=60") // the view tries; the decorator wins
		c.String(200, "balance")
	}, cache.NeverCache)
	s.view("/plain-never", func(c *gin.Context) { c.String(200, "x") }, cache.NeverCache)
	s.do("GET", "/account")
	if s.runs("GET", "/account") != 1 {
		t.Fatal("NeverCache must keep the response out of the site cache")
	}
	w := s.do("GET", "/plain-never")
	if cc := w.Header().Get("Cache-Control"); cc != "max-age=0, no-cache, no-store, must-revalidate, private" || w.Header().Get("Expires") == "" {
		t.Fatalf("never_cache headers: %q", w.Header())
	}
}

func TestCachePageAlone(t *testing.T) {
	r := gin.New()
	var calls atomic.Int64
	r.GET("/cached", cache.CachePage(time.Minute), func(c *gin.Context) { calls.Add(1); c.String(200, "v") })
	r.GET("/plain", func(c *gin.Context) { calls.Add(1); c.String(200, "v") })
	r.GET("/zero", cache.CachePage(0), func(c *gin.Context) { calls.Add(1); c.String(200, "v") })
	get := func(path string) *httptest.ResponseRecorder {
		w := httptest.NewRecorder()
		r.ServeHTTP(w, httptest.NewRequest("GET", path, nil))
		return w
	}
	get("/cached")
	if w := get("/cached"); calls.Load() != 1 || w.Body.String() != "v" || w.Header().Get("Age") == "" {
		t.Fatalf("CachePage alone: %d runs, %q", calls.Load(), w.Body)
	}
	get("/plain")
	get("/plain")
	get("/zero")
	get("/zero")
	if calls.Load() != 5 {
		t.Fatalf("undecorated and CachePage(0) routes must not be cached: %d runs", calls.Load())
	}
}

func TestPageOnSharedBackend(t *testing.T) {
	mem, _ := cache.NewMemory(cache.MemoryConfig{})
	ch, _ := cache.New(cache.Config{Backend: mem})
	r := gin.New()
	r.GET("/a", ch.Page(time.Minute), func(c *gin.Context) { c.String(200, "a") })
	r.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/a", nil))
	if mem.Len() != 2 {
		t.Fatalf("the page and its Vary list must be in the shared backend: %d entries", mem.Len())
	}
}

func TestCorruptEntryIsAMiss(t *testing.T) {
	mem := &corrupting{}
	s := newSite(t, cache.Config{Backend: mem})
	s.do("GET", "/page")
	mem.corrupt = true
	if w := s.do("GET", "/page"); w.Code != 200 || s.calls.Load() != 2 {
		t.Fatalf("corrupt entry: %d, %d runs", w.Code, s.calls.Load())
	}
	if !strings.Contains(s.logs.String(), "corrupt") {
		t.Fatalf("logs: %s", s.logs)
	}
}

// corrupting is a backend that can start returning garbage for pages.
type corrupting struct {
	m       map[string][]byte
	corrupt bool
}

func (b *corrupting) Get(_ context.Context, key string) ([]byte, error) {
	v, ok := b.m[key]
	if !ok {
		return nil, cache.ErrMiss
	}
	if b.corrupt && strings.Contains(key, "p.") {
		return []byte("DJC1garbage"), nil
	}
	return v, nil
}

func (b *corrupting) Set(_ context.Context, key string, v []byte, _ time.Duration) error {
	if b.m == nil {
		b.m = map[string][]byte{}
	}
	b.m[key] = v
	return nil
}

func TestBackendOutageServesUncached(t *testing.T) {
	client := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1, DialerRetries: 1, DialTimeout: 50 * time.Millisecond, ContextTimeoutEnabled: true})
	defer client.Close()
	down, err := cache.NewRedis(cache.RedisConfig{Client: client})
	if err != nil {
		t.Fatal(err)
	}
	s := newSite(t, cache.Config{Backend: down})
	if w := s.do("GET", "/page"); w.Code != 200 || s.calls.Load() != 1 {
		t.Fatalf("outage: %d", w.Code)
	}
	if !strings.Contains(s.logs.String(), "backend failed") {
		t.Fatalf("the outage must be logged: %s", s.logs)
	}
}

func TestTwoInstancesShareRedis(t *testing.T) {
	client, prefix := testenv.Redis(t)
	other := testenv.OtherRedisClient(t)
	b1, _ := cache.NewRedis(cache.RedisConfig{Client: client, Prefix: prefix})
	b2, _ := cache.NewRedis(cache.RedisConfig{Client: other, Prefix: prefix})
	a := newSite(t, cache.Config{Backend: b1})
	b := newSite(t, cache.Config{Backend: b2})
	a.do("GET", "/page?q=shared")
	w := b.do("GET", "/page?q=shared")
	if b.calls.Load() != 0 || w.Body.String() != "page 1 for shared" {
		t.Fatalf("instance B: %d runs, %q", b.calls.Load(), w.Body)
	}
}

func TestSingleEntryMiddleware(t *testing.T) {
	ch, _ := cache.New(cache.Config{})
	r := gin.New()
	r.Use(ginmw.Adapt(ch.Middleware()))
	var calls atomic.Int64
	r.GET("/", func(c *gin.Context) { calls.Add(1); c.String(200, strconv.FormatInt(calls.Load(), 10)) })
	for range 3 {
		r.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
	}
	if calls.Load() != 1 {
		t.Fatalf("%d runs", calls.Load())
	}
}

func TestConfigErrors(t *testing.T) {
	for _, cfg := range []cache.Config{{Timeout: 600}, {MaxBodyBytes: -1}, {KeyPrefix: "a b"}} {
		if _, err := cache.New(cfg); err == nil || !strings.HasPrefix(err.Error(), "cache: Config.") {
			t.Errorf("New(%+v) = %v", cfg, err)
		}
	}
	if _, err := cache.NewMemory(cache.MemoryConfig{MaxBytes: -1}); err == nil {
		t.Error("NewMemory accepted a negative size")
	}
	if _, err := cache.NewRedis(cache.RedisConfig{}); err == nil {
		t.Error("NewRedis accepted no client")
	}
}

func TestMaxBodyBytes(t *testing.T) {
	s := newSite(t, cache.Config{MaxBodyBytes: 10})
	s.view("/big", func(c *gin.Context) { c.String(200, strings.Repeat("x", 11)) })
	s.do("GET", "/big")
	if s.runs("GET", "/big") != 1 {
		t.Fatal("a body over MaxBodyBytes must not be cached")
	}
}

func TestSchemeIsInTheKey(t *testing.T) {
	s := newSite(t, cache.Config{})
	s.do("GET", "https://example.com/page")
	if s.runs("GET", "http://example.com/page") != 1 {
		t.Fatal("an HTTP request must not be served the HTTPS page (the security redirect must get its chance)")
	}
	if s.runs("GET", "https://example.com/page") != 0 {
		t.Fatal("the HTTPS page must hit")
	}
}

// TestRedisBackendTimesOutAStalledServer: a Redis that accepts connections and never
// answers costs a request the backend's Timeout, not the client's one-minute ReadTimeout,
// and the page is served uncached. A client that ignores context deadlines is refused.
func TestRedisBackendTimesOutAStalledServer(t *testing.T) {
	deaf := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"})
	defer deaf.Close()
	if _, err := cache.NewRedis(cache.RedisConfig{Client: deaf}); err == nil || !strings.Contains(err.Error(), "ContextTimeoutEnabled") {
		t.Fatalf("a client that ignores context deadlines: %v", err)
	}
	stalled, err := cache.NewRedis(cache.RedisConfig{Client: testenv.StalledRedis(t), Timeout: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	s := newSite(t, cache.Config{Backend: stalled})
	code := testenv.Finishes(t, 20*time.Second, "a request with a stalled cache", func() int { return s.do("GET", "/page").Code })
	if code != 200 || s.calls.Load() != 1 {
		t.Fatalf("a stalled cache: %d, view called %d times; want the page, uncached", code, s.calls.Load())
	}
}
