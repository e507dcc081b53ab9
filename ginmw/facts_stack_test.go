package ginmw

import (
	"bytes"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
)

// defaultStackSettings is the recommended order of docs/middleware.md, with every option
// of this package's middlewares spelled in the settings file.
const defaultStackSettings = `
debug: false
middleware:
  - access_log:
      skip_routes: [/healthz]
  - request_id
  - facts:
      trusted_proxies: [10.0.0.0/8]
      proxy_headers: [X-Forwarded-For, X-Forwarded-Proto]
      allowed_hosts: [example.com, .example.com]
  - security:
      ssl_redirect: true
      redirect_exempt: ['^healthz$']
      hsts_seconds: 31536000
      hsts_include_subdomains: true
      hsts_preload: true
      referrer_policy: strict-origin-when-cross-origin
      content_security_policy: "default-src 'self'; script-src 'nonce-{nonce}'"
  - gzip:
      min_length: 100
  - conditional_get
  - common:
      prepend_www: false
      disallowed_user_agents: ['(?i)badbot']
  - xframe:
      value: SAMEORIGIN
`

func defaultStack(t testing.TB, logs *bytes.Buffer) *gin.Engine {
	s, err := ParseSettings([]byte(defaultStackSettings), "settings.yaml")
	if err != nil {
		t.Fatal(err)
	}
	stack, err := s.Stack(Env{Logger: slog.New(slog.NewTextHandler(logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	e := gin.New()
	e.RedirectTrailingSlash = false
	e.Use(stack)
	e.GET("/polls/", func(c *gin.Context) {
		c.String(http.StatusOK, "%s", strings.Repeat("<li>poll</li>", 20))
	})
	e.GET("/healthz", func(c *gin.Context) { c.String(http.StatusOK, "ok") })
	return e
}

// https is a request through the load balancer, over HTTPS.
func https(method, target string, headers ...string) *http.Request {
	r := httptest.NewRequest(method, target, nil)
	r.Host = "www.example.com"
	r.RemoteAddr = "10.0.0.1:1"
	r.Header.Set("X-Forwarded-For", "203.0.113.7")
	r.Header.Set("X-Forwarded-Proto", "https")
	for i := 0; i+1 < len(headers); i += 2 {
		r.Header.Set(headers[i], headers[i+1])
	}
	return r
}

func TestDefaultStackFromSettings(t *testing.T) {
	var logs bytes.Buffer
	e := defaultStack(t, &logs)
	w := mwServe(e, https("GET", "/polls/", "Accept-Encoding", "gzip"))
	h := w.Header()
	for k, want := range map[string]string{
		"Strict-Transport-Security":  "max-age=31536000; includeSubDomains; preload",
		"X-Frame-Options":            "SAMEORIGIN",
		"Referrer-Policy":            "strict-origin-when-cross-origin",
		"X-Content-Type-Options":     "nosniff",
		"Content-Encoding":           "gzip",
		"Vary":                       "Accept-Encoding",
		"Content-Security-Policy":    "default-src 'self'; script-src",
		"Cross-Origin-Opener-Policy": "same-origin",
	} {
		if got := h.Get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	if w.Code != 200 || !strings.HasPrefix(h.Get("Etag"), `W/"`) || h.Get("X-Request-Id") == "" {
		t.Errorf("status %d, ETag %q, request id %q", w.Code, h.Get("Etag"), h.Get("X-Request-Id"))
	}
	if !strings.Contains(logs.String(), "client_ip=203.0.113.7") || !strings.Contains(logs.String(), "route=/polls/") {
		t.Errorf("access log %q", logs.String())
	}

	// Revalidation through gzip: 304 with the weak tag.
	w2 := mwServe(e, https("GET", "/polls/", "Accept-Encoding", "gzip", "If-None-Match", h.Get("Etag")))
	if w2.Code != 304 || w2.Body.Len() != 0 {
		t.Errorf("revalidation %d %q", w2.Code, w2.Body.String())
	}
	// 404 + APPEND_SLASH through the whole stack, with the security headers on the redirect.
	w3 := mwServe(e, https("GET", "/polls?page=2"))
	if w3.Code != 301 || w3.Header().Get("Location") != "/polls/?page=2" || w3.Header().Get("X-Frame-Options") != "SAMEORIGIN" {
		t.Errorf("APPEND_SLASH: %d %v", w3.Code, w3.Header())
	}
	// Plain HTTP from the balancer: redirected, except the exempt health check.
	r := https("GET", "/polls/")
	r.Header.Set("X-Forwarded-Proto", "http")
	if w := mwServe(e, r); w.Code != 301 || w.Header().Get("Location") != "https://www.example.com/polls/" {
		t.Errorf("SSL redirect: %d %q", w.Code, w.Header().Get("Location"))
	}
	r = https("GET", "/healthz")
	r.Header.Set("X-Forwarded-Proto", "http")
	if w := mwServe(e, r); w.Code != 200 {
		t.Errorf("exempt health check: %d", w.Code)
	}
	// A disallowed host and a bad bot are refused by the chain's error handler.
	r = https("GET", "/polls/")
	r.Host = "evil.com"
	if w := mwServe(e, r); w.Code != 400 || strings.Contains(w.Body.String(), "evil.com") {
		t.Errorf("disallowed host: %d %q", w.Code, w.Body.String())
	}
	if !strings.Contains(logs.String(), "suspicious operation") {
		t.Errorf("no security log line for the disallowed host: %q", logs.String())
	}
	if w := mwServe(e, https("GET", "/polls/", "User-Agent", "BadBot/1")); w.Code != 403 {
		t.Errorf("bad bot: %d", w.Code)
	}
}

func TestFactsInsideChainRaisesSuspiciousOperation(t *testing.T) {
	facts := mwMust(NewFacts(FactsConfig{AllowedHosts: []string{"example.com"}, Debug: true}))
	var seen error
	ch := mwMust(New(Config{Debug: true, Middleware: []any{facts}, ErrorHandler: func(c *gin.Context, status int, err error) {
		seen = err
		c.String(status, "custom %d: %v", status, err)
	}}))
	e := gin.New()
	e.Use(ch)
	e.GET("/", func(c *gin.Context) { t.Error("view ran") })
	w := mwDo(e, "GET", "/", "Host", "other.example")
	if w.Code != 400 || !errors.Is(seen, ErrDisallowedHost) || !errors.Is(seen, ErrSuspiciousOperation) || StatusOf(seen) != 400 {
		t.Fatalf("%d %q, error %v", w.Code, w.Body.String(), seen)
	}
	if !strings.Contains(w.Body.String(), `you may need to add "other.example" to AllowedHosts`) {
		t.Errorf("debug body %q", w.Body.String())
	}
}

func TestSettingsOptionErrors(t *testing.T) {
	for _, doc := range []string{
		"middleware:\n  - facts:\n      allowed_hosts: ['*.example.com']\n",
		"middleware:\n  - facts:\n      trusted_proxy: [10.0.0.1]\n",
		"middleware:\n  - security:\n      hsts_preload: true\n",
		"middleware:\n  - gzip:\n      level: 11\n",
		"middleware:\n  - xframe:\n      value: ALLOWALL\n",
		"middleware:\n  - common:\n      disallowed_user_agents: ['(']\n",
		"middleware:\n  - request_id:\n      header: 'a b'\n",
		"middleware:\n  - access_log:\n      logger: x\n",
		"middleware:\n  - conditional_get:\n      weak: true\n",
	} {
		s, err := ParseSettings([]byte(doc), "settings.yaml")
		if err == nil {
			_, err = s.Stack(Env{Logger: slog.New(slog.DiscardHandler)})
		}
		if err == nil || !strings.Contains(err.Error(), "settings.yaml:") {
			t.Errorf("%q: error %v, want one naming the line", doc, err)
		}
	}
}

func TestSettingsWarnWithoutFacts(t *testing.T) {
	var logs bytes.Buffer
	s, _ := ParseSettings([]byte("middleware:\n  - security\n  - xframe\n"), "settings.yaml")
	if _, err := s.Stack(Env{Logger: slog.New(slog.NewTextHandler(&logs, nil))}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), "security is listed without facts above it") {
		t.Errorf("no warning: %q", logs.String())
	}
}

func TestRegisteredNames(t *testing.T) {
	for _, name := range []string{"facts", "security", "common", "xframe", "conditional_get", "gzip", "request_id", "access_log"} {
		if _, ok := lookup(name); !ok {
			t.Errorf("%s is not registered", name)
		}
	}
}

// BenchmarkDefaultStack and BenchmarkDefaultStackBareGin compare this package's default
// middlewares, built from the settings file, with bare gin on the same page.
func BenchmarkDefaultStack(b *testing.B) {
	var logs bytes.Buffer
	e := defaultStack(b, &logs)
	benchmarkStack(b, e, func() { logs.Reset() })
}

// BenchmarkDefaultStackIdentity is the same request from a client that does not accept
// gzip: the cost of the stack without the compression itself.
func BenchmarkDefaultStackIdentity(b *testing.B) {
	var logs bytes.Buffer
	e := defaultStack(b, &logs)
	r := https("GET", "/polls/")
	w := &discardWriter{h: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		clear(w.h)
		logs.Reset()
		e.ServeHTTP(w, r)
	}
}

func BenchmarkDefaultStackBareGin(b *testing.B) {
	e := gin.New()
	e.GET("/polls/", func(c *gin.Context) {
		c.String(http.StatusOK, "%s", strings.Repeat("<li>poll</li>", 20))
	})
	benchmarkStack(b, e, func() {})
}

func benchmarkStack(b *testing.B, e *gin.Engine, reset func()) {
	r := https("GET", "/polls/", "Accept-Encoding", "gzip")
	w := &discardWriter{h: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		clear(w.h)
		reset()
		e.ServeHTTP(w, r)
	}
}
