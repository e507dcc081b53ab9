package csrfx

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"net/textproto"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
)

// Mode selects the layers csrfx enforces on unsafe requests.
type Mode string

// The presets. Both layers are independent: neither can let a request skip the other.
const (
	// Both is the default (the zero value): the origin gate and Django's token.
	Both Mode = "both"
	// OriginOnly is the origin gate alone, with net/http.CrossOriginProtection's rule that a
	// request with neither Sec-Fetch-Site nor Origin (not a browser, or a very old one) is
	// allowed. For JSON APIs and SPAs that authenticate with cookies but do not want tokens.
	OriginOnly Mode = "origin_only"
	// TokenOnly is Django's token alone, without Origin or Referer checks. For legacy
	// clients behind proxies that strip headers; weaker against cookie tossing (A7).
	TokenOnly Mode = "token_only"
)

// Storage selects where the secret lives.
type Storage string

// Storage kinds.
const (
	// StorageCookie keeps the secret in the csrftoken cookie (Django's default). Stateless,
	// but a sibling subdomain or a network attacker on plain HTTP can plant a cookie; the
	// origin gate and the __Host- prefix close that.
	StorageCookie Storage = "cookie"
	// StorageSession keeps the secret in the session under "_csrftoken" (Django's
	// CSRF_USE_SESSIONS): the token is bound to the user's session, which closes cookie
	// tossing. Needs a gin-contrib/sessions compatible session middleware before csrfx.
	StorageSession Storage = "session"
)

// SessionKey is the session key of the secret in StorageSession (Django: CSRF_SESSION_KEY).
const SessionKey = "_csrftoken"

// Defaults applied to zero Config fields.
const (
	DefaultCookieName   = "csrftoken"
	DefaultCookieAge    = 31449600 * time.Second // Django: about a year
	DefaultFieldName    = "csrfmiddlewaretoken"
	DefaultMaxFormBytes = 2621440 // Django: DATA_UPLOAD_MAX_MEMORY_SIZE, 2.5 MiB
	hostPrefix          = "__Host-"
)

// DefaultHeaderNames are the token headers read when Config.HeaderNames is empty: Django's,
// then the names gorilla/csrf, nosurf and Angular send.
var DefaultHeaderNames = []string{"X-CSRFToken", "X-CSRF-Token", "X-XSRF-TOKEN"}

// DefaultSafeMethods are the methods that are never checked (net/http parity; Django also
// counts TRACE, which Go servers rarely route).
var DefaultSafeMethods = []string{http.MethodGet, http.MethodHead, http.MethodOptions}

// Config configures CSRF protection. The zero value is safe: both layers on, the secret in
// a "csrftoken" cookie (SameSite=Lax, Path=/, Secure and "__Host-" prefixed in gin release
// mode), tokens read from X-CSRFToken / X-CSRF-Token / X-XSRF-TOKEN and the
// csrfmiddlewaretoken form field, no trusted origins, 403 on failure.
type Config struct {
	// Mode is Both (zero), OriginOnly or TokenOnly.
	Mode Mode `yaml:"mode"`

	// TrustedOrigins are other origins allowed to send unsafe requests, as full origins
	// "scheme://host[:port]", with Django's wildcard "https://*.example.com" (the domain
	// and its subdomains, that scheme and port only). Hosts are compared
	// case-insensitively and an omitted port means the scheme's default. Validated by New.
	// Django: CSRF_TRUSTED_ORIGINS.
	TrustedOrigins []string `yaml:"trusted_origins"`
	// Origins, if set, are the site's own public origins ("https://www.example.com"): the
	// Origin and Referer are compared with them instead of with the origin derived from the
	// request's scheme and Host. Behind proxies that rewrite Host or terminate TLS, and as
	// a second line against forged Host headers (A11), this is the OWASP recommendation:
	// know your target origin. Exact origins only, no wildcards.
	Origins []string `yaml:"origins"`
	// TrustLocalhostInDebug also trusts http(s)://localhost, 127.0.0.1 and [::1] on any
	// port, only while gin is in debug mode: a front-end dev server on another port can
	// then post to the API. Ignored in release mode.
	TrustLocalhostInDebug bool `yaml:"trust_localhost_in_debug"`
	// LenientFetchMetadata makes unknown Sec-Fetch-Site values fall through to the Origin
	// and Referer checks (OWASP's advice) instead of failing closed (Go's behaviour).
	LenientFetchMetadata bool `yaml:"lenient_fetch_metadata"`

	// Storage is StorageCookie (zero) or StorageSession. Django: CSRF_USE_SESSIONS.
	Storage Storage `yaml:"storage"`

	// CookieName is the cookie's name without prefix; "" means "csrftoken". When the cookie
	// is Secure, has no Domain and Path "/", the name gets the "__Host-" prefix, which
	// stops subdomains and plain-HTTP pages from setting it (A7). Django: CSRF_COOKIE_NAME.
	CookieName string `yaml:"cookie_name"`
	// CookieAge is the cookie's Max-Age; 0 means about a year (Django's 31449600 s), a
	// negative value makes it a session cookie. Django: CSRF_COOKIE_AGE.
	CookieAge time.Duration `yaml:"cookie_age"`
	// CookieDomain is the cookie's Domain; "" (recommended) means host-only. It also
	// widens the HTTPS Referer rule to that domain, as in Django (in StorageSession, set
	// it to the session cookie's domain for the same effect). Django: CSRF_COOKIE_DOMAIN.
	CookieDomain string `yaml:"cookie_domain"`
	// CookiePath is the cookie's Path; "" means "/". A narrower path gives several
	// cookies and random failures (gorilla/csrf#152). Django: CSRF_COOKIE_PATH.
	CookiePath string `yaml:"cookie_path"`
	// CookieSecure sets the Secure attribute; nil means on in gin release mode and off in
	// debug mode (decided when New runs). Django: CSRF_COOKIE_SECURE.
	CookieSecure *bool `yaml:"cookie_secure"`
	// CookieHTTPOnly hides the cookie from JavaScript. It adds little (Django: "doesn't
	// offer any practical protection"); with it, pages must hand the token to scripts
	// (a meta tag, csrf_token). Django: CSRF_COOKIE_HTTPONLY.
	CookieHTTPOnly bool `yaml:"cookie_http_only"`
	// CookieSameSite is "Lax" (zero), "Strict" or "None" (which needs Secure).
	// Django: CSRF_COOKIE_SAMESITE.
	CookieSameSite string `yaml:"cookie_same_site"`
	// CookieNoHostPrefix turns off the automatic "__Host-" prefix, for scripts that read
	// the cookie by its bare name. Not recommended.
	CookieNoHostPrefix bool `yaml:"cookie_no_host_prefix"`

	// HeaderNames are the request headers read for the token, in order; empty means
	// DefaultHeaderNames. Django: CSRF_HEADER_NAME.
	HeaderNames []string `yaml:"header_names"`
	// FieldName is the form field read for the token; "" means "csrfmiddlewaretoken".
	FieldName string `yaml:"field_name"`
	// MaxFormBytes caps how much of a urlencoded or multipart body is read while looking
	// for the form field; 0 means 2.5 MiB. The body stays readable by the view.
	MaxFormBytes int64 `yaml:"max_form_bytes"`
	// Extractor, if set, is asked for the token when no header and no form field carries
	// one, for tokens in other bodies (see JSONField). It must leave r.Body readable.
	Extractor func(r *http.Request) (string, error) `yaml:"-"`
	// SafeMethods are never checked; empty means GET, HEAD and OPTIONS. POST, PUT,
	// PATCH and DELETE cannot be listed. Safe methods must not change state (A17).
	SafeMethods []string `yaml:"safe_methods"`

	// ReportOnly logs failures but lets requests through, for rolling out csrfx on a
	// running site. Never leave it on.
	ReportOnly bool `yaml:"report_only"`
	// FailureHandler writes the response for a rejected request; nil means
	// DefaultFailureHandler (403, HTML or JSON). err is an *Error. csrfx calls c.Abort()
	// after it in every case, and writes a bare 403 if it wrote nothing.
	// Django: CSRF_FAILURE_VIEW.
	FailureHandler func(c *gin.Context, err error) `yaml:"-"`
	// Logger receives one warning per rejected request and start-up notes; nil means
	// slog.Default(). Tokens, cookies and secrets are never logged.
	Logger *slog.Logger `yaml:"-"`
}

// compiled is a validated Config with defaults filled in.
type compiled struct {
	Config
	cookie      cookieSpec
	headerKeys  []string // canonical forms of HeaderNames, for allocation-free lookups
	safe        []string
	trusted     *originSet
	own         *originSet // Config.Origins, or nil
	secureForce bool       // CookieSecure was explicitly set
}

// compile validates cfg and fills in defaults. Errors name the field:
// "csrfx: invalid configuration: Config.CookiePath: must start with \"/\" (got \"x\")".
func compile(cfg Config) (*compiled, error) {
	c := &compiled{Config: cfg}
	bad := func(field, msg string, got any) error {
		return fmt.Errorf("%w: Config.%s: %s (got %q)", ErrConfig, field, msg, fmt.Sprint(got))
	}

	switch c.Mode {
	case "":
		c.Mode = Both
	case Both, OriginOnly, TokenOnly:
	default:
		return nil, bad("Mode", `must be "both", "origin_only" or "token_only"`, cfg.Mode)
	}
	switch c.Storage {
	case "":
		c.Storage = StorageCookie
	case StorageCookie, StorageSession:
	default:
		return nil, bad("Storage", `must be "cookie" or "session"`, cfg.Storage)
	}

	trusted, err := compileOrigins("TrustedOrigins", cfg.TrustedOrigins)
	if err != nil {
		return nil, err
	}
	c.trusted = trusted
	if len(cfg.Origins) > 0 {
		own, err := compileOrigins("Origins", cfg.Origins)
		if err != nil {
			return nil, err
		}
		if len(own.wild) > 0 {
			return nil, bad("Origins", "the site's own origins are exact, without wildcards", cfg.Origins)
		}
		c.own = own
	}

	if c.CookieName == "" {
		c.CookieName = DefaultCookieName
	}
	if !validToken(c.CookieName) {
		return nil, bad("CookieName", "must be a cookie name (letters, digits and !#$%&'*+-.^_`|~)", cfg.CookieName)
	}
	if strings.HasPrefix(strings.ToLower(c.CookieName), "__host-") || strings.HasPrefix(strings.ToLower(c.CookieName), "__secure-") {
		return nil, bad("CookieName", "leave the __Host- prefix out: csrfx adds it when the cookie qualifies", cfg.CookieName)
	}
	switch {
	case c.CookieAge == 0:
		c.CookieAge = DefaultCookieAge
	case c.CookieAge > 0 && c.CookieAge < time.Second:
		return nil, bad("CookieAge", "must be at least one second, or negative for a session cookie", cfg.CookieAge)
	}
	if c.CookieDomain != "" {
		d := strings.TrimPrefix(c.CookieDomain, ".")
		_, isIP := netip.ParseAddr(strings.Trim(d, "[]"))
		if err := validHost(strings.ToLower(d), false); err != nil || isIP == nil {
			return nil, bad("CookieDomain", "must be a domain name such as \"example.com\" or \".example.com\"", cfg.CookieDomain)
		}
	}
	if c.CookiePath == "" {
		c.CookiePath = "/"
	}
	if !strings.HasPrefix(c.CookiePath, "/") || strings.ContainsAny(c.CookiePath, ";\x00\r\n\t ") {
		return nil, bad("CookiePath", `must start with "/" and contain no ";" or spaces`, cfg.CookiePath)
	}
	secure := gin.Mode() == gin.ReleaseMode
	if c.CookieSecure != nil {
		secure = *c.CookieSecure
		c.secureForce = true
	}
	var sameSite http.SameSite
	switch strings.ToLower(c.CookieSameSite) {
	case "", "lax":
		sameSite = http.SameSiteLaxMode
	case "strict":
		sameSite = http.SameSiteStrictMode
	case "none":
		if !secure {
			return nil, bad("CookieSameSite", `"None" needs a Secure cookie (browsers drop it otherwise)`, cfg.CookieSameSite)
		}
		sameSite = http.SameSiteNoneMode
	default:
		return nil, bad("CookieSameSite", `must be "Lax", "Strict" or "None"`, cfg.CookieSameSite)
	}
	name := c.CookieName
	if secure && c.CookieDomain == "" && c.CookiePath == "/" && !c.CookieNoHostPrefix {
		name = hostPrefix + name
	}
	maxAge := int(c.CookieAge / time.Second)
	if c.CookieAge < 0 {
		maxAge = 0
	}
	c.cookie = cookieSpec{
		name: name, maxAge: maxAge, domain: c.CookieDomain, path: c.CookiePath,
		secure: secure, httpOnly: c.CookieHTTPOnly, sameSite: sameSite,
	}

	if len(c.HeaderNames) == 0 {
		c.HeaderNames = DefaultHeaderNames
	}
	c.HeaderNames = append([]string(nil), c.HeaderNames...)
	for i, h := range c.HeaderNames {
		if !validToken(h) {
			return nil, bad(fmt.Sprintf("HeaderNames[%d]", i), "must be a header name", h)
		}
		c.headerKeys = append(c.headerKeys, textproto.CanonicalMIMEHeaderKey(h))
	}
	if c.FieldName == "" {
		c.FieldName = DefaultFieldName
	}
	switch {
	case c.MaxFormBytes == 0:
		c.MaxFormBytes = DefaultMaxFormBytes
	case c.MaxFormBytes < 0:
		return nil, bad("MaxFormBytes", "must not be negative", cfg.MaxFormBytes)
	}

	if len(c.SafeMethods) == 0 {
		c.safe = DefaultSafeMethods
	} else {
		for i, m := range c.SafeMethods {
			switch {
			case !validToken(m) || m != strings.ToUpper(m):
				return nil, bad(fmt.Sprintf("SafeMethods[%d]", i), "must be an upper-case method name", m)
			case m == http.MethodPost || m == http.MethodPut || m == http.MethodPatch || m == http.MethodDelete:
				return nil, bad(fmt.Sprintf("SafeMethods[%d]", i), "changes state and can never be safe", m)
			}
		}
		c.safe = append([]string(nil), c.SafeMethods...)
	}
	c.SafeMethods = c.safe

	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c, nil
}

// isSafe reports whether method skips the checks.
func (c *compiled) isSafe(method string) bool {
	for _, m := range c.safe {
		if m == method {
			return true
		}
	}
	return false
}

// validToken reports whether s is an RFC 7230 token (header names, cookie names, methods).
func validToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return true
}
