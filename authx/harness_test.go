package authx

import (
	"crypto/tls"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/djin-go/djin/csrfx"
	"github.com/djin-go/djin/ginmw"
	"github.com/djin-go/djin/ginmw/session"
	"github.com/gin-gonic/gin"
)

// The end-to-end harness: a real HTTP server running a djin chain (sessions, csrf, auth)
// with the views mounted at Django's test URLs, and a browser-like client with a cookie jar
// that fetches a fresh CSRF token before each POST.

const (
	testUsername = "testclient" // Django's auth_tests fixture user
	testPassword = "password"
	testSecret   = "django_tests_secret_key_that_is_long_enough_for_release"
)

type fixtureConfig struct {
	auth       AuthConfig          // Users is filled in; zero fields get test defaults
	store      session.Store       // nil: a memory store
	noCSRF     bool                // leave the csrf middleware out of the chain
	after      func(a *Auth) []any // middlewares below auth (login_required)
	routes     func(r *gin.Engine, a *Auth)
	userStore  Store               // nil: a memory store
	hashers    *PasswordHashers    // nil: cheap ones
	validators []PasswordValidator // nil: none
}

type authFixture struct {
	t           *testing.T
	users       *UserManager
	user        *User // testclient, active, password "password"
	sessions    session.Store
	*testServer // the first server
}

// testServer is one application instance; several may share the fixture's user and
// session stores, as processes behind a load balancer do.
type testServer struct {
	auth *Auth
	srv  *httptest.Server
}

func newFixture(t *testing.T, cfg fixtureConfig) *authFixture {
	t.Helper()
	store := cfg.userStore
	if store == nil {
		store = newMemoryStore(t, nil, storeTestClock)
	}
	hashers := cfg.hashers
	if hashers == nil {
		hashers = cheapPasswordHashers(t)
	}
	validators := cfg.validators
	if validators == nil {
		validators = []PasswordValidator{}
	}
	users := newTestUserManager(t, UserManagerConfig{Store: store, Hashers: hashers, PasswordValidators: validators})
	u, err := users.CreateUser(t.Context(), UserParams{Username: testUsername, Password: testPassword, Email: "testclient@example.com", SkipPasswordValidation: true})
	if err != nil {
		t.Fatal(err)
	}
	sessions := cfg.store
	if sessions == nil {
		sessions, err = session.NewMemoryStore(session.MemoryStoreConfig{})
		if err != nil {
			t.Fatal(err)
		}
	}
	f := &authFixture{t: t, users: users, user: u, sessions: sessions}
	f.testServer = f.server(cfg)
	return f
}

// server starts another instance of the application on the fixture's stores.
func (f *authFixture) server(cfg fixtureConfig) *testServer {
	t := f.t
	t.Helper()
	ac := cfg.auth
	ac.Users = f.users
	if ac.SecretKey == "" {
		ac.SecretKey = testSecret
	}
	if ac.LoginURL == "" {
		ac.LoginURL = "/login/"
	}
	if ac.Throttle == nil {
		ac.Throttle = NoLoginThrottle
	}
	if ac.Logger == nil {
		ac.Logger = slog.New(slog.DiscardHandler)
	}
	a, err := NewAuth(ac)
	if err != nil {
		t.Fatal(err)
	}
	sm, err := session.New(session.Config{Store: f.sessions})
	if err != nil {
		t.Fatal(err)
	}
	chain := []any{ginmw.Named{Name: "sessions", Middleware: sm}}
	if !cfg.noCSRF {
		chain = append(chain, csrfx.Default())
	}
	chain = append(chain, a)
	if cfg.after != nil {
		chain = append(chain, cfg.after(a)...)
	}
	r := gin.New()
	r.Use(ginmw.Chain(chain...))
	a.Mount(r.Group("/"))
	r.GET("/csrf/", LoginNotRequired, csrfx.EnsureCookie, csrfx.TokenHandler)
	r.GET("/whoami/", LoginNotRequired, whoami)
	sessionRoute(r)
	r.GET("/login_required/", a.LoginRequired(), func(c *gin.Context) { c.String(http.StatusOK, "secret") })
	if cfg.routes != nil {
		cfg.routes(r, a)
	}
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)
	return &testServer{auth: a, srv: srv}
}

func init() { gin.SetMode(gin.TestMode) }

func jsonUnmarshal(s string, v any) error { return json.Unmarshal([]byte(s), v) }

// benchUsers is a user manager on a memory or SQLite store, with cheap hashers.
func benchUsers(b *testing.B, kind string) *UserManager {
	b.Helper()
	var store Store = DefaultMemoryStore()
	if kind == "sqlite" {
		db, err := OpenSQLite(filepath.Join(b.TempDir(), "bench.db"))
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { db.Close() })
		store = newSQLStoreOn(b, db, SQLStoreConfig{})
	}
	m, err := NewUserManager(UserManagerConfig{Store: store, Hashers: cheapPasswordHashers(b), PasswordValidators: []PasswordValidator{}})
	if err != nil {
		b.Fatal(err)
	}
	return m
}

// whoami reports the request's user and session key, for assertions.
func whoami(c *gin.Context) {
	u, err := CurrentUserErr(c)
	errText := ""
	if err != nil {
		errText = err.Error()
	}
	c.JSON(http.StatusOK, gin.H{"user": u.GetUsername(), "key": session.Key(c), "backend": AuthBackend(c), "err": errText})
}

type whoamiAnswer struct {
	User, Key, Backend, Err string
}

type testResponse struct {
	status   int
	header   http.Header
	body     string
	location string
}

type testClient struct {
	host string // the Host header to send; "" means the server's address
	t    *testing.T
	s    *testServer
	hc   *http.Client
	base *url.URL
}

// client returns a browser with an empty cookie jar, talking to the first server. Cookies
// ignore ports, so use can point it at another instance with the same cookies.
func (f *authFixture) client() *testClient {
	jar, _ := cookiejar.New(nil)
	base, _ := url.Parse(f.srv.URL)
	return &testClient{t: f.t, s: f.testServer, base: base, hc: &http.Client{
		Jar:           jar,
		Timeout:       30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// use sends the next requests to another server.
func (c *testClient) use(s *testServer) { c.s = s }

func (c *testClient) do(req *http.Request) testResponse {
	c.t.Helper()
	resp, err := c.hc.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return testResponse{status: resp.StatusCode, header: resp.Header, body: string(body), location: resp.Header.Get("Location")}
}

func (c *testClient) request(method, path string, body io.Reader, header http.Header) testResponse {
	c.t.Helper()
	req, err := http.NewRequest(method, c.s.srv.URL+path, body)
	if err != nil {
		c.t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	if c.host != "" {
		req.Host = c.host
	}
	return c.do(req)
}

func (c *testClient) get(path string, header ...string) testResponse {
	c.t.Helper()
	h := http.Header{}
	for i := 0; i+1 < len(header); i += 2 {
		h.Set(header[i], header[i+1])
	}
	return c.request(http.MethodGet, path, nil, h)
}

// csrfToken fetches a fresh token (and the cookie with it).
func (c *testClient) csrfToken() string {
	c.t.Helper()
	r := c.get("/csrf/")
	var v struct {
		Token string `json:"csrf_token"`
	}
	if err := json.Unmarshal([]byte(r.body), &v); err != nil || v.Token == "" {
		c.t.Fatalf("GET /csrf/: %d %q", r.status, r.body)
	}
	return v.Token
}

// post sends a form with a valid CSRF token.
func (c *testClient) post(path string, form url.Values) testResponse {
	c.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	form.Set(csrfx.DefaultFieldName, c.csrfToken())
	return c.postRaw(path, form)
}

// postRaw sends a form as it is.
func (c *testClient) postRaw(path string, form url.Values) testResponse {
	c.t.Helper()
	h := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}
	return c.request(http.MethodPost, path, strings.NewReader(form.Encode()), h)
}

func (c *testClient) login(username, password string) testResponse {
	c.t.Helper()
	return c.post("/login/", url.Values{"username": {username}, "password": {password}})
}

func (c *testClient) mustLogin() {
	c.t.Helper()
	if r := c.login(testUsername, testPassword); r.status != http.StatusFound {
		c.t.Fatalf("login: %d %s", r.status, r.body)
	}
	if w := c.whoami(); w.User != testUsername {
		c.t.Fatalf("after login the user is %q (%s)", w.User, w.Err)
	}
}

func (c *testClient) whoami() whoamiAnswer {
	c.t.Helper()
	r := c.get("/whoami/")
	var w whoamiAnswer
	if err := json.Unmarshal([]byte(r.body), &w); err != nil {
		c.t.Fatalf("whoami: %d %q", r.status, r.body)
	}
	return w
}

func (c *testClient) cookie(name string) string {
	for _, ck := range c.hc.Jar.Cookies(c.base) {
		if ck.Name == name {
			return ck.Value
		}
	}
	return ""
}

// setCookie replaces a cookie, as an attacker replaying a stolen one does.
func (c *testClient) setCookie(name, value string) {
	c.hc.Jar.SetCookies(c.base, []*http.Cookie{{Name: name, Value: value, Path: "/"}})
}

// sessionValues reads the request's session from a route, for white-box assertions.
func sessionRoute(r *gin.Engine) {
	r.GET("/session/", LoginNotRequired, func(c *gin.Context) {
		s := session.Get(c)
		out := map[string]any{}
		for _, k := range s.Keys() {
			out[k] = s.Get(k)
		}
		c.JSON(http.StatusOK, out)
	})
}

func (c *testClient) session() map[string]any {
	c.t.Helper()
	r := c.get("/session/")
	out := map[string]any{}
	if err := json.Unmarshal([]byte(r.body), &out); err != nil {
		c.t.Fatalf("session: %d %q", r.status, r.body)
	}
	return out
}

// serve runs one request through an engine.
func serve(r http.Handler, method, target string) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	r.ServeHTTP(rec, httptest.NewRequest(method, target, nil))
	return rec
}

// tlsState marks a request as made over TLS.
func tlsState() *tls.ConnectionState { return &tls.ConnectionState{HandshakeComplete: true} }
