package ginmw

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
)

// ErrDisallowedHost is the error of a request whose Host (or trusted X-Forwarded-Host) is
// malformed or not in FactsConfig.AllowedHosts. The facts middleware answers it with 400, as
// Django answers DisallowedHost.
var ErrDisallowedHost = errors.New("ginmw: disallowed host")

// ProxyHeader names a forwarded header that the facts middleware may read from a trusted
// proxy. Name only the headers your proxy sets or overwrites: a header the proxy passes
// through untouched is written by the client.
type ProxyHeader string

// The forwarded headers djin understands.
const (
	// HeaderXForwardedFor is the de facto client-address chain. djin walks it from the right
	// and stops at the first address that is not a trusted proxy, so entries a client wrote
	// itself are never believed.
	HeaderXForwardedFor ProxyHeader = "X-Forwarded-For"
	// HeaderXForwardedProto carries the scheme the client used. Django:
	// SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https").
	HeaderXForwardedProto ProxyHeader = "X-Forwarded-Proto"
	// HeaderXForwardedHost carries the Host the client sent. Django: USE_X_FORWARDED_HOST.
	HeaderXForwardedHost ProxyHeader = "X-Forwarded-Host"
	// HeaderForwarded is RFC 7239's standard header (for=, proto=, host=). When it is
	// honoured and present it takes precedence over the X-Forwarded-* headers, and the scheme
	// and host are read from the same element as the client address.
	HeaderForwarded ProxyHeader = "Forwarded"
)

// FactsConfig configures the request-facts middleware, the one place that decides a
// request's client IP, whether it is HTTPS, and its host.
//
// The zero value trusts no proxy: the socket peer is the client, the connection's TLS state
// is the scheme, and the Host header is the host. It also allows no host, so outside Debug
// mode every request is answered 400 until AllowedHosts is set (Django behaves the same with
// an empty ALLOWED_HOSTS and DEBUG off).
type FactsConfig struct {
	// TrustedProxies lists the proxies whose forwarded headers are believed: IP addresses
	// ("10.0.0.7", "::1"), networks in CIDR form ("10.0.0.0/8", "fd00::/8"), and "unix" for a
	// proxy that connects over a unix socket. Empty means no proxy is trusted and no
	// forwarded header is read. Gin trusts every peer by default; djin never does, and it
	// refuses "0.0.0.0/0" and "::/0", with which any client could forge its address.
	TrustedProxies []string `yaml:"trusted_proxies"`

	// ProxyHeaders are the forwarded headers read from a trusted proxy. Required when
	// TrustedProxies is set (unless ClientIPHeader is), because a trusted proxy that does not
	// set a header forwards the client's own copy of it.
	// Django: SECURE_PROXY_SSL_HEADER, USE_X_FORWARDED_HOST.
	ProxyHeaders []ProxyHeader `yaml:"proxy_headers"`

	// ClientIPHeader names a single-address header that a trusted proxy or platform sets to
	// the client address, such as "X-Real-IP", "CF-Connecting-IP" or "Fly-Client-IP". When a
	// trusted peer sends it with a valid address it takes precedence over Forwarded and
	// X-Forwarded-For. Empty means none.
	ClientIPHeader string `yaml:"client_ip_header"`

	// AllowedHosts lists the host names this site serves. Django: ALLOWED_HOSTS.
	// "example.com" matches that name exactly, ".example.com" matches example.com and every
	// subdomain, "*" matches any host, IPv6 literals are written in brackets ("[::1]").
	// Matching is case-insensitive and ignores the port and one trailing dot. Empty allows
	// nothing, except in Debug mode where it means localhost, its subdomains, 127.0.0.1
	// and [::1], as in Django.
	AllowedHosts []string `yaml:"allowed_hosts"`

	// Debug adds the reason a host was refused to the 400 page, and allows localhost when
	// AllowedHosts is empty. Django: DEBUG. In a settings file it comes from the top-level
	// debug setting.
	Debug bool `yaml:"-"`

	// Logger receives a warning for every refused host (Django's django.security.DisallowedHost
	// logger). Nil means slog.Default().
	Logger *slog.Logger `yaml:"-"`
}

// Facts is what djin decided about one request.
type Facts struct {
	// ClientIP is the address of the client: the socket peer, or when that peer is a
	// trusted proxy, the address the forwarded headers name. It is the zero netip.Addr when
	// it cannot be known (a unix-socket peer that is not a trusted proxy).
	ClientIP netip.Addr
	// Host is the host the client asked for, with its port when one was sent, lowercased
	// (Django: request.get_host()). It is empty on a request the middleware refused.
	Host string
	// Secure reports whether the client used HTTPS (Django: request.is_secure()).
	Secure bool
	// ViaProxy reports whether the socket peer is a trusted proxy, so that forwarded headers
	// were consulted.
	ViaProxy bool
}

// Scheme is "https" when f.Secure, else "http".
func (f Facts) Scheme() string {
	if f.Secure {
		return "https"
	}
	return "http"
}

// reqInfo is everything djin's own middlewares remember about one request, kept in one
// allocation under one gin context key: the facts, the request id, the CSP nonce and the
// time the access log started its clock.
type reqInfo struct {
	facts     Facts
	hasFacts  bool
	requestID string
	cspNonce  string
	start     time.Time
}

// reqInfoKey is the gin context key of the request's *reqInfo.
type reqInfoKey struct{}

// peekReqInfo returns the request's reqInfo, or nil when no djin middleware stored one.
func peekReqInfo(c *gin.Context) *reqInfo {
	if v, ok := c.Get(reqInfoKey{}); ok {
		ri, _ := v.(*reqInfo)
		return ri
	}
	return nil
}

// reqInfoOf returns the request's reqInfo, creating it on first use.
func reqInfoOf(c *gin.Context) *reqInfo {
	if ri := peekReqInfo(c); ri != nil {
		return ri
	}
	ri := new(reqInfo)
	c.Set(reqInfoKey{}, ri)
	return ri
}

// facts is the compiled FactsConfig.
type facts struct {
	proxies   []netip.Prefix
	trustUnix bool
	xff       bool
	xfProto   bool
	xfHost    bool
	forwarded bool
	ipHeader  string // canonical header key, "" for none
	hosts     hostPatterns
	debug     bool
	logger    *slog.Logger
}

// NewFacts validates cfg and returns the request-facts middleware. Install it first, before
// anything that reads the client address, the scheme or the host (security, csrf,
// ratelimit, sessions with Secure cookies). Per request it computes the [Facts], then either
// stores them for [ClientIP], [IsSecure], [Scheme], [Host] and [FactsOf], or, when the host
// is malformed or not allowed, answers 400 Bad Request, logs a warning and aborts.
func NewFacts(cfg FactsConfig) (gin.HandlerFunc, error) {
	f, err := compileFacts(cfg)
	if err != nil {
		return nil, err
	}
	return f.handle, nil
}

func compileFacts(cfg FactsConfig) (*facts, error) {
	f := &facts{debug: cfg.Debug, logger: cfg.Logger}
	for i, raw := range cfg.TrustedProxies {
		bad := func(why string) error {
			return fmt.Errorf("ginmw: FactsConfig.TrustedProxies[%d]: %s (got %q)", i, why, raw)
		}
		if strings.EqualFold(raw, "unix") {
			f.trustUnix = true
			continue
		}
		var p netip.Prefix
		if strings.Contains(raw, "/") {
			q, err := netip.ParsePrefix(raw)
			if err != nil {
				return nil, bad("not an IP address or CIDR network")
			}
			if q.Addr().Is4In6() {
				return nil, bad("write IPv4 networks in IPv4 form")
			}
			p = q.Masked()
		} else {
			a, err := netip.ParseAddr(raw)
			if err != nil {
				return nil, bad("not an IP address or CIDR network")
			}
			if a.Zone() != "" {
				return nil, bad("zones are not allowed")
			}
			a = a.Unmap()
			p = netip.PrefixFrom(a, a.BitLen())
		}
		if p.Bits() == 0 {
			return nil, bad("trusting every address lets any client forge its IP, scheme and host; list your proxies' networks")
		}
		f.proxies = append(f.proxies, p)
	}
	for i, h := range cfg.ProxyHeaders {
		switch ProxyHeader(http.CanonicalHeaderKey(string(h))) {
		case HeaderXForwardedFor:
			f.xff = true
		case HeaderXForwardedProto:
			f.xfProto = true
		case HeaderXForwardedHost:
			f.xfHost = true
		case HeaderForwarded:
			f.forwarded = true
		default:
			return nil, fmt.Errorf("ginmw: FactsConfig.ProxyHeaders[%d]: unknown header; use X-Forwarded-For, X-Forwarded-Proto, X-Forwarded-Host or Forwarded (got %q)", i, h)
		}
	}
	if cfg.ClientIPHeader != "" {
		if !isToken(cfg.ClientIPHeader) {
			return nil, fmt.Errorf("ginmw: FactsConfig.ClientIPHeader: not a header name (got %q)", cfg.ClientIPHeader)
		}
		f.ipHeader = http.CanonicalHeaderKey(cfg.ClientIPHeader)
		switch ProxyHeader(f.ipHeader) {
		case HeaderXForwardedFor, HeaderForwarded, HeaderXForwardedProto, HeaderXForwardedHost:
			return nil, fmt.Errorf("ginmw: FactsConfig.ClientIPHeader: %s is a proxy chain header; list it in ProxyHeaders instead (got %q)", f.ipHeader, cfg.ClientIPHeader)
		}
	}
	trusting := len(f.proxies) > 0 || f.trustUnix
	reading := len(cfg.ProxyHeaders) > 0 || f.ipHeader != ""
	switch {
	case trusting && !reading:
		return nil, errors.New("ginmw: FactsConfig.ProxyHeaders: empty while TrustedProxies is set; name the headers your proxy sets (X-Forwarded-For, X-Forwarded-Proto, X-Forwarded-Host, Forwarded) or a ClientIPHeader")
	case reading && !trusting:
		return nil, errors.New("ginmw: FactsConfig.TrustedProxies: empty while ProxyHeaders or ClientIPHeader is set; forwarded headers are only read from trusted proxies, so list them")
	}
	hosts := cfg.AllowedHosts
	if len(hosts) == 0 && cfg.Debug {
		hosts = debugAllowedHosts
	}
	var err error
	if f.hosts, err = compileHostPatterns("FactsConfig.AllowedHosts", hosts); err != nil {
		return nil, err
	}
	if f.hosts.empty() {
		f.log().Warn("ginmw: FactsConfig.AllowedHosts is empty and Debug is off: every request will be refused with 400 (Django: ALLOWED_HOSTS)")
	}
	return f, nil
}

func (f *facts) log() *slog.Logger {
	if f.logger != nil {
		return f.logger
	}
	return slog.Default()
}

// ProcessRequest is the middleware as a chain hook; the settings entry "facts" uses it.
func (f *facts) ProcessRequest(c *gin.Context) { f.handle(c) }

// handle is the middleware: it stores the request's facts or refuses its host.
func (f *facts) handle(c *gin.Context) {
	ri := reqInfoOf(c)
	fa := &ri.facts
	*fa = Facts{}
	raw := f.compute(c.Request, fa)
	// Stored before the host is judged, so that an access log around this middleware
	// reports the real client of a refused request.
	ri.hasFacts = true
	host := strings.ToLower(raw)
	domain, _, ok := splitHost(host)
	if !ok || !f.hosts.allows(domain) {
		f.refuse(c, fa, raw, ok, domain)
		return
	}
	fa.Host = host
}

// compute fills fa except Host, and returns the raw host the client asked for.
func (f *facts) compute(r *http.Request, fa *Facts) (rawHost string) {
	rawHost = r.Host
	fa.Secure = r.TLS != nil
	peer, isIP := remoteAddr(r.RemoteAddr)
	fa.ClientIP = peer
	if isIP {
		fa.ViaProxy = f.trusts(peer)
	} else {
		fa.ViaProxy = f.trustUnix && fromUnixSocket(r)
	}
	if !fa.ViaProxy {
		return rawHost
	}
	h := r.Header
	ipDone := false
	if f.ipHeader != "" {
		if a, ok := parseHop(lastEntry(h[f.ipHeader])); ok {
			fa.ClientIP, ipDone = a, true
		}
	}
	var proto, fwdHost string
	if lines := h["Forwarded"]; f.forwarded && len(lines) > 0 {
		client, e := f.walkHops(lines, fa.ClientIP, parseForwardedElement)
		if !ipDone {
			fa.ClientIP, ipDone = client, true
		}
		proto, fwdHost = e.proto, e.host
	}
	if lines := h["X-Forwarded-For"]; !ipDone && f.xff && len(lines) > 0 {
		fa.ClientIP, _ = f.walkHops(lines, fa.ClientIP, parseXFFEntry)
	}
	if proto == "" && f.xfProto {
		proto = lastEntry(h["X-Forwarded-Proto"])
	}
	if proto != "" {
		fa.Secure = strings.EqualFold(proto, "https")
	}
	if fwdHost == "" && f.xfHost {
		fwdHost = lastEntry(h["X-Forwarded-Host"])
	}
	if fwdHost != "" {
		rawHost = fwdHost
	}
	return rawHost
}

// trusts reports whether a is one of the trusted proxies.
func (f *facts) trusts(a netip.Addr) bool {
	for _, p := range f.proxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// walkHops returns the client named by a proxy chain header: the right-most address that is
// not a trusted proxy. It starts from the socket peer (a trusted proxy); each entry names
// the peer of the proxy that appended it. When every entry is trusted the left-most one is
// the client; when an entry is malformed or names no address ("unknown", an obfuscated
// name) the walk stops there and the last trusted proxy is the best known client.
//
// It also returns the entry the walk stopped on. For RFC 7239 that element was written by
// the last trusted proxy about the connection it received, so its proto= and host= are the
// scheme and host the client used.
func (f *facts) walkHops(lines []string, client netip.Addr, parse func(string) (forwardedElement, bool)) (netip.Addr, forwardedElement) {
	var chosen forwardedElement
	w := newHopWalker(lines)
	for hops := 0; hops < maxProxyHops; hops++ {
		entry, ok := w.next()
		if !ok {
			break
		}
		e, ok := parse(entry)
		if !ok {
			break
		}
		chosen = e
		if !e.forOK {
			break
		}
		client = e.forAddr
		if !f.trusts(client) {
			break
		}
	}
	return client, chosen
}

// parseXFFEntry reads one X-Forwarded-For entry as an address-only element.
func parseXFFEntry(s string) (forwardedElement, bool) {
	a, ok := parseHop(s)
	return forwardedElement{forAddr: a, forOK: ok}, ok
}

// refuse answers a disallowed host the way Django answers DisallowedHost: 400, a warning
// in the security log, and in debug mode the reason on the page. Inside a chain the error is
// raised instead, so that the chain's error handler writes the 400 page (and logs it) like
// every other error page of the site.
func (f *facts) refuse(c *gin.Context, fa *Facts, raw string, wellFormed bool, domain string) {
	err := &disallowedHostError{host: clip(raw, 256), reason: "malformed host", hint: "the host is not a valid name according to RFC 1034/1035"}
	switch {
	case raw == "":
		err.reason, err.hint = "missing host", "the request has no Host header"
	case wellFormed:
		err.reason, err.hint = "host not in AllowedHosts", fmt.Sprintf("you may need to add %q to AllowedHosts", domain)
	}
	if ResponseOf(c) != nil {
		panic(err)
	}
	r := c.Request
	f.log().LogAttrs(r.Context(), slog.LevelWarn, "ginmw: disallowed host",
		slog.String("reason", err.reason),
		slog.String("host", err.host),
		slog.String("client_ip", fa.ClientIP.String()),
		slog.String("method", clip(r.Method, 32)),
		slog.String("path", clip(r.URL.Path, 256)),
	)
	body := "Bad Request (400)\n"
	if f.debug {
		body = "Bad Request (400)\n\n" + err.Error() + "\n"
	}
	c.Header("X-Content-Type-Options", "nosniff")
	c.Data(http.StatusBadRequest, "text/plain; charset=utf-8", []byte(body))
	_ = c.Error(err)
	c.Abort()
}

// disallowedHostError is ErrDisallowedHost with its details. It is also an
// ErrSuspiciousOperation, so a chain answers it with 400 and a security log line.
type disallowedHostError struct{ host, reason, hint string }

func (e *disallowedHostError) Error() string {
	return fmt.Sprintf("ginmw: disallowed host %q: %s; %s", e.host, e.reason, e.hint)
}

func (e *disallowedHostError) Is(target error) bool {
	return target == ErrDisallowedHost || target == ErrSuspiciousOperation
}

func (e *disallowedHostError) HTTPStatus() int { return http.StatusBadRequest }

// clip bounds attacker-controlled strings before they reach logs and pages.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// remoteAddr parses http.Request.RemoteAddr ("ip:port", or a bare IP as some tests and
// adapters set it) and reports whether the peer has an IP address. It accepts exactly what
// netip.ParseAddrPort or else netip.ParseAddr accepts (FuzzRemoteAddr holds it to that),
// but checks the port without converting it: every request pays for this parse.
func remoteAddr(s string) (netip.Addr, bool) {
	host, bracketed := s, false
	if i := strings.LastIndexByte(s, ':'); i > 0 && isParsedPort(s[i+1:]) {
		switch h := s[:i]; {
		case len(h) >= 2 && h[0] == '[' && h[len(h)-1] == ']':
			host, bracketed = h[1:len(h)-1], true
		case strings.IndexByte(h, ':') < 0:
			host = h
		}
	}
	a, err := netip.ParseAddr(host)
	if err != nil || bracketed && a.Is4() {
		if host == s {
			return netip.Addr{}, false
		}
		// Not an address and port after all ("[1.2.3.4]:80"): the whole string may
		// still be a bare address ("1::2:80").
		if a, err = netip.ParseAddr(s); err != nil {
			return netip.Addr{}, false
		}
	}
	return normalizeAddr(a), true
}

// isParsedPort reports whether s is a port as netip.ParseAddrPort reads one
// (strconv.ParseUint(s, 10, 16)): one or more decimal digits, leading zeros allowed, worth
// at most 65535. validPort, for Host headers, is stricter.
func isParsedPort(s string) bool {
	if s == "" {
		return false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return false
		}
		if n = n*10 + int(c-'0'); n > 65535 {
			return false
		}
	}
	return true
}

// fromUnixSocket reports whether the request arrived on a unix-socket listener.
func fromUnixSocket(r *http.Request) bool {
	la, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr)
	return ok && strings.HasPrefix(la.Network(), "unix")
}

// FactsOf returns the facts of the request and whether the facts middleware computed them.
// Without the middleware the facts come from the connection alone: the socket peer, its TLS
// state, and the Host header as sent, lowercased but not validated.
func FactsOf(c *gin.Context) (Facts, bool) {
	if c == nil {
		return Facts{}, false
	}
	if ri := peekReqInfo(c); ri != nil && ri.hasFacts {
		return ri.facts, true
	}
	r := c.Request
	if r == nil {
		return Facts{}, false
	}
	a, _ := remoteAddr(r.RemoteAddr)
	return Facts{ClientIP: a, Secure: r.TLS != nil, Host: strings.ToLower(r.Host)}, false
}

// ClientIP returns the client's address: the socket peer, unless that peer is a trusted
// proxy, in which case the right-most X-Forwarded-For (or Forwarded) address that is not a
// trusted proxy. Use it instead of gin's Context.ClientIP, which by default believes any
// client's X-Forwarded-For. The zero netip.Addr means the address is unknown.
func ClientIP(c *gin.Context) netip.Addr {
	// FactsOf without the Host: rate limiters call this on every request.
	if c == nil {
		return netip.Addr{}
	}
	if ri := peekReqInfo(c); ri != nil && ri.hasFacts {
		return ri.facts.ClientIP
	}
	if c.Request == nil {
		return netip.Addr{}
	}
	a, _ := remoteAddr(c.Request.RemoteAddr)
	return a
}

// IsSecure reports whether the client used HTTPS: the connection is TLS, or a trusted proxy
// said so in X-Forwarded-Proto or Forwarded proto= (Django: request.is_secure()).
func IsSecure(c *gin.Context) bool {
	f, _ := FactsOf(c)
	return f.Secure
}

// Scheme is "https" when [IsSecure], else "http" (Django: request.scheme).
func Scheme(c *gin.Context) string {
	f, _ := FactsOf(c)
	return f.Scheme()
}

// Host returns the host the client asked for, with its port when one was sent, lowercased
// (Django: request.get_host()). With the facts middleware installed it has been checked
// against AllowedHosts and comes from X-Forwarded-Host or Forwarded only when a trusted
// proxy sent it; without, it is the Host header as sent.
func Host(c *gin.Context) string {
	f, _ := FactsOf(c)
	return f.Host
}

func init() {
	registerMiddleware("facts", compileFacts, func(fc *FactoryContext, cfg *FactsConfig) {
		cfg.Debug, cfg.Logger = fc.Env.Debug, fc.Env.Logger
	})
}

// registerMiddleware registers a middleware whose settings entry decodes into its Config
// C; env, when not nil, fills the fields that come from the application (Debug, Logger)
// or checks the entry's place in the list.
func registerMiddleware[C, M any](name string, ctor func(C) (M, error), env func(fc *FactoryContext, cfg *C)) {
	Register(name, func(fc *FactoryContext) (any, error) {
		var cfg C
		if err := fc.Decode(&cfg); err != nil {
			return nil, err
		}
		if env != nil {
			env(fc, &cfg)
		}
		m, err := ctor(cfg)
		if err != nil {
			return nil, err
		}
		return m, nil
	})
}

// adapted is the short form of a middleware constructor: the middleware alone, as a
// gin.HandlerFunc.
func adapted[M any](m M, err error) (gin.HandlerFunc, error) {
	if err != nil {
		return nil, err
	}
	return Adapt(m), nil
}
