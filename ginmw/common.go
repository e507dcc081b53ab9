package ginmw

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"path"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/gin-gonic/gin"
)

// CommonConfig configures CommonMiddleware. The zero value is Django's defaults:
// APPEND_SLASH on, PREPEND_WWW off, no user agent refused.
//
// APPEND_SLASH and gin: gin's own Engine.RedirectTrailingSlash (on by default) answers
// trailing-slash redirects before any middleware runs, in both directions, with 301 for GET
// and 307 otherwise. For Django's behaviour through the chain (only towards the slash,
// only when the slashed URL has a route, other middlewares' headers on the redirect) set
// engine.RedirectTrailingSlash = false and install the chain with engine.Use, so that 404s
// pass through it. The middleware logs a warning once when it finds gin's redirect on.
type CommonConfig struct {
	// NoAppendSlash turns APPEND_SLASH off. With it on (the default), a 404 for a path
	// without a trailing slash becomes a 301 to the path with one, when that path has a
	// route for the request's method. Django: APPEND_SLASH = False.
	NoAppendSlash bool `yaml:"no_append_slash"`

	// PrependWWW redirects requests for a host without "www." to the same URL on
	// "www." + host (IP literals excepted). Django: PREPEND_WWW.
	PrependWWW bool `yaml:"prepend_www"`

	// DisallowedUserAgents lists regular expressions (Go syntax); a request whose
	// User-Agent matches one is refused with 403. Django: DISALLOWED_USER_AGENTS.
	DisallowedUserAgents []string `yaml:"disallowed_user_agents"`

	// Debug makes a POST, PUT, PATCH or DELETE that APPEND_SLASH would redirect fail with
	// an explanation instead: the redirect would lose the request body. Django: DEBUG. In
	// a settings file it comes from the top-level debug setting.
	Debug bool `yaml:"-"`

	// Logger receives the warning about gin's RedirectTrailingSlash. Nil means slog.Default().
	Logger *slog.Logger `yaml:"-"`
}

// CommonMiddleware is Django's CommonMiddleware: it refuses disallowed user agents, adds
// "www." to the host (PREPEND_WWW), turns a 404 into a redirect to the slashed URL
// (APPEND_SLASH), and makes sure buffered responses carry Content-Length, HEAD included.
type CommonMiddleware struct {
	appendSlash bool
	prependWWW  bool
	agents      []*regexp.Regexp
	debug       bool
	logger      *slog.Logger
	warnOnce    sync.Once
}

// NewCommon validates cfg and returns the middleware, or an error naming the bad setting.
func NewCommon(cfg CommonConfig) (*CommonMiddleware, error) {
	m := &CommonMiddleware{appendSlash: !cfg.NoAppendSlash, prependWWW: cfg.PrependWWW, debug: cfg.Debug, logger: cfg.Logger}
	for i, p := range cfg.DisallowedUserAgents {
		re, err := regexp.Compile(p)
		if err != nil {
			return nil, fmt.Errorf("ginmw: CommonConfig.DisallowedUserAgents[%d]: %v (got %q)", i, err, p)
		}
		m.agents = append(m.agents, re)
	}
	if (m.appendSlash || m.prependWWW) && !engineFieldKnown {
		return nil, fmt.Errorf("ginmw: CommonConfig.NoAppendSlash: APPEND_SLASH needs the router of the request, and this gin version's Context layout is unknown; set NoAppendSlash")
	}
	return m, nil
}

// Common is NewCommon as a gin.HandlerFunc. Install it with router.Use so that 404s reach
// it.
func Common(cfg CommonConfig) (gin.HandlerFunc, error) { return adapted(NewCommon(cfg)) }

// errForbiddenUserAgent is raised for a disallowed user agent; the chain answers 403.
var errForbiddenUserAgent = fmt.Errorf("%w: forbidden user agent", ErrPermissionDenied)

// ProcessRequest refuses disallowed user agents and applies PREPEND_WWW. Django:
// CommonMiddleware.process_request.
func (m *CommonMiddleware) ProcessRequest(c *gin.Context) {
	if len(m.agents) > 0 {
		if ua := c.Request.UserAgent(); ua != "" {
			for _, re := range m.agents {
				if re.MatchString(ua) {
					panic(errForbiddenUserAgent)
				}
			}
		}
	}
	if !m.prependWWW {
		return
	}
	host := checkedHost(c)
	if strings.HasPrefix(host, "www.") || isIPHost(host) {
		return
	}
	path := fullPath(c.Request)
	if m.shouldRedirectWithSlash(c) {
		path = m.fullPathWithSlash(c)
	}
	permanentRedirect(c, Scheme(c)+"://www."+host+path)
}

// ProcessResponse applies APPEND_SLASH to a 404 and sets Content-Length. Django:
// CommonMiddleware.process_response.
func (m *CommonMiddleware) ProcessResponse(c *gin.Context, r *Response) {
	if r.Status() == http.StatusNotFound && m.shouldRedirectWithSlash(c) {
		location := m.fullPathWithSlash(c)
		r.Reset()
		r.Header().Set("Location", location)
		r.SetStatus(http.StatusMovedPermanently)
		return
	}
	// Django sets Content-Length on every buffered response. A chain already sends one
	// for every buffered GET (net/http measures bodies under 2 KiB, the chain declares
	// larger ones), so only HEAD, whose body is never written and so never measured, needs
	// it here: the length of the body a GET would get.
	if c.Request.Method != http.MethodHead || r.Streaming() || !bodyAllowed(r.Status()) {
		return
	}
	if h := r.Header(); h.Get("Content-Length") == "" {
		h["Content-Length"] = []string{strconv.Itoa(len(r.Body()))}
	}
}

// shouldRedirectWithSlash is Django's should_redirect_with_slash: the path has no trailing
// slash, gin found no route for it, and the slashed path has a route for this method.
func (m *CommonMiddleware) shouldRedirectWithSlash(c *gin.Context) bool {
	if !m.appendSlash || c.FullPath() != "" {
		return false
	}
	p := c.Request.URL.Path
	if p == "" || strings.HasSuffix(p, "/") {
		return false
	}
	e := engineOf(c)
	if e == nil {
		return false
	}
	if e.RedirectTrailingSlash {
		m.warnOnce.Do(func() {
			logger := m.logger
			if logger == nil {
				logger = slog.Default()
			}
			logger.Warn("ginmw: gin's Engine.RedirectTrailingSlash is on, so gin answers trailing-slash redirects before any middleware runs; set it to false for APPEND_SLASH through the middleware chain")
		})
	}
	return routesOf(e).resolves(c.Request.Method, routingPath(e, c.Request.URL)+"/")
}

// routingPath is the path gin's router matches for u, under the engine's path options.
func routingPath(e *gin.Engine, u *url.URL) string {
	p := u.Path
	switch {
	case e.UseEscapedPath:
		p = u.EscapedPath()
	case e.UseRawPath && u.RawPath != "":
		p = u.RawPath
	}
	if e.RemoveExtraSlash {
		p = path.Clean(p)
	}
	return p
}

// fullPathWithSlash is Django's get_full_path_with_slash: the path with a slash appended
// and the query kept. With Debug on, a method whose body the redirect would lose is an
// error that explains the fix, as in Django.
func (m *CommonMiddleware) fullPathWithSlash(c *gin.Context) string {
	r := c.Request
	if m.debug {
		switch r.Method {
		case http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete:
			panic(fmt.Errorf("ginmw: you called %s %s, but the URL doesn't end in a slash and APPEND_SLASH is on; "+
				"djin can't redirect to the slash URL while keeping the %s data. Change your form or client to use %s/ "+
				"(note the trailing slash), or set CommonConfig.NoAppendSlash", r.Method, clip(r.URL.Path, 256), r.Method, clip(r.URL.Path, 256)))
		}
	}
	p := r.URL.EscapedPath() + "/"
	// Django's escape_leading_slashes: "//evil.example/" in Location is another host.
	if strings.HasPrefix(p, "//") {
		p = "/%2F" + p[2:]
	}
	if r.URL.RawQuery != "" {
		p += "?" + r.URL.RawQuery
	}
	return p
}

// isIPHost reports whether a host[:port] names an IP address rather than a domain.
func isIPHost(host string) bool {
	if strings.HasPrefix(host, "[") {
		return true
	}
	if i := strings.IndexByte(host, ':'); i >= 0 {
		host = host[:i]
	}
	_, err := netip.ParseAddr(host)
	return err == nil
}

// routeSet answers "does this path have a route?" for one engine, from engine.Routes().
// It is built on first use: gin requires routes to be registered before serving.
type routeSet struct {
	byMethod map[string][][]string // route templates split on "/"
}

var routeSets sync.Map // *gin.Engine → *routeSet

func routesOf(e *gin.Engine) *routeSet {
	if rs, ok := routeSets.Load(e); ok {
		return rs.(*routeSet)
	}
	rs := &routeSet{byMethod: map[string][][]string{}}
	for _, ri := range e.Routes() {
		rs.byMethod[ri.Method] = append(rs.byMethod[ri.Method], strings.Split(ri.Path, "/"))
	}
	actual, _ := routeSets.LoadOrStore(e, rs)
	return actual.(*routeSet)
}

// resolves reports whether path matches a route template of method the way gin's tree
// does: static segments equal, ":param" one segment, "*param" the rest.
func (rs *routeSet) resolves(method, path string) bool {
	for _, tmpl := range rs.byMethod[method] {
		if templateMatches(tmpl, path) {
			return true
		}
	}
	return false
}

func templateMatches(tmpl []string, path string) bool {
	rest, more := path, true
	for _, seg := range tmpl {
		if !more {
			return false
		}
		if strings.HasPrefix(seg, "*") {
			return true
		}
		part := rest
		if j := strings.IndexByte(rest, '/'); j >= 0 {
			part, rest = rest[:j], rest[j+1:]
		} else {
			rest, more = "", false
		}
		if strings.HasPrefix(seg, ":") {
			// gin gives a parameter an empty value between two slashes ("/x//" for
			// "/x/:a/"), never at the end of the path ("/user/" for "/user/:name").
			if part == "" && !more {
				return false
			}
		} else if seg != part {
			return false
		}
	}
	return !more
}

func init() {
	registerMiddleware("common", NewCommon, func(fc *FactoryContext, cfg *CommonConfig) {
		cfg.Debug, cfg.Logger = fc.Env.Debug, fc.Env.Logger
		if cfg.PrependWWW {
			warnWithoutFacts(fc)
		}
	})
}
