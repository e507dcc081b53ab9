package cache

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/djin-go/djin/ginmw"
)

// Defaults, Django's where Django has one.
const (
	DefaultTimeout      = 600 * time.Second // CACHE_MIDDLEWARE_SECONDS
	DefaultMaxBodyBytes = 1 << 20
)

// Config configures the per-site cache. The zero value caches GET and HEAD 200 responses
// for ten minutes in a bounded in-process memory backend.
type Config struct {
	// Backend keeps the responses; nil means a new Memory backend with its defaults. Use a
	// Redis backend when several instances serve the site. Django: CACHE_MIDDLEWARE_ALIAS.
	Backend Backend `yaml:"-"`

	// Timeout is how long a response is cached when neither CachePage nor the response's
	// Cache-Control max-age says otherwise; zero means ten minutes. Django:
	// CACHE_MIDDLEWARE_SECONDS.
	Timeout time.Duration `yaml:"timeout"`

	// KeyPrefix separates sites that share a backend. Django: CACHE_MIDDLEWARE_KEY_PREFIX.
	KeyPrefix string `yaml:"key_prefix"`

	// MaxBodyBytes is the largest body cached; zero means 1 MiB.
	MaxBodyBytes int `yaml:"max_body_bytes"`

	// Logger receives backend failures; nil means slog.Default().
	Logger *slog.Logger `yaml:"-"`

	// Now is the clock for Age and Expires; nil means time.Now.
	Now func() time.Time `yaml:"-"`
}

// Cache is Django's per-site cache: one backend and its settings, from which the two
// middlewares (UpdateCache at the top of the stack, FetchFromCache at the bottom), the
// single-entry Middleware and the per-view Page decorator are made.
type Cache struct {
	backend Backend
	timeout time.Duration
	prefix  string
	maxBody int
	logger  *slog.Logger
	now     func() time.Time
}

// New validates cfg and returns the cache.
func New(cfg Config) (*Cache, error) {
	c := &Cache{backend: cfg.Backend, timeout: cfg.Timeout, prefix: cfg.KeyPrefix, maxBody: cfg.MaxBodyBytes, logger: cfg.Logger, now: cfg.Now}
	switch {
	case c.timeout == 0:
		c.timeout = DefaultTimeout
	case c.timeout < time.Second:
		return nil, fmt.Errorf("cache: Config.Timeout: must be at least one second; write a duration such as \"600s\" (got %s)", cfg.Timeout)
	}
	if c.maxBody < 0 {
		return nil, fmt.Errorf("cache: Config.MaxBodyBytes: must not be negative (got %d)", cfg.MaxBodyBytes)
	}
	if c.maxBody == 0 {
		c.maxBody = DefaultMaxBodyBytes
	}
	if strings.ContainsAny(c.prefix, " \r\n\x00") {
		return nil, fmt.Errorf("cache: Config.KeyPrefix: no spaces or control characters (got %q)", cfg.KeyPrefix)
	}
	if c.now == nil {
		c.now = time.Now
	}
	if c.logger == nil {
		c.logger = slog.Default()
	}
	if c.backend == nil {
		c.backend, _ = NewMemory(MemoryConfig{Now: cfg.Now})
	}
	return c, nil
}

// Default returns the cache with the zero Config.
func Default() *Cache {
	c, _ := New(Config{})
	return c
}

// reqState is what the fetching half tells the updating half about one request, Django's
// request._cache_update_cache, plus the route decorators' settings.
type reqState struct {
	update bool          // fetched and missed: the response may be stored
	fetch  bool          // the site cache's fetching half ran
	ttl    time.Duration // CachePage's timeout, 0 when none
	never  bool          // NeverCache
}

type siteKey struct{}

func stateOf(c *gin.Context, key any) *reqState {
	if v, ok := c.Get(key); ok {
		if st, ok := v.(*reqState); ok {
			return st
		}
	}
	st := &reqState{}
	c.Set(key, st)
	return st
}

// fetch is FetchFromCacheMiddleware.process_request: it answers from the cache (and aborts)
// or marks the request for the updating half.
func (ch *Cache) fetch(c *gin.Context, st *reqState) {
	st.fetch = true
	req := c.Request
	if (req.Method != http.MethodGet && req.Method != http.MethodHead) || req.Header.Get("Authorization") != "" {
		// Responses to authenticated requests are private to their user (RFC 9111 §3.5).
		return
	}
	ctx := req.Context()
	url := fullURL(c)
	names, err := ch.backend.Get(ctx, ch.headerKey(url))
	if err != nil {
		ch.backendError(c, err)
		st.update = true
		return
	}
	vary := splitNames(string(names))
	raw, err := ch.backend.Get(ctx, ch.pageKey(http.MethodGet, url, vary, req.Header))
	if errors.Is(err, ErrMiss) && req.Method == http.MethodHead {
		raw, err = ch.backend.Get(ctx, ch.pageKey(http.MethodHead, url, vary, req.Header))
	}
	if err != nil {
		ch.backendError(c, err)
		st.update = true
		return
	}
	e, err := decodeEntry(raw)
	if err != nil {
		ch.logger.WarnContext(ctx, "cache: ignoring a corrupt cache entry", "err", err)
		st.update = true
		return
	}
	h := c.Writer.Header()
	for k, vs := range e.header {
		h[k] = vs
	}
	h.Set("Age", strconv.FormatInt(max(int64(ch.now().Sub(e.stored)/time.Second), 0), 10))
	c.Status(e.status)
	_, _ = c.Writer.Write(e.body)
	c.Abort()
}

func (ch *Cache) backendError(c *gin.Context, err error) {
	if !errors.Is(err, ErrMiss) {
		ch.logger.WarnContext(c.Request.Context(), "cache: backend failed; serving uncached", "err", err)
	}
}

// update is UpdateCacheMiddleware.process_response.
func (ch *Cache) update(c *gin.Context, st *reqState, r *ginmw.Response) {
	if !st.update || st.never || r.Streaming() {
		return
	}
	status := r.Status()
	if status != http.StatusOK && status != http.StatusNotModified {
		return
	}
	h := r.Header()
	if !storable(h) {
		return
	}
	// Django: page timeout (cache_page), then the response's max-age, then the default; a
	// max-age of 0 means "do not cache". s-maxage speaks to shared caches, which this is.
	timeout := st.ttl
	if timeout == 0 {
		cc := parseCacheControl(h)
		age, ok := cc["s-maxage"]
		if !ok {
			age, ok = cc["max-age"]
		}
		switch secs, err := strconv.Atoi(age); {
		case !ok || err != nil || secs < 0:
			timeout = ch.timeout
		case secs == 0:
			return
		default:
			timeout = time.Duration(secs) * time.Second
		}
	}
	now := ch.now()
	patchResponseHeaders(h, timeout, now)
	body := r.Body()
	if status != http.StatusOK || len(body) > ch.maxBody {
		return
	}
	vary := varyNames(h)
	e := &entry{stored: now, status: status, header: storedHeader(h), body: body}
	raw, err := e.encode()
	if err != nil {
		return
	}
	req := c.Request
	url := fullURL(c)
	ctx := req.Context()
	if err := ch.backend.Set(ctx, ch.headerKey(url), []byte(strings.Join(vary, "\n")), timeout); err != nil {
		ch.backendError(c, err)
		return
	}
	if err := ch.backend.Set(ctx, ch.pageKey(req.Method, url, vary, req.Header), raw, timeout); err != nil {
		ch.backendError(c, err)
	}
}

// storable applies the rules that keep a response out of a shared cache: cookies set,
// Cache-Control private/no-store/no-cache, Vary on everything or on the user's credentials,
// and per-request CSP nonces, which a cached page would give to everyone.
func storable(h http.Header) bool {
	if len(h.Values("Set-Cookie")) > 0 {
		return false
	}
	cc := parseCacheControl(h)
	for _, d := range []string{"private", "no-store", "no-cache"} {
		if _, ok := cc[d]; ok {
			return false
		}
	}
	for _, n := range varyNames(h) {
		if n == "*" || n == "Cookie" || n == "Authorization" {
			return false
		}
	}
	for _, k := range []string{"Content-Security-Policy", "Content-Security-Policy-Report-Only"} {
		for _, v := range h.Values(k) {
			if strings.Contains(v, "'nonce-") {
				return false
			}
		}
	}
	return true
}

// perRequestHeaders are never stored: they describe one response on one connection.
var perRequestHeaders = []string{
	"Age", "Date", "Set-Cookie", "Content-Length", "X-Request-Id", "Connection", "Keep-Alive",
	"Proxy-Connection", "Transfer-Encoding", "Upgrade", "Trailer", "Te",
}

func storedHeader(h http.Header) http.Header {
	out := h.Clone()
	for _, k := range perRequestHeaders {
		delete(out, k)
	}
	return out
}

// patchResponseHeaders is Django's patch_response_headers: Expires and max-age tell
// browsers and proxies how long the page stays fresh; an existing larger max-age is
// lowered to the timeout, an existing Expires is kept.
func patchResponseHeaders(h http.Header, timeout time.Duration, now time.Time) {
	secs := int64(timeout / time.Second)
	if h.Get("Expires") == "" {
		h.Set("Expires", now.Add(timeout).UTC().Format(http.TimeFormat))
	}
	var out []string
	found := false
	for _, v := range h.Values("Cache-Control") {
		for _, d := range strings.Split(v, ",") {
			d = strings.TrimSpace(d)
			if d == "" {
				continue
			}
			name, val, _ := strings.Cut(d, "=")
			if strings.EqualFold(name, "max-age") {
				found = true
				if n, err := strconv.ParseInt(strings.Trim(val, `"`), 10, 64); err == nil && n < secs {
					out = append(out, d)
					continue
				}
				d = "max-age=" + strconv.FormatInt(secs, 10)
			}
			out = append(out, d)
		}
	}
	if !found {
		out = append(out, "max-age="+strconv.FormatInt(secs, 10))
	}
	h.Set("Cache-Control", strings.Join(out, ", "))
}

// parseCacheControl returns the directives, lower-cased, with their values.
func parseCacheControl(h http.Header) map[string]string {
	cc := map[string]string{}
	for _, v := range h.Values("Cache-Control") {
		for _, d := range strings.Split(v, ",") {
			name, val, _ := strings.Cut(strings.TrimSpace(d), "=")
			if name != "" {
				cc[strings.ToLower(name)] = strings.Trim(val, `"`)
			}
		}
	}
	return cc
}

// varyNames returns the header names the response varies on, canonical and sorted.
func varyNames(h http.Header) []string {
	var names []string
	for _, v := range h.Values("Vary") {
		for _, n := range strings.Split(v, ",") {
			if n = strings.TrimSpace(n); n != "" {
				names = append(names, http.CanonicalHeaderKey(n))
			}
		}
	}
	slices.Sort(names)
	return slices.Compact(names)
}

func splitNames(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

// fullURL is Django's build_absolute_uri: scheme, host and the path with its query. Scheme
// and host are ginmw's request facts (HTTPS and Host as trusted proxies report them, the
// host checked against the allowed hosts when the facts middleware runs). The host is in the
// key, so a request with a forged Host header can only fill entries that only requests with
// the same forged Host read.
func fullURL(c *gin.Context) string {
	f, _ := ginmw.FactsOf(c)
	u := f.Scheme() + "://" + f.Host + c.Request.URL.EscapedPath()
	if q := c.Request.URL.RawQuery; q != "" {
		u += "?" + q
	}
	return u
}

func hashHex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// headerKey is Django's cache_header key: where the Vary list of a URL is kept.
func (ch *Cache) headerKey(url string) string {
	return ch.prefix + "h." + hashHex(url)
}

// pageKey is Django's cache_page key: method, URL and the values of the request headers
// the response varies on. Values are length-prefixed, so no two header combinations collide.
func (ch *Cache) pageKey(method, url string, vary []string, h http.Header) string {
	hs := sha256.New()
	var n [8]byte
	for _, name := range vary {
		vs, ok := h[name]
		if !ok {
			hs.Write([]byte{0})
			continue
		}
		hs.Write([]byte{1})
		v := strings.Join(vs, ",")
		binary.BigEndian.PutUint64(n[:], uint64(len(v)))
		hs.Write(n[:])
		hs.Write([]byte(v))
	}
	return ch.prefix + "p." + method + "." + hashHex(url) + "." + hex.EncodeToString(hs.Sum(nil))
}
