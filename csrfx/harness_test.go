package csrfx

import (
	"bytes"
	"context"
	"crypto/tls"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/djin-go/djin/ginmw"
	"github.com/gin-contrib/sessions"
	"github.com/gin-contrib/sessions/cookie"
	"github.com/gin-gonic/gin"
)

func init() { gin.SetMode(gin.TestMode) }

// storageModes runs a test in both storage modes, as Django runs CsrfViewMiddlewareTests
// and CsrfViewMiddlewareUseSessionsTests.
func storageModes(t *testing.T, f func(t *testing.T, mode Storage)) {
	for _, mode := range []Storage{StorageCookie, StorageSession} {
		t.Run(string(mode), func(t *testing.T) { f(t, mode) })
	}
}

// withAndWithoutMiddleware runs a decorator test with the global middleware (decorators
// as markers) and without it (decorators working alone), in both storage modes.
func withAndWithoutMiddleware(t *testing.T, f func(t *testing.T, e *env, global bool)) {
	for _, global := range []bool{true, false} {
		name := "global"
		if !global {
			name = "standalone"
		}
		t.Run(name, func(t *testing.T) {
			storageModes(t, func(t *testing.T, mode Storage) {
				var opts []envOpt
				if !global {
					opts = append(opts, withoutGlobal)
				}
				f(t, newEnv(t, mode, Config{}, opts...), global)
			})
		})
	}
}

// logRecorder captures csrfx's slog records.
type logRecorder struct {
	mu      sync.Mutex
	records []slog.Record
}

func (l *logRecorder) Enabled(context.Context, slog.Level) bool { return true }
func (l *logRecorder) Handle(_ context.Context, r slog.Record) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.records = append(l.records, r.Clone())
	return nil
}
func (l *logRecorder) WithAttrs([]slog.Attr) slog.Handler { return l }
func (l *logRecorder) WithGroup(string) slog.Handler      { return l }

// reasons returns the "reason" attribute of every warning.
func (l *logRecorder) reasons() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, r := range l.records {
		if r.Level != slog.LevelWarn {
			continue
		}
		r.Attrs(func(a slog.Attr) bool {
			if a.Key == "reason" {
				out = append(out, a.Value.String())
			}
			return true
		})
	}
	return out
}

func (l *logRecorder) reset() {
	l.mu.Lock()
	l.records = nil
	l.mu.Unlock()
}

func (l *logRecorder) text() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var b strings.Builder
	for _, r := range l.records {
		b.WriteString(r.Message)
		r.Attrs(func(a slog.Attr) bool {
			b.WriteString(" " + a.Key + "=" + a.Value.String())
			return true
		})
		b.WriteString("\n")
	}
	return b.String()
}

// spySession records what csrfx does to the session (Django's TestingSessionStore).
type spySession struct {
	sessions.Session
	mu   *sync.Mutex
	sets *[]string // values set under SessionKey, in order
}

func (s spySession) Set(key, val any) {
	if key == SessionKey {
		s.mu.Lock()
		*s.sets = append(*s.sets, val.(string))
		s.mu.Unlock()
	}
	s.Session.Set(key, val)
}

// env is one application under test: a gin engine with csrfx, Django's test views, and
// the storage abstraction of Django's CsrfViewMiddlewareTestMixin.
type env struct {
	t       testing.TB
	m       *Middleware
	mode    Storage
	engine  *gin.Engine
	logs    *logRecorder
	global  bool
	mu      sync.Mutex
	sets    []string // session mode: values set under SessionKey during the last request
	final   any      // session mode: the session's SessionKey after the last request
	hasSess bool
}

type envOpt func(*envOptions)

type envOptions struct {
	noGlobal  bool  // no global middleware: decorators work alone
	noSession bool  // session mode without the sessions middleware
	after     []any // more middlewares after csrfx in the chain
	facts     *ginmw.FactsConfig
}

// withFacts installs ginmw's request-facts middleware first, with cfg.
func withFacts(cfg ginmw.FactsConfig) envOpt { return func(o *envOptions) { o.facts = &cfg } }

func withAfter(mws ...any) envOpt { return func(o *envOptions) { o.after = mws } }

func withoutGlobal(o *envOptions)  { o.noGlobal = true }
func withoutSession(o *envOptions) { o.noSession = true }

const (
	headerTestSession = "X-Test-Session-Secret" // session mode: the stored secret for the request
	testHost          = "www.example.com"
)

var csrfInputRE = regexp.MustCompile(`name="csrfmiddlewaretoken" value="(.*?)"`)

func newEnv(t testing.TB, mode Storage, cfg Config, opts ...envOpt) *env {
	t.Helper()
	var o envOptions
	for _, f := range opts {
		f(&o)
	}
	logs := &logRecorder{}
	cfg.Storage = mode
	if cfg.Logger == nil {
		cfg.Logger = slog.New(logs)
	}
	m, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, m: m, mode: mode, logs: logs, global: !o.noGlobal}
	r := gin.New()
	if o.facts != nil {
		o.facts.Logger = discardLogger
		h, err := ginmw.NewFacts(*o.facts)
		if err != nil {
			t.Fatal(err)
		}
		r.Use(h)
	}
	if mode == StorageSession && !o.noSession {
		store := cookie.NewStore([]byte("0123456789abcdef0123456789abcdef"))
		r.Use(sessions.Sessions("sessionid", store))
		r.Use(e.sessionProbe)
	}
	if e.global {
		r.Use(ginmw.Chain(append([]any{m}, o.after...)...))
	}
	e.routes(r)
	e.engine = r
	return e
}

// sessionProbe plays Django's _set_csrf_cookie / _read_csrf_cookie for session storage.
func (e *env) sessionProbe(c *gin.Context) {
	s := sessions.Default(c)
	if v := c.GetHeader(headerTestSession); v != "" {
		s.Set(SessionKey, v)
	}
	e.mu.Lock()
	e.sets = nil
	e.hasSess = true
	e.mu.Unlock()
	c.Set(sessions.DefaultKey, spySession{Session: s, mu: &e.mu, sets: &e.sets})
	c.Next()
	e.mu.Lock()
	e.final = s.Get(SessionKey)
	e.mu.Unlock()
}

// decorators returns the decorators the routes use: the package-level markers with the
// global middleware, the Middleware's own handlers without it.
func (e *env) decorators() (protect, ensure, requires gin.HandlerFunc) {
	if e.global {
		return Protect, EnsureCookie, RequiresToken
	}
	return e.m.Protect(), e.m.EnsureCookie(), e.m.RequiresToken()
}

func okView(c *gin.Context) { c.String(http.StatusOK, "OK") }

// tokenView is Django's token_view: a page with {% csrf_token %}.
func tokenView(c *gin.Context) { c.String(http.StatusOK, "%s", Input(c)) }

func rotator(c *gin.Context) {
	c.Next()
	Rotate(c)
}

func (e *env) routes(r *gin.Engine) {
	protect, ensure, requires := e.decorators()
	for _, method := range []string{"GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"} {
		r.Handle(method, "/post", okView)
		r.Handle(method, "/token", tokenView)
		r.Handle(method, "/exempt", Exempt, tokenView)
		r.Handle(method, "/protected", protect, okView)
		r.Handle(method, "/protected_token", protect, tokenView)
		r.Handle(method, "/ensure", ensure, okView)
		r.Handle(method, "/ensured_protected", ensure, protect, okView)
		r.Handle(method, "/sandwich", protect, rotator, ensure, okView)
		r.Handle(method, "/requires", requires, tokenView)
	}
	r.POST("/echo", func(c *gin.Context) { c.String(http.StatusOK, "%s", c.PostForm("name")) })
	r.POST("/raw", func(c *gin.Context) {
		b, _ := io.ReadAll(c.Request.Body)
		c.Data(http.StatusOK, "application/octet-stream", b)
	})
	r.POST("/rotate", func(c *gin.Context) { Rotate(c); c.String(http.StatusOK, "OK") })
	r.POST("/webhook/*rest", Exempt, okView)
	r.POST("/api/x", okView)
	r.POST("/api/x/", okView)
}

// request describes one request, as Django's _get_POST_csrf_cookie_request does.
type request struct {
	method  string
	path    string
	cookie  *string           // the stored secret (cookie or session); nil for none
	post    *string           // csrfmiddlewaretoken form field
	header  *string           // the token header
	hname   string            // the token header name, X-CSRFToken by default
	headers map[string]string // more headers (Origin, Referer, Sec-Fetch-Site, …)
	secure  bool
	host    string
	body    string // a raw body (overrides post)
	ctype   string
}

func ptr(s string) *string { return &s }

func (e *env) build(rq request) *http.Request {
	if rq.method == "" {
		rq.method = http.MethodGet
	}
	if rq.path == "" {
		rq.path = "/post"
	}
	var body io.Reader
	ctype := rq.ctype
	switch {
	case rq.body != "":
		body = strings.NewReader(rq.body)
	case rq.post != nil:
		body = strings.NewReader(url.Values{DefaultFieldName: {*rq.post}}.Encode())
		if ctype == "" {
			ctype = "application/x-www-form-urlencoded"
		}
	}
	r := httptest.NewRequest(rq.method, rq.path, body)
	r.Host = testHost
	if rq.host != "" {
		r.Host = rq.host
	}
	if ctype != "" {
		r.Header.Set("Content-Type", ctype)
	}
	if rq.secure {
		r.TLS = &tls.ConnectionState{}
	}
	if rq.cookie != nil {
		if e.mode == StorageSession {
			r.Header.Set(headerTestSession, *rq.cookie)
		} else {
			r.Header.Add("Cookie", e.m.CookieName()+"="+*rq.cookie)
		}
	}
	if rq.header != nil {
		name := rq.hname
		if name == "" {
			name = "X-CSRFToken"
		}
		r.Header.Set(name, *rq.header)
	}
	for k, v := range rq.headers {
		r.Header.Set(k, v)
	}
	return r
}

func (e *env) serve(r *http.Request) *httptest.ResponseRecorder {
	e.logs.reset()
	w := httptest.NewRecorder()
	e.engine.ServeHTTP(w, r)
	return w
}

func (e *env) do(rq request) *httptest.ResponseRecorder { return e.serve(e.build(rq)) }

// postWithToken is Django's _get_POST_request_with_token: cookie MASKED_TEST_SECRET1 (or
// cookie), token MASKED_TEST_SECRET2 in the form.
func postWithToken(cookie string) request {
	if cookie == "" {
		cookie = maskedSecret1
	}
	return request{method: http.MethodPost, cookie: ptr(cookie), post: ptr(maskedSecret2)}
}

// stored is Django's _read_csrf_cookie: the secret sent in the response (cookie mode) or
// left in the session (session mode); "" when none.
func (e *env) stored(w *httptest.ResponseRecorder) string {
	if e.mode == StorageSession {
		e.mu.Lock()
		defer e.mu.Unlock()
		s, _ := e.final.(string)
		return s
	}
	for _, c := range (&http.Response{Header: w.Header()}).Cookies() {
		if c.Name == e.m.CookieName() {
			return c.Value
		}
	}
	return ""
}

// cookiesSet is Django's _get_cookies_set: the secret values written during the request.
func (e *env) cookiesSet(w *httptest.ResponseRecorder) []string {
	if e.mode == StorageSession {
		e.mu.Lock()
		defer e.mu.Unlock()
		return append([]string(nil), e.sets...)
	}
	var out []string
	for _, c := range (&http.Response{Header: w.Header()}).Cookies() {
		if c.Name == e.m.CookieName() {
			out = append(out, c.Value)
		}
	}
	return out
}

// setCookies returns the raw Set-Cookie lines for the CSRF cookie.
func (e *env) setCookies(w *httptest.ResponseRecorder) []string {
	var out []string
	for _, v := range w.Header().Values("Set-Cookie") {
		if strings.HasPrefix(v, e.m.CookieName()+"=") {
			out = append(out, v)
		}
	}
	return out
}

// expectReject asserts a 403 and that the one warning logged carries Django's exact reason.
func (e *env) expectReject(t *testing.T, w *httptest.ResponseRecorder, reason string) {
	t.Helper()
	if w.Code != http.StatusForbidden {
		t.Fatalf("status %d, want 403; body %q", w.Code, w.Body.String())
	}
	got := e.logs.reasons()
	if len(got) != 1 || got[0] != reason {
		t.Fatalf("logged reasons %q, want [%q]", got, reason)
	}
}

func (e *env) expectOK(t *testing.T, w *httptest.ResponseRecorder) {
	t.Helper()
	if w.Code != http.StatusOK {
		t.Fatalf("status %d, want 200; body %q; log:\n%s", w.Code, w.Body.String(), e.logs.text())
	}
}

// tokenIn returns the csrfmiddlewaretoken value rendered in a page.
func tokenIn(t *testing.T, body string) string {
	t.Helper()
	m := csrfInputRE.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no csrfmiddlewaretoken in %q", body)
	}
	return m[1]
}

// checkTokenPresent is Django's _check_token_present.
func checkTokenPresent(t *testing.T, w *httptest.ResponseRecorder, secret string) {
	t.Helper()
	assertMaskedSecretCorrect(t, tokenIn(t, w.Body.String()), secret)
}

// multipartBody builds a multipart/form-data body.
func multipartBody(fields [][2]string, file []byte) (string, string) {
	var b bytes.Buffer
	boundary := "csrfxboundary"
	for _, f := range fields {
		b.WriteString("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + f[0] + "\"\r\n\r\n" + f[1] + "\r\n")
	}
	if file != nil {
		b.WriteString("--" + boundary + "\r\nContent-Disposition: form-data; name=\"upload\"; filename=\"a.bin\"\r\nContent-Type: application/octet-stream\r\n\r\n")
		b.Write(file)
		b.WriteString("\r\n")
	}
	b.WriteString("--" + boundary + "--\r\n")
	return b.String(), "multipart/form-data; boundary=" + boundary
}

// discardLogger keeps expected warnings out of the test output.
var discardLogger = slog.New(slog.DiscardHandler)

func slogFor(l *logRecorder) *slog.Logger { return slog.New(l) }
