package csrfx

import (
	"net/http"
	"sync"

	"github.com/djin-go/djin/ginmw"
	"github.com/gin-gonic/gin"
)

// Django's view decorators (django/views/decorators/csrf.py) as Gin handlers for a route or
// a group. With the csrf middleware installed they are markers: the middleware finds them on
// the matched route (method + route template, never the raw path, A3/A16) before the view
// runs. Without it, Protect, EnsureCookie and RequiresToken do the work themselves with the
// default configuration; the methods of the same names on a Middleware do it with that
// Middleware's configuration.
//
//	r.POST("/webhooks/stripe", csrfx.Exempt, stripeWebhook)
//	admin := r.Group("/admin", csrfx.Protect)

// Exempt exempts a route or group from the checks (csrf_exempt). Token and the template
// helpers still work on it. Every exempt unsafe route is logged the first time it is used.
func Exempt(*gin.Context) {}

// Protect checks the route even where the global middleware is off (csrf_protect). With
// the middleware on, it is harmless: the request is checked once.
func Protect(c *gin.Context) { standalone().protect(c) }

// EnsureCookie sends the CSRF cookie with the response even if the page renders no token
// (ensure_csrf_cookie): for pages whose scripts read the cookie. It enforces nothing.
func EnsureCookie(c *gin.Context) { standalone().ensure(c) }

// RequiresToken makes Token and the template helpers work on a route where the global
// middleware is off, without enforcing anything (requires_csrf_token), for error pages.
func RequiresToken(c *gin.Context) { standalone().requires(c) }

// Protect returns Protect bound to m's configuration.
func (m *Middleware) Protect() gin.HandlerFunc { return m.decorators().protect }

// EnsureCookie returns EnsureCookie bound to m's configuration.
func (m *Middleware) EnsureCookie() gin.HandlerFunc { return m.decorators().ensure }

// RequiresToken returns RequiresToken bound to m's configuration.
func (m *Middleware) RequiresToken() gin.HandlerFunc { return m.decorators().requires }

var (
	defaultOnce sync.Once
	defaultDecs *decoratorSet
)

// standalone is the decorator set of the default configuration, built on first use.
func standalone() *decoratorSet {
	defaultOnce.Do(func() { defaultDecs = Default().decorators() })
	return defaultDecs
}

type decoratorKind uint8

const (
	kindProtect decoratorKind = iota
	kindEnsure
	kindRequires
)

// decoratorSet holds a Middleware's three decorators, each a one-layer chain
// (ginmw.Adapt) so that the cookie is written on the buffered response after the view.
type decoratorSet struct {
	protect, ensure, requires gin.HandlerFunc
}

func (m *Middleware) decorators() *decoratorSet {
	wrap := func(k decoratorKind) gin.HandlerFunc {
		// Each decorator has its own response pass, as each Django decorator does:
		// nested decorators write in the order Django's do (test 23).
		return ginmw.Adapt(&decorator{m: m, kind: k})
	}
	return &decoratorSet{protect: wrap(kindProtect), ensure: wrap(kindEnsure), requires: wrap(kindRequires)}
}

// decorator is one decorator as a one-layer middleware. It works on the request's state,
// which belongs to the middleware already handling the request, if any, else to its own.
type decorator struct {
	m    *Middleware
	kind decoratorKind
}

// ProcessRequest attaches the decorator's Middleware unless one already handles the request.
func (d *decorator) ProcessRequest(c *gin.Context) {
	if d.m.cfg.Storage == StorageSession && !attached(c) {
		if _, ok := sessionOf(c); !ok {
			d.m.misconfigured(c, ErrNoSession)
			return
		}
	}
	d.m.attachedState(c)
}

// ProcessView checks (Protect, once per request) or makes a token (EnsureCookie).
func (d *decorator) ProcessView(c *gin.Context, v ginmw.View) {
	st := d.m.attachedState(c)
	switch d.kind {
	case kindProtect:
		if st.checked {
			return // csrf_processing_done: the middleware or an outer Protect checked
		}
		m := st.m
		st.checked = m.processView(c, v.Route(), m.routes.flags(c, v)&routeExempt != 0, false)
	case kindEnsure:
		Token(c)
	}
}

// ProcessResponse writes the secret if this request used a token.
func (d *decorator) ProcessResponse(c *gin.Context, r *ginmw.Response) {
	d.m.processResponse(c, r.Header())
}

// TokenHandler answers {"csrf_token": "<token>"} and sets the cookie: the first token of a
// single-page application, fetched with credentials from its own origin. Other origins
// cannot read the answer (same-origin policy), unless a CORS policy lets them: never allow
// credentialed CORS from origins you do not trust.
func TokenHandler(c *gin.Context) {
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, gin.H{"csrf_token": Token(c)})
}
