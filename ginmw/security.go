package ginmw

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"
)

// Off, as the value of a header setting whose empty value means Django's default, sends no
// header at all: SecurityConfig{ReferrerPolicy: ginmw.Off} is Django's
// SECURE_REFERRER_POLICY = None.
const Off = "off"

// hstsPreloadMinSeconds is the max-age the HSTS preload list requires (one year).
const hstsPreloadMinSeconds = 31536000

// SecurityConfig configures SecurityMiddleware. The zero value is Django's defaults:
// X-Content-Type-Options: nosniff, Referrer-Policy: same-origin,
// Cross-Origin-Opener-Policy: same-origin, no HSTS, no HTTPS redirect, no
// Content-Security-Policy.
type SecurityConfig struct {
	// SSLRedirect answers plain-HTTP requests with a 301 to the same URL over HTTPS.
	// Behind a TLS-terminating proxy this needs the facts middleware with the proxy in
	// FactsConfig.TrustedProxies and X-Forwarded-Proto (or Forwarded) in ProxyHeaders;
	// otherwise every request looks insecure and redirects forever. Django: SECURE_SSL_REDIRECT.
	SSLRedirect bool `yaml:"ssl_redirect"`

	// SSLHost is the host[:port] the HTTPS redirect goes to; empty means the request's own,
	// validated host. Django: SECURE_SSL_HOST.
	SSLHost string `yaml:"ssl_host"`

	// RedirectExempt lists regular expressions (Go syntax) searched in the URL path without
	// its leading slash; a match is not redirected to HTTPS. Django: SECURE_REDIRECT_EXEMPT.
	RedirectExempt []string `yaml:"redirect_exempt"`

	// HSTSSeconds, when positive, sends Strict-Transport-Security with this max-age on
	// HTTPS responses (never on plain HTTP, where browsers ignore it, RFC 6797 §7.2). Start
	// small: browsers refuse plain HTTP to the site for that long. Django: SECURE_HSTS_SECONDS.
	HSTSSeconds int `yaml:"hsts_seconds"`

	// HSTSIncludeSubdomains adds includeSubDomains. Django: SECURE_HSTS_INCLUDE_SUBDOMAINS.
	HSTSIncludeSubdomains bool `yaml:"hsts_include_subdomains"`

	// HSTSPreload adds preload (after includeSubDomains, never instead of it). The preload
	// list requires includeSubDomains and a max-age of at least a year, so both are checked.
	// Django: SECURE_HSTS_PRELOAD.
	HSTSPreload bool `yaml:"hsts_preload"`

	// ContentTypeOptions is the X-Content-Type-Options value: "" means "nosniff", Off sends
	// none. Django: SECURE_CONTENT_TYPE_NOSNIFF.
	ContentTypeOptions string `yaml:"content_type_options"`

	// ReferrerPolicy is the Referrer-Policy value, one policy or a comma-separated list of
	// fallbacks: "" means "same-origin", Off sends none. Django: SECURE_REFERRER_POLICY.
	ReferrerPolicy string `yaml:"referrer_policy"`

	// CrossOriginOpenerPolicy is the Cross-Origin-Opener-Policy value: "" means
	// "same-origin", Off sends none. Django: SECURE_CROSS_ORIGIN_OPENER_POLICY.
	CrossOriginOpenerPolicy string `yaml:"cross_origin_opener_policy"`

	// ContentSecurityPolicy is sent as Content-Security-Policy when not empty. Write
	// {nonce} where the request's nonce goes, as in "script-src 'self' 'nonce-{nonce}'",
	// and put CSPNonce(c) in the templates' nonce attributes. A response whose view never
	// asked for the nonce is sent the policy without its nonce sources, which is stricter.
	// Django 6.0: SECURE_CSP.
	ContentSecurityPolicy string `yaml:"content_security_policy"`

	// ContentSecurityPolicyReportOnly is sent as Content-Security-Policy-Report-Only, with
	// the same {nonce} rule. Django 6.0: SECURE_CSP_REPORT_ONLY.
	ContentSecurityPolicyReportOnly string `yaml:"content_security_policy_report_only"`
}

// SecurityMiddleware is Django's SecurityMiddleware, plus Django 6.0's
// ContentSecurityPolicyMiddleware. Its request hook redirects plain HTTP to HTTPS; its
// response hook adds the security headers a view has not set itself (a view's own header
// always wins, as with Django's setdefault). It reads the scheme and host from the facts
// middleware, so list that above it.
type SecurityMiddleware struct {
	sslRedirect bool
	sslHost     string
	exempt      []*regexp.Regexp
	hsts        []string // shared header values: one allocation at start-up, none per request
	nosniff     []string
	referrer    []string
	coop        []string
	csp         cspPolicy
	cspRO       cspPolicy
}

// NewSecurity validates cfg and returns the middleware, or an error naming the bad setting.
func NewSecurity(cfg SecurityConfig) (*SecurityMiddleware, error) {
	m := &SecurityMiddleware{sslRedirect: cfg.SSLRedirect}
	if cfg.SSLHost != "" {
		if _, _, ok := splitHost(strings.ToLower(cfg.SSLHost)); !ok {
			return nil, fmt.Errorf("ginmw: SecurityConfig.SSLHost: not a host[:port] (got %q)", cfg.SSLHost)
		}
		m.sslHost = strings.ToLower(cfg.SSLHost)
	}
	for i, p := range cfg.RedirectExempt {
		re, err := regexp.Compile(p)
		if err != nil {
			return nil, fmt.Errorf("ginmw: SecurityConfig.RedirectExempt[%d]: %v (got %q)", i, err, p)
		}
		m.exempt = append(m.exempt, re)
	}
	switch {
	case cfg.HSTSSeconds < 0:
		return nil, fmt.Errorf("ginmw: SecurityConfig.HSTSSeconds: negative (got %d)", cfg.HSTSSeconds)
	case cfg.HSTSSeconds == 0 && (cfg.HSTSIncludeSubdomains || cfg.HSTSPreload):
		return nil, fmt.Errorf("ginmw: SecurityConfig.HSTSSeconds: zero turns HSTS off, so HSTSIncludeSubdomains and HSTSPreload would do nothing")
	case cfg.HSTSPreload && (!cfg.HSTSIncludeSubdomains || cfg.HSTSSeconds < hstsPreloadMinSeconds):
		return nil, fmt.Errorf("ginmw: SecurityConfig.HSTSPreload: the preload list requires HSTSIncludeSubdomains and HSTSSeconds >= %d (got %d, include subdomains %v)", hstsPreloadMinSeconds, cfg.HSTSSeconds, cfg.HSTSIncludeSubdomains)
	case cfg.HSTSSeconds > 0:
		v := "max-age=" + strconv.Itoa(cfg.HSTSSeconds)
		if cfg.HSTSIncludeSubdomains {
			v += "; includeSubDomains"
		}
		if cfg.HSTSPreload {
			v += "; preload"
		}
		m.hsts = []string{v}
	}
	var err error
	if m.nosniff, err = headerSetting("ContentTypeOptions", cfg.ContentTypeOptions, "nosniff", validNosniff); err != nil {
		return nil, err
	}
	if m.referrer, err = headerSetting("ReferrerPolicy", cfg.ReferrerPolicy, "same-origin", validReferrerPolicy); err != nil {
		return nil, err
	}
	if m.coop, err = headerSetting("CrossOriginOpenerPolicy", cfg.CrossOriginOpenerPolicy, "same-origin", validCOOP); err != nil {
		return nil, err
	}
	if m.csp, err = compileCSP("ContentSecurityPolicy", cfg.ContentSecurityPolicy); err != nil {
		return nil, err
	}
	if m.cspRO, err = compileCSP("ContentSecurityPolicyReportOnly", cfg.ContentSecurityPolicyReportOnly); err != nil {
		return nil, err
	}
	return m, nil
}

// Security is NewSecurity as a gin.HandlerFunc, for router.Use, a group or a route.
func Security(cfg SecurityConfig) (gin.HandlerFunc, error) { return adapted(NewSecurity(cfg)) }

// headerSetting resolves a header setting: "" is Django's default, Off is no header,
// anything else is validated. The result is a header value slice shared by every response.
func headerSetting(field, v, def string, valid func(string) (string, bool)) ([]string, error) {
	switch v {
	case "":
		return []string{def}, nil
	case Off:
		return nil, nil
	}
	norm, ok := valid(v)
	if !ok {
		return nil, fmt.Errorf("ginmw: SecurityConfig.%s: not a valid value (got %q); use %q, another valid value, or %q for none", field, v, def, Off)
	}
	return []string{norm}, nil
}

func validNosniff(v string) (string, bool) {
	return "nosniff", strings.EqualFold(v, "nosniff")
}

var referrerPolicies = []string{
	"no-referrer", "no-referrer-when-downgrade", "origin", "origin-when-cross-origin",
	"same-origin", "strict-origin", "strict-origin-when-cross-origin", "unsafe-url",
}

// validReferrerPolicy accepts a comma-separated list of policies, as Django does (browsers
// use the last one they know). Django check security.E023.
func validReferrerPolicy(v string) (string, bool) {
	parts := strings.Split(v, ",")
	for i, p := range parts {
		p = strings.ToLower(strings.TrimSpace(p))
		if !containsString(referrerPolicies, p) {
			return "", false
		}
		parts[i] = p
	}
	return strings.Join(parts, ","), true
}

// validCOOP is Django check security.E024.
func validCOOP(v string) (string, bool) {
	v = strings.ToLower(v)
	return v, containsString([]string{"same-origin", "same-origin-allow-popups", "unsafe-none", "noopener-allow-popups"}, v)
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// ProcessRequest redirects a plain-HTTP request to HTTPS when SSLRedirect is on and the
// path is not exempt. Django: SecurityMiddleware.process_request.
func (m *SecurityMiddleware) ProcessRequest(c *gin.Context) {
	if !m.sslRedirect || IsSecure(c) {
		return
	}
	path := strings.TrimLeft(c.Request.URL.Path, "/")
	for _, re := range m.exempt {
		if re.MatchString(path) {
			return
		}
	}
	host := m.sslHost
	if host == "" {
		host = checkedHost(c)
	}
	permanentRedirect(c, "https://"+host+fullPath(c.Request))
}

// ProcessResponse adds the security headers the response does not have yet. Django:
// SecurityMiddleware.process_response.
func (m *SecurityMiddleware) ProcessResponse(c *gin.Context, r *Response) {
	h := r.Header()
	if m.hsts != nil && IsSecure(c) {
		setDefaultHeader(h, "Strict-Transport-Security", m.hsts)
	}
	setDefaultHeader(h, "X-Content-Type-Options", m.nosniff)
	setDefaultHeader(h, "Referrer-Policy", m.referrer)
	setDefaultHeader(h, "Cross-Origin-Opener-Policy", m.coop)
	if m.csp.set || m.cspRO.set {
		if routeHasName(c, cspExemptName) {
			return
		}
		var nonce string
		if ri := peekReqInfo(c); ri != nil {
			nonce = ri.cspNonce
		}
		m.csp.apply(h, "Content-Security-Policy", nonce)
		m.cspRO.apply(h, "Content-Security-Policy-Report-Only", nonce)
	}
}

// setDefaultHeader sets a canonical header key to a shared value slice unless the response
// already has it: Django's response.headers.setdefault.
func setDefaultHeader(h http.Header, key string, v []string) {
	if v == nil {
		return
	}
	if _, ok := h[key]; !ok {
		h[key] = v[:1:1] // full slice expression: an append elsewhere copies, never writes into v
	}
}

// CSPExempt is a route decorator: responses of a route or group it is attached to get no
// Content-Security-Policy header from SecurityMiddleware. It is a marker the middleware
// finds with RouteHas, wherever it sits in the handler list. Django 6.0: @csp_override({}).
func CSPExempt(c *gin.Context) {}

var cspExemptName = funcName(CSPExempt)

// cspPolicy is a compiled Content-Security-Policy setting.
type cspPolicy struct {
	set       bool
	withNonce []string // the policy split around each {nonce}
	without   []string // the policy with its nonce sources removed, as a header value
}

const cspNoncePlaceholder = "{nonce}"

func compileCSP(field, policy string) (cspPolicy, error) {
	if policy == "" {
		return cspPolicy{}, nil
	}
	for i := 0; i < len(policy); i++ {
		if b := policy[i]; b < 0x20 || b >= 0x7f {
			return cspPolicy{}, fmt.Errorf("ginmw: SecurityConfig.%s: control or non-ASCII character at byte %d", field, i)
		}
	}
	p := cspPolicy{set: true, without: []string{policy}}
	if strings.Contains(policy, cspNoncePlaceholder) {
		p.withNonce = strings.Split(policy, cspNoncePlaceholder)
		p.without = []string{stripNonceSources(policy)}
	}
	return p, nil
}

// stripNonceSources removes the source expressions that mention {nonce}. A directive left
// without sources allows nothing, which is the safe reading of a nonce nobody used.
func stripNonceSources(policy string) string {
	directives := strings.Split(policy, ";")
	for i, d := range directives {
		fields := strings.Fields(d)
		kept := fields[:0]
		for _, f := range fields {
			if !strings.Contains(f, cspNoncePlaceholder) {
				kept = append(kept, f)
			}
		}
		directives[i] = strings.Join(kept, " ")
	}
	return strings.Join(directives, "; ")
}

// apply sets the policy header unless the view set its own (Django 6.0 does not override).
func (p *cspPolicy) apply(h http.Header, key, nonce string) {
	if !p.set {
		return
	}
	if _, ok := h[key]; ok {
		return
	}
	if p.withNonce == nil || nonce == "" {
		h[key] = p.without[:1:1]
		return
	}
	h[key] = []string{strings.Join(p.withNonce, nonce)}
}

// CSPNonce returns the request's Content-Security-Policy nonce, creating it on first use:
// 128 random bits, base64url-encoded (22 characters). Pass it to templates for nonce="..."
// attributes on inline scripts and styles; SecurityMiddleware puts it in the policy
// wherever it says {nonce}. Django 6.0: request.csp_nonce.
func CSPNonce(c *gin.Context) string {
	ri := reqInfoOf(c)
	if ri.cspNonce == "" {
		var b [16]byte
		_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24)
		// The URL-safe alphabet is valid in a CSP nonce and needs no escaping in HTML
		// attributes, where html/template would turn "+" into "&#43;".
		ri.cspNonce = base64.RawURLEncoding.EncodeToString(b[:])
	}
	return ri.cspNonce
}

// checkedHost returns the request's host for building absolute URLs. The facts middleware
// has validated it against AllowedHosts; without it the Host header is at least checked
// for shape, so a redirect never carries a header injection or a foreign authority such
// as "example.com@evil.tld".
func checkedHost(c *gin.Context) string {
	f, ok := FactsOf(c)
	if !ok {
		if _, _, wellFormed := splitHost(f.Host); !wellFormed {
			panic(&disallowedHostError{host: clip(f.Host, 256), reason: "malformed host", hint: "the host is not a valid name according to RFC 1034/1035"})
		}
	}
	return f.Host
}

// fullPath is Django's request.get_full_path(): the escaped path and the query string.
func fullPath(r *http.Request) string {
	p := r.URL.EscapedPath()
	if p == "" {
		p = "/"
	}
	if r.URL.RawQuery != "" {
		return p + "?" + r.URL.RawQuery
	}
	if r.URL.ForceQuery {
		return p + "?"
	}
	return p
}

// permanentRedirect answers with Django's HttpResponsePermanentRedirect: 301, Location,
// no body.
func permanentRedirect(c *gin.Context, location string) {
	c.Header("Location", location)
	c.Status(http.StatusMovedPermanently)
	c.Abort()
}

func init() {
	registerMiddleware("security", NewSecurity, func(fc *FactoryContext, _ *SecurityConfig) { warnWithoutFacts(fc) })
}

// warnWithoutFacts logs, at start-up, that a middleware which reads the scheme or the host
// is listed without the facts middleware above it.
func warnWithoutFacts(fc *FactoryContext) {
	if fc.Require("facts") != nil {
		logger := fc.Env.Logger
		if logger == nil {
			logger = slog.Default()
		}
		logger.Warn("ginmw: " + fc.Name + " is listed without facts above it: the Host header is not checked against allowed hosts and forwarded headers are ignored")
	}
}
