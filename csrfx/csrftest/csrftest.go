// Package csrftest is a test client for applications protected by csrfx: Django's
// Client(enforce_csrf_checks=True). It keeps cookies like a browser, and sends every unsafe
// request the way a page of the application would: with the token header, a same-origin
// Origin and Sec-Fetch-Site: same-origin. Tests then exercise the real protection instead
// of switching it off.
//
//	c := csrftest.New(t, router)
//	c.Get("/login/")                                  // renders a form: the cookie is set
//	w := c.PostForm("/login/", url.Values{"username": {"ann"}, "password": {"pw"}})
//
// For handler unit tests that must not deal with CSRF at all, set SkipChecks (it marks the
// requests with csrfx.UnsafeSkipChecks, which only code can do, never a client).
package csrftest

import (
	"crypto/tls"
	"encoding/json"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"

	"github.com/djin-go/djin/csrfx"
)

// T is the part of testing.TB the client uses: *testing.T and *testing.B satisfy it.
type T interface {
	Helper()
	Fatalf(format string, args ...any)
}

// Client drives an http.Handler (a gin engine) in tests.
type Client struct {
	// Handler is the application.
	Handler http.Handler
	// BaseURL is the origin the client visits; an https URL makes requests arrive as
	// HTTPS (r.TLS set). Default "http://www.example.com".
	BaseURL string
	// TokenPath, if set, is fetched to get a token when the client has none: a page
	// rendering csrfx.Input or csrfx.Meta, or csrfx.TokenHandler. Needed with session
	// storage, where no cookie carries the secret.
	TokenPath string
	// CookieName is the CSRF cookie's name as the middleware reports it
	// (Middleware.CookieName); "" means "csrftoken" or "__Host-csrftoken".
	CookieName string
	// Header is the header the token is sent in; "" means "X-CSRFToken".
	Header string
	// SkipChecks marks every request with csrfx.UnsafeSkipChecks instead of sending a
	// token (Django's default test client).
	SkipChecks bool

	t   T
	jar http.CookieJar
}

// New returns a Client for h that fails t when it cannot get a token.
func New(t T, h http.Handler) *Client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatalf("csrftest: %v", err)
	}
	return &Client{Handler: h, t: t, jar: jar}
}

func (c *Client) base() *url.URL {
	b := c.BaseURL
	if b == "" {
		b = "http://www.example.com"
	}
	u, err := url.Parse(b)
	if err != nil {
		c.t.Fatalf("csrftest: BaseURL: %v", err)
	}
	return u
}

// Do sends r (whose URL is a path, or an absolute URL on BaseURL) with the client's
// cookies, adding the token, Origin and Sec-Fetch-Site to unsafe requests that do not
// already carry them, and keeps the cookies of the response.
func (c *Client) Do(r *http.Request) *httptest.ResponseRecorder {
	c.t.Helper()
	base := c.base()
	u := base.ResolveReference(r.URL)
	r.URL.Scheme, r.URL.Host = "", "" // as servers see them
	r.Host = base.Host
	r.RemoteAddr = "192.0.2.1:1234"
	if base.Scheme == "https" {
		r.TLS = &tls.ConnectionState{}
	}
	if !safe(r.Method) {
		if c.SkipChecks {
			r = csrfx.UnsafeSkipChecks(r)
		} else {
			c.prepare(r, base) // may fetch TokenPath, which can set cookies
		}
	}
	for _, ck := range c.jar.Cookies(u) {
		r.AddCookie(ck)
	}
	w := httptest.NewRecorder()
	c.Handler.ServeHTTP(w, r)
	c.jar.SetCookies(u, w.Result().Cookies())
	return w
}

func (c *Client) prepare(r *http.Request, base *url.URL) {
	// A browser on the application's own page: both headers, or the test's own.
	if r.Header.Get("Origin") == "" && r.Header.Get("Sec-Fetch-Site") == "" {
		r.Header.Set("Origin", base.Scheme+"://"+base.Host)
		r.Header.Set("Sec-Fetch-Site", "same-origin")
	}
	header := c.Header
	if header == "" {
		header = "X-CSRFToken"
	}
	if r.Header.Get(header) == "" {
		r.Header.Set(header, c.Token())
	}
}

func safe(method string) bool {
	return method == "" || method == http.MethodGet || method == http.MethodHead || method == http.MethodOptions || method == http.MethodTrace
}

// Get sends a GET.
func (c *Client) Get(path string) *httptest.ResponseRecorder {
	c.t.Helper()
	return c.Do(httptest.NewRequest(http.MethodGet, path, nil))
}

// PostForm sends an urlencoded POST; the token travels in the header.
func (c *Client) PostForm(path string, form url.Values) *httptest.ResponseRecorder {
	c.t.Helper()
	r := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.Do(r)
}

// PostJSON sends body as JSON.
func (c *Client) PostJSON(path string, body any) *httptest.ResponseRecorder {
	c.t.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		c.t.Fatalf("csrftest: %v", err)
	}
	r := httptest.NewRequest(http.MethodPost, path, strings.NewReader(string(b)))
	r.Header.Set("Content-Type", "application/json")
	return c.Do(r)
}

var (
	fieldRE = regexp.MustCompile(`name="` + csrfx.DefaultFieldName + `" value="([A-Za-z0-9]+)"`)
	metaRE  = regexp.MustCompile(`<meta name="csrf-token" content="([A-Za-z0-9]+)"`)
)

// Token returns a token for the next unsafe request: the CSRF cookie the application set
// (Django's JavaScript reads it the same way), else one fetched from TokenPath.
func (c *Client) Token() string {
	c.t.Helper()
	names := []string{c.CookieName}
	if c.CookieName == "" {
		names = []string{csrfx.DefaultCookieName, "__Host-" + csrfx.DefaultCookieName}
	}
	for _, ck := range c.jar.Cookies(c.base()) {
		for _, n := range names {
			if ck.Name == n && ck.Value != "" {
				return ck.Value
			}
		}
	}
	if c.TokenPath == "" {
		c.t.Fatalf("csrftest: no CSRF cookie yet: GET a page that renders a token first, or set TokenPath")
	}
	w := c.Get(c.TokenPath)
	body := w.Body.String()
	var js struct {
		Token string `json:"csrf_token"`
	}
	if json.Unmarshal(w.Body.Bytes(), &js) == nil && js.Token != "" {
		return js.Token
	}
	for _, re := range []*regexp.Regexp{fieldRE, metaRE} {
		if m := re.FindStringSubmatch(body); m != nil {
			return m[1]
		}
	}
	c.t.Fatalf("csrftest: %s (%d) has no token in its body", c.TokenPath, w.Code)
	return ""
}
