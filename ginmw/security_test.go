package ginmw

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
)

// securityEngine serves "/" and "/x/:id" behind facts (proxies in 10.0.0.0/8 may say
// https) and a SecurityMiddleware built from cfg.
func securityEngine(t *testing.T, cfg SecurityConfig, view gin.HandlerFunc) *gin.Engine {
	t.Helper()
	facts := mwMust(NewFacts(FactsConfig{
		TrustedProxies: []string{"10.0.0.0/8"},
		ProxyHeaders:   []ProxyHeader{HeaderXForwardedProto},
		AllowedHosts:   []string{"example.com", "testserver"},
	}))
	e := mwEngine(facts, mwMust(NewSecurity(cfg)))
	if view == nil {
		view = func(c *gin.Context) { c.String(http.StatusOK, "ok") }
	}
	e.GET("/", view)
	e.POST("/", view)
	e.GET("/x/:id", view)
	return e
}

// secure sends a request that a trusted proxy says came over HTTPS.
func secure(e *gin.Engine, target string, headers ...string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(http.MethodGet, target, nil)
	r.RemoteAddr = "10.0.0.1:1"
	r.Header.Set("X-Forwarded-Proto", "https")
	for i := 0; i+1 < len(headers); i += 2 {
		r.Header.Set(headers[i], headers[i+1])
	}
	w := httptest.NewRecorder()
	e.ServeHTTP(w, r)
	return w
}

// Django tests/middleware/test_security.py, HSTS cases.
func TestSecurityHSTS(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  SecurityConfig
		want string
	}{
		{"on", SecurityConfig{HSTSSeconds: 3600}, "max-age=3600"},
		{"include subdomains", SecurityConfig{HSTSSeconds: 600, HSTSIncludeSubdomains: true}, "max-age=600; includeSubDomains"},
		// gin-contrib/secure#52: preload replaced includeSubDomains. Both must be there.
		{"subdomains and preload", SecurityConfig{HSTSSeconds: 63072000, HSTSIncludeSubdomains: true, HSTSPreload: true}, "max-age=63072000; includeSubDomains; preload"},
		{"off", SecurityConfig{}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := securityEngine(t, tc.cfg, nil)
			if got := secure(e, "/").Header().Get("Strict-Transport-Security"); got != tc.want {
				t.Errorf("HSTS over HTTPS = %q, want %q", got, tc.want)
			}
			// Never over plain HTTP, even when the client claims HTTPS itself.
			if got := mwDo(e, "GET", "/", "X-Forwarded-Proto", "https").Header().Get("Strict-Transport-Security"); got != "" {
				t.Errorf("HSTS over HTTP = %q", got)
			}
		})
	}
	// test_sts_already_present: the view's header wins.
	e := securityEngine(t, SecurityConfig{HSTSSeconds: 3600}, func(c *gin.Context) {
		c.Header("Strict-Transport-Security", "max-age=7200")
		c.String(200, "ok")
	})
	if got := secure(e, "/").Header().Get("Strict-Transport-Security"); got != "max-age=7200" {
		t.Errorf("view's HSTS replaced: %q", got)
	}
}

func TestSecurityDefaultHeaders(t *testing.T) {
	w := secure(securityEngine(t, SecurityConfig{}, nil), "/")
	for k, want := range map[string]string{
		"X-Content-Type-Options":     "nosniff",
		"Referrer-Policy":            "same-origin",
		"Cross-Origin-Opener-Policy": "same-origin",
	} {
		if got := w.Header().Get(k); got != want {
			t.Errorf("%s = %q, want Django's default %q", k, got, want)
		}
	}
	for _, k := range []string{"Strict-Transport-Security", "Content-Security-Policy", "X-Xss-Protection"} {
		if v := w.Header().Get(k); v != "" {
			t.Errorf("%s = %q by default", k, v)
		}
	}
	// Error pages and 404s get them too.
	if got := mwDo(securityEngine(t, SecurityConfig{}, nil), "GET", "/missing").Header().Get("X-Content-Type-Options"); got != "nosniff" {
		t.Errorf("404 lacks nosniff: %q", got)
	}
}

func TestSecurityHeaderSettings(t *testing.T) {
	for _, tc := range []struct {
		name   string
		cfg    SecurityConfig
		header string
		want   string
	}{
		{"nosniff off", SecurityConfig{ContentTypeOptions: Off}, "X-Content-Type-Options", ""},
		{"referrer off", SecurityConfig{ReferrerPolicy: Off}, "Referrer-Policy", ""},
		{"referrer value", SecurityConfig{ReferrerPolicy: "Strict-Origin"}, "Referrer-Policy", "strict-origin"},
		{"referrer fallbacks", SecurityConfig{ReferrerPolicy: "same-origin, strict-origin-when-cross-origin"}, "Referrer-Policy", "same-origin,strict-origin-when-cross-origin"},
		{"coop off", SecurityConfig{CrossOriginOpenerPolicy: Off}, "Cross-Origin-Opener-Policy", ""},
		{"coop value", SecurityConfig{CrossOriginOpenerPolicy: "same-origin-allow-popups"}, "Cross-Origin-Opener-Policy", "same-origin-allow-popups"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := secure(securityEngine(t, tc.cfg, nil), "/").Header().Get(tc.header); got != tc.want {
				t.Errorf("%s = %q, want %q", tc.header, got, tc.want)
			}
		})
	}
	// *_already_present: a view's own values are never replaced.
	e := securityEngine(t, SecurityConfig{}, func(c *gin.Context) {
		c.Header("X-Content-Type-Options", "other")
		c.Header("Referrer-Policy", "unsafe-url")
		c.Header("Cross-Origin-Opener-Policy", "unsafe-none")
		c.String(200, "ok")
	})
	w := secure(e, "/")
	if w.Header().Get("X-Content-Type-Options") != "other" || w.Header().Get("Referrer-Policy") != "unsafe-url" || w.Header().Get("Cross-Origin-Opener-Policy") != "unsafe-none" {
		t.Errorf("view's headers replaced: %v", w.Header())
	}
}

func TestSecuritySSLRedirect(t *testing.T) {
	cfg := SecurityConfig{SSLRedirect: true, RedirectExempt: []string{`^insecure/`, `^x/\d+$`}}
	e := securityEngine(t, cfg, nil)
	for _, tc := range []struct {
		name, target string
		headers      []string
		status       int
		location     string
	}{
		{"plain HTTP", "/some/url?query=string", nil, 301, "https://example.com/some/url?query=string"},
		{"host kept, lowercased", "/", []string{"Host", "TestServer:8080"}, 301, "https://testserver:8080/"},
		{"spoofed proto from a client is not HTTPS", "/?a=1", []string{"X-Forwarded-Proto", "https"}, 301, "https://example.com/?a=1"},
		{"exempt by regexp on the path without its slash", "/insecure/page", nil, 404, ""},
		{"exempt route", "/x/12", nil, 200, ""},
		{"not exempt", "/x/12a", nil, 301, "https://example.com/x/12a"},
		{"escaped path", "/a%20b/%2F", nil, 301, "https://example.com/a%20b/%2F"},
		{"disallowed host refused, never redirected", "/", []string{"Host", "evil.com"}, 400, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := mwDo(e, "GET", tc.target, tc.headers...)
			if w.Code != tc.status || w.Header().Get("Location") != tc.location {
				t.Errorf("got %d %q, want %d %q", w.Code, w.Header().Get("Location"), tc.status, tc.location)
			}
		})
	}
	// test_no_redirect_ssl
	if w := secure(e, "/"); w.Code != 200 {
		t.Errorf("HTTPS request redirected: %d", w.Code)
	}
	// test_redirect_ssl_host
	e = securityEngine(t, SecurityConfig{SSLRedirect: true, SSLHost: "Secure.Example.com:8443"}, nil)
	if w := mwDo(e, "GET", "/p?q"); w.Header().Get("Location") != "https://secure.example.com:8443/p?q" {
		t.Errorf("SSLHost redirect to %q", w.Header().Get("Location"))
	}
	// test_ssl_redirect_off
	if w := mwDo(securityEngine(t, SecurityConfig{}, nil), "GET", "/"); w.Code != 200 {
		t.Errorf("redirected with SSLRedirect off: %d", w.Code)
	}
}

// Without the facts middleware the Host header is unchecked against allowed hosts, but a
// malformed one must never end up in a Location header.
func TestSecurityRedirectWithoutFacts(t *testing.T) {
	e := mwEngine(mwMust(NewSecurity(SecurityConfig{SSLRedirect: true})))
	e.GET("/", func(c *gin.Context) {})
	if w := mwDo(e, "GET", "/", "Host", "Example.com"); w.Code != 301 || w.Header().Get("Location") != "https://example.com/" {
		t.Errorf("got %d %q", w.Code, w.Header().Get("Location"))
	}
	for _, host := range []string{"example.com@evil.tld", "evil.tld/x", "a b", "example.com:80\r\nSet-Cookie: x=1"} {
		if w := mwDo(e, "GET", "/", "Host", host); w.Code != 400 || w.Header().Get("Location") != "" {
			t.Errorf("host %q: got %d %q", host, w.Code, w.Header().Get("Location"))
		}
	}
}

func TestSecurityCSPNonce(t *testing.T) {
	cfg := SecurityConfig{
		ContentSecurityPolicy:           "default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src 'nonce-{nonce}'",
		ContentSecurityPolicyReportOnly: "script-src 'nonce-{nonce}'; report-uri /csp",
	}
	var nonce string
	e := securityEngine(t, cfg, func(c *gin.Context) {
		nonce = CSPNonce(c)
		if CSPNonce(c) != nonce {
			t.Error("CSPNonce changed within one request")
		}
		c.String(200, `<script nonce="%s"></script>`, nonce)
	})
	w := secure(e, "/")
	want := "default-src 'self'; script-src 'self' 'nonce-" + nonce + "'; style-src 'nonce-" + nonce + "'"
	if len(nonce) != 22 || strings.ContainsAny(nonce, "+/=") || w.Header().Get("Content-Security-Policy") != want {
		t.Errorf("nonce %q, CSP %q, want %q", nonce, w.Header().Get("Content-Security-Policy"), want)
	}
	if got := w.Header().Get("Content-Security-Policy-Report-Only"); got != "script-src 'nonce-"+nonce+"'; report-uri /csp" {
		t.Errorf("report-only CSP %q", got)
	}
	first := nonce
	secure(e, "/")
	if nonce == first {
		t.Error("two requests share a nonce")
	}
	// A page that never asked for a nonce gets the policy without nonce sources.
	w = secure(securityEngine(t, cfg, nil), "/")
	if got := w.Header().Get("Content-Security-Policy"); got != "default-src 'self'; script-src 'self'; style-src" {
		t.Errorf("CSP without nonce %q", got)
	}
}

func TestSecurityCSPViewAndExempt(t *testing.T) {
	cfg := SecurityConfig{ContentSecurityPolicy: "default-src 'self'"}
	e := securityEngine(t, cfg, func(c *gin.Context) {
		c.Header("Content-Security-Policy", "default-src 'none'")
	})
	if got := secure(e, "/").Header().Get("Content-Security-Policy"); got != "default-src 'none'" {
		t.Errorf("view's CSP replaced: %q", got)
	}
	e = mwEngine(mwMust(NewSecurity(cfg)))
	e.GET("/embed", func(c *gin.Context) { c.String(200, "x") }, CSPExempt)
	e.GET("/page", func(c *gin.Context) { c.String(200, "x") })
	if got := mwDo(e, "GET", "/embed").Header().Get("Content-Security-Policy"); got != "" {
		t.Errorf("CSPExempt route got %q", got)
	}
	if got := mwDo(e, "GET", "/page").Header().Get("Content-Security-Policy"); got != "default-src 'self'" {
		t.Errorf("CSP %q", got)
	}
}

func TestSecurityConfigErrors(t *testing.T) {
	for _, tc := range []struct {
		cfg  SecurityConfig
		want string
	}{
		{SecurityConfig{HSTSSeconds: -1}, "HSTSSeconds: negative"},
		{SecurityConfig{HSTSIncludeSubdomains: true}, "HSTSSeconds: zero"},
		{SecurityConfig{HSTSSeconds: 3600, HSTSPreload: true, HSTSIncludeSubdomains: true}, "HSTSPreload"},
		{SecurityConfig{HSTSSeconds: 31536000, HSTSPreload: true}, "HSTSPreload"},
		{SecurityConfig{ReferrerPolicy: "same-origin, bogus"}, "ReferrerPolicy"},
		{SecurityConfig{CrossOriginOpenerPolicy: "same"}, "CrossOriginOpenerPolicy"},
		{SecurityConfig{ContentTypeOptions: "sniff"}, "ContentTypeOptions"},
		{SecurityConfig{RedirectExempt: []string{"("}}, "RedirectExempt[0]"},
		{SecurityConfig{SSLHost: "https://secure.example.com"}, "SSLHost"},
		{SecurityConfig{ContentSecurityPolicy: "default-src 'self'\r\nX: y"}, "ContentSecurityPolicy"},
	} {
		_, err := NewSecurity(tc.cfg)
		if err == nil || !strings.Contains(err.Error(), "ginmw: SecurityConfig."+strings.SplitN(tc.want, ":", 2)[0]) {
			t.Errorf("%+v: error %v, want one about %s", tc.cfg, err, tc.want)
		}
	}
}

func TestSecurityAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation budgets are checked without -race")
	}
	m := mwMust(NewSecurity(SecurityConfig{HSTSSeconds: 3600}))
	e := gin.New()
	e.Use(Adapt(m))
	e.GET("/ping", func(c *gin.Context) { c.String(200, "pong") })
	bare := gin.New()
	bare.GET("/ping", func(c *gin.Context) { c.String(200, "pong") })
	req := httptest.NewRequest(http.MethodGet, "/ping", nil)
	w := &discardWriter{h: http.Header{}}
	measure := func(h http.Handler) float64 {
		return testing.AllocsPerRun(200, func() { clear(w.h); h.ServeHTTP(w, req) })
	}
	if got, base := measure(e), measure(bare); got > base {
		t.Errorf("security headers cost %.0f allocations per request over bare gin (%.0f)", got-base, base)
	}
}

func BenchmarkSecurity(b *testing.B) {
	benchmarkMiddleware(b, mwMust(Security(SecurityConfig{HSTSSeconds: 3600})), func(c *gin.Context) { c.String(200, "pong") })
}

func BenchmarkSecurityCSPNonce(b *testing.B) {
	h := mwMust(Security(SecurityConfig{ContentSecurityPolicy: "script-src 'nonce-{nonce}'"}))
	benchmarkMiddleware(b, h, func(c *gin.Context) { c.String(200, CSPNonce(c)) })
}
