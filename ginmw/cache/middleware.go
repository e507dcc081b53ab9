package cache

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/djin-go/djin/ginmw"
)

// UpdateCache is Django's UpdateCacheMiddleware: its response hook stores the response.
// It goes first in the stack, so that its response hook runs last and sees every header the
// layers below added (a Vary: Cookie from sessions keeps a response out of the cache).
type UpdateCache struct{ c *Cache }

// FetchFromCache is Django's FetchFromCacheMiddleware: its request hook answers from the
// cache. It goes last in the stack, so that every layer above runs its request hook first
// (security redirects, host checks, rate limits) and its response hook on cached answers
// too.
type FetchFromCache struct{ c *Cache }

// Middleware is Django's CacheMiddleware: both halves in one entry, for ginmw.Adapt or a
// single position in the stack. Its hits skip every layer below it, and it stores what the
// layers below produced, so put it first; the pair UpdateCache/FetchFromCache is the
// recommended form, since it lets the layers above see cached answers too.
type Middleware struct{ c *Cache }

// UpdateCache returns the storing half, for the top of the stack.
func (ch *Cache) UpdateCache() *UpdateCache { return &UpdateCache{ch} }

// FetchFromCache returns the fetching half, for the bottom of the stack.
func (ch *Cache) FetchFromCache() *FetchFromCache { return &FetchFromCache{ch} }

// Middleware returns both halves as one middleware.
func (ch *Cache) Middleware() *Middleware { return &Middleware{ch} }

// ProcessResponse stores a cacheable response that FetchFromCache missed.
func (m *UpdateCache) ProcessResponse(c *gin.Context, r *ginmw.Response) {
	m.c.update(c, stateOf(c, siteKey{}), r)
}

// ProcessRequest answers a GET or HEAD from the cache when it can.
func (m *FetchFromCache) ProcessRequest(c *gin.Context) {
	m.c.fetch(c, stateOf(c, siteKey{}))
}

// ProcessRequest answers a GET or HEAD from the cache when it can.
func (m *Middleware) ProcessRequest(c *gin.Context) {
	m.c.fetch(c, stateOf(c, siteKey{}))
}

// ProcessResponse stores a cacheable response that ProcessRequest missed.
func (m *Middleware) ProcessResponse(c *gin.Context, r *ginmw.Response) {
	m.c.update(c, stateOf(c, siteKey{}), r)
}

// page is the per-view cache of Page and CachePage.
type page struct {
	c   *Cache
	ttl time.Duration
}

type pageKey struct{}

// ProcessRequest sets this route's timeout for the site cache when one runs; otherwise it
// answers from the view's own cache.
func (p *page) ProcessRequest(c *gin.Context) {
	if p.ttl <= 0 {
		return
	}
	if site, ok := c.Get(siteKey{}); ok && site.(*reqState).fetch {
		site.(*reqState).ttl = p.ttl
		return
	}
	p.c.fetch(c, stateOf(c, pageKey{}))
}

// ProcessResponse stores the view's response in the view's own cache.
func (p *page) ProcessResponse(c *gin.Context, r *ginmw.Response) {
	if v, ok := c.Get(pageKey{}); ok {
		st := v.(*reqState)
		st.ttl = p.ttl
		if site, ok := c.Get(siteKey{}); ok {
			st.never = site.(*reqState).never
		}
		p.c.update(c, st, r)
	}
}

// Page returns a route decorator that caches the view's responses for ttl in this cache's
// backend, whether or not the site cache runs (Django: cache_page(ttl, cache=...)). Under
// the site cache it sets the route's timeout instead of caching twice. A ttl of zero or less
// caches nothing.
func (ch *Cache) Page(ttl time.Duration) gin.HandlerFunc {
	return ginmw.Adapt(&page{c: ch, ttl: ttl})
}

// Page caches are small: a view's own cache holds its own pages.
const pageMemoryBytes = 8 << 20

// CachePage returns a route decorator that caches the view's GET and HEAD 200 responses for
// ttl (Django: @cache_page(ttl)):
//
//	router.GET("/prices", cache.CachePage(15*time.Minute), prices)
//
// Under the site cache, it sets the route's timeout for it. Alone, it keeps the pages in a
// bounded memory cache of its own; use (*Cache).Page to share a Redis backend instead.
// The same rules as the site cache keep private responses out (cookies, Vary: Cookie,
// Cache-Control private or no-store). A ttl of zero or less caches nothing.
func CachePage(ttl time.Duration) gin.HandlerFunc {
	mem, _ := NewMemory(MemoryConfig{MaxBytes: pageMemoryBytes})
	ch, _ := New(Config{Backend: mem})
	return ch.Page(ttl)
}

// NeverCache is a route decorator that keeps the view's responses out of every cache: it
// sets Django's never_cache headers (Cache-Control: max-age=0, no-cache, no-store,
// must-revalidate, private; Expires now) and tells the site cache not to store the response
// whatever the view does to the headers.
//
//	router.GET("/account", cache.NeverCache, account)
func NeverCache(c *gin.Context) {
	stateOf(c, siteKey{}).never = true
	h := c.Writer.Header()
	h.Set("Cache-Control", "max-age=0, no-cache, no-store, must-revalidate, private")
	h.Set("Expires", time.Now().UTC().Format(http.TimeFormat))
}

// Handler returns the middleware as a gin.HandlerFunc that works on its own: ginmw.Adapt(m).
// Inside a Chain or a settings list, use the middleware value itself.
func (m *Middleware) Handler() gin.HandlerFunc { return ginmw.Adapt(m) }
