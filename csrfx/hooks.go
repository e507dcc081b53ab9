package csrfx

import (
	"reflect"
	"sync"
	"sync/atomic"

	"github.com/djin-go/djin/ginmw"
	"github.com/gin-gonic/gin"
)

// The djin pipeline hooks. Django's CsrfViewMiddleware has the same three.
var (
	_ ginmw.RequestProcessor          = (*Middleware)(nil)
	_ ginmw.ViewProcessor             = (*Middleware)(nil)
	_ ginmw.TemplateResponseProcessor = (*Middleware)(nil)
	_ ginmw.ResponseProcessor         = (*Middleware)(nil)
)

// ProcessRequest records the middleware on the request and, in session storage, insists on
// a session (Django raises ImproperlyConfigured; csrfx answers 500 and logs why).
func (m *Middleware) ProcessRequest(c *gin.Context) { m.processRequest(c) }

// ProcessView runs the checks, now that the matched route and its markers (Exempt,
// EnsureCookie) are known. A failure writes the failure response and aborts the chain.
func (m *Middleware) ProcessView(c *gin.Context, v ginmw.View) {
	f := m.routes.flags(c, v)
	if f&routeDecorated == 0 {
		m.processView(c, v.Route(), f&routeExempt != 0, f&routeEnsure != 0)
		return
	}
	// The route's decorators must see that the request was handled.
	st := m.attachedState(c)
	if st.checked {
		return
	}
	st.checked = m.processView(c, v.Route(), f&routeExempt != 0, f&routeEnsure != 0)
}

// ProcessResponse writes the secret when a token was used on this request (Django's
// CSRF_COOKIE_NEEDS_UPDATE), with Vary: Cookie.
func (m *Middleware) ProcessResponse(c *gin.Context, r *ginmw.Response) {
	m.processResponse(c, r.Header())
}

// Handler returns the middleware as a plain gin.HandlerFunc for router.Use or a group,
// when it is not part of a ginmw chain (ginmw.Adapt).
func (m *Middleware) Handler() gin.HandlerFunc { return ginmw.Adapt(m) }

// Name is the middleware's name in chain traces and errors.
func (m *Middleware) Name() string { return "csrf" }

// routeFlags are the route markers csrfx acts on in ProcessView.
type routeFlags uint8

const (
	routeExempt routeFlags = 1 << iota
	routeEnsure
	routeDecorated // Protect, EnsureCookie or RequiresToken is on the route
)

// routeKey identifies a matched route: method, template and view function.
type routeKey struct {
	method, path string
	view         uintptr
}

// maxCachedRoutes bounds the cache; an application has a fixed set of routes, so this is
// only reached by something unusual, which then just pays the lookup each time.
const maxCachedRoutes = 4096

// routeCache remembers each route's markers. Looking them up (View.Has) scans the route's
// handler names; the cache makes the steady state a lock-free, allocation-free map read.
// The map is copied on write: routes are few and stable.
type routeCache struct {
	mu sync.Mutex
	m  atomic.Pointer[map[routeKey]routeFlags]
}

func (rc *routeCache) flags(c *gin.Context, v ginmw.View) routeFlags {
	path := c.FullPath()
	if path == "" {
		return lookupFlags(v) // no route: not cached, the key space would be the client's
	}
	key := routeKey{method: c.Request.Method, path: path}
	if h := c.Handler(); h != nil {
		key.view = reflect.ValueOf(h).Pointer()
	}
	if cur := rc.m.Load(); cur != nil {
		if f, ok := (*cur)[key]; ok {
			return f
		}
	}
	f := lookupFlags(v)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	cur := rc.m.Load()
	if cur != nil && len(*cur) >= maxCachedRoutes {
		return f
	}
	next := make(map[routeKey]routeFlags, 1+lenOf(cur))
	if cur != nil {
		for k, v := range *cur {
			next[k] = v
		}
	}
	next[key] = f
	rc.m.Store(&next)
	return f
}

func lenOf(m *map[routeKey]routeFlags) int {
	if m == nil {
		return 0
	}
	return len(*m)
}

func lookupFlags(v ginmw.View) routeFlags {
	var f routeFlags
	if v.Has(Exempt) {
		f |= routeExempt
	}
	if v.Has(EnsureCookie) {
		f |= routeEnsure | routeDecorated
	}
	if v.Has(Protect) || v.Has(RequiresToken) {
		f |= routeDecorated
	}
	return f
}
