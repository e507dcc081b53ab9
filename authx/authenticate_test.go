package authx

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
)

// fixedBackend accepts one username/password pair and answers with a fixed error.
type fixedBackend struct {
	name     string
	user     *User
	password string
	err      error
	calls    int
}

func (b *fixedBackend) Name() string { return b.name }

func (b *fixedBackend) Authenticate(_ *gin.Context, username, password string) (*User, error) {
	b.calls++
	if b.err != nil {
		return nil, b.err
	}
	if b.user != nil && username == b.user.Username && password == b.password {
		return b.user, nil
	}
	return nil, nil
}

func (b *fixedBackend) GetUser(_ context.Context, id int64) (*User, error) {
	if b.user != nil && b.user.ID == id {
		return b.user, nil
	}
	return nil, nil
}

// testContext is a gin.Context for calling Auth methods directly, with the client address
// given.
func testContext(remoteAddr string) *gin.Context {
	c, _ := gin.CreateTestContext(httptest.NewRecorder())
	c.Request = httptest.NewRequest(http.MethodPost, "/login/", nil)
	if remoteAddr != "" {
		c.Request.RemoteAddr = remoteAddr
	}
	return c
}

func newAuthForTest(t *testing.T, cfg AuthConfig) *Auth {
	t.Helper()
	if cfg.Users == nil {
		cfg.Users = newTestUserManager(t, UserManagerConfig{Hashers: cheapPasswordHashers(t), PasswordValidators: []PasswordValidator{}})
	}
	if cfg.SecretKey == "" {
		cfg.SecretKey = testSecret
	}
	if cfg.Throttle == nil {
		cfg.Throttle = NoLoginThrottle
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	a, err := NewAuth(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// Django's ModelBackend: one answer for every refusal, and the same work. An unknown user
// costs one hash with the preferred hasher (#20760); an inactive user's password is checked
// like an active one's, before IsActive.
func TestAuthenticateSameAnswerAndWorkForEveryRefusal(t *testing.T) {
	hashers, counter := countingPreferred(t)
	users := newTestUserManager(t, UserManagerConfig{Hashers: hashers, PasswordValidators: []PasswordValidator{}})
	ctx := t.Context()
	if _, err := users.CreateUser(ctx, UserParams{Username: "alice", Password: "right"}); err != nil {
		t.Fatal(err)
	}
	if _, err := users.CreateUser(ctx, UserParams{Username: "bob", Password: "right", Inactive: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := users.CreateUser(ctx, UserParams{Username: "carol"}); err != nil { // unusable password
		t.Fatal(err)
	}
	var failures []LoginFailedEvent
	a := newAuthForTest(t, AuthConfig{Users: users})
	a.Signals().UserLoginFailed.Connect(func(e LoginFailedEvent) { failures = append(failures, e) })

	for _, tc := range []struct{ name, username, password string }{
		{"unknown user", "nobody", "right"},
		{"wrong password", "alice", "wrong"},
		{"inactive user, right password", "bob", "right"},
		{"inactive user, wrong password", "bob", "wrong"},
		{"unusable password", "carol", ""},
		{"empty username", "", "right"},
	} {
		counter.encodes.Store(0)
		counter.verifies.Store(0)
		u, err := a.Authenticate(testContext(""), tc.username, tc.password)
		if u != nil || !errors.Is(err, ErrInvalidCredentials) || err.Error() != ErrInvalidCredentials.Error() {
			t.Errorf("%s: Authenticate = %v, %v", tc.name, u, err)
		}
		if work := counter.encodes.Load() + counter.verifies.Load(); work != 1 {
			t.Errorf("%s: %d hash operations, want 1 (the same as a real check)", tc.name, work)
		}
	}
	if len(failures) != 6 || failures[1].Username != "alice" || !errors.Is(failures[1].Err, ErrInvalidCredentials) {
		t.Fatalf("user_login_failed: %+v", failures)
	}
	u, err := a.Authenticate(testContext(""), "alice", "right")
	if err != nil || u == nil || u.Username != "alice" {
		t.Fatalf("Authenticate(alice) = %v, %v", u, err)
	}
}

// The submitted username is looked up exactly, as Django's ModelBackend does: a username
// stored before normalisation (a legacy Django row) is still found, and a compatibility
// form of a normalised one is not (the login view's form normalises what is typed).
func TestAuthenticateLooksUpTheUsernameExactly(t *testing.T) {
	a := newAuthForTest(t, AuthConfig{})
	store := a.Users().Store()
	hash, err := a.Users().Hashers().Make("pw")
	if err != nil {
		t.Fatal(err)
	}
	mustCreate(t, store, &User{Username: "ｌｅｇａｃｙ", Password: hash, IsActive: true}) // full-width, as an old row may hold
	mustCreate(t, store, &User{Username: "admin", Password: hash, IsActive: true})
	if u, err := a.Authenticate(testContext(""), "ｌｅｇａｃｙ", "pw"); err != nil || u == nil {
		t.Fatalf("legacy username: %v", err)
	}
	if _, err := a.Authenticate(testContext(""), "ａｄｍｉｎ", "pw"); !errors.Is(err, ErrInvalidCredentials) {
		t.Fatalf("a compatibility form matched: %v", err)
	}
	if _, err := a.Authenticate(testContext(""), "Admin", "pw"); !errors.Is(err, ErrInvalidCredentials) {
		t.Fatalf("usernames are case-sensitive: %v", err)
	}
}

func TestAuthenticateBackends(t *testing.T) {
	users := newTestUserManager(t, UserManagerConfig{Hashers: cheapPasswordHashers(t), PasswordValidators: []PasswordValidator{}})
	alice, err := users.CreateUser(t.Context(), UserParams{Username: "alice", Password: "model-pw"})
	if err != nil {
		t.Fatal(err)
	}
	ldap := &fixedBackend{name: "LDAP", user: alice, password: "ldap-pw"}
	a := newAuthForTest(t, AuthConfig{Users: users, Backends: []Backend{NewModelBackend(users), ldap}})
	c := testContext("")
	if u, err := a.Authenticate(c, "alice", "ldap-pw"); err != nil || u.ID != alice.ID {
		t.Fatalf("second backend: %v, %v", u, err)
	}
	if b, _ := a.loginBackend(c, alice, ""); b != "LDAP" {
		t.Fatalf("the accepting backend was not recorded: %q", b)
	}
	if u, err := a.Authenticate(c, "alice", "model-pw"); err != nil || u.ID != alice.ID {
		t.Fatalf("first backend: %v, %v", u, err)
	}

	// A backend that denies stops the search (Django: PermissionDenied).
	deny := &fixedBackend{name: "Deny", err: ErrBackendDenied}
	a = newAuthForTest(t, AuthConfig{Users: users, Backends: []Backend{deny, NewModelBackend(users)}})
	if _, err := a.Authenticate(c, "alice", "model-pw"); !errors.Is(err, ErrInvalidCredentials) {
		t.Fatalf("after a denial: %v", err)
	}
	// A backend that cannot answer is an error, not a refusal.
	down := &fixedBackend{name: "Down", err: errors.New("ldap unreachable")}
	a = newAuthForTest(t, AuthConfig{Users: users, Backends: []Backend{down}})
	if _, err := a.Authenticate(c, "alice", "model-pw"); err == nil || errors.Is(err, ErrInvalidCredentials) {
		t.Fatalf("an outage looked like a refusal: %v", err)
	}
}

func TestAuthenticateUnreadableStoredHash(t *testing.T) {
	a := newAuthForTest(t, AuthConfig{})
	for i, stored := range []string{"", "garbage", "md5$", "argon2$argon2id$v=19$m=0,t=0,p=0$c2FsdA$aGFzaA", "unknown$1$x$y"} {
		name := "u" + strconv.Itoa(i)
		mustCreate(t, a.Users().Store(), &User{Username: name, Password: stored, IsActive: true})
		if _, err := a.Authenticate(testContext(""), name, "whatever"); !errors.Is(err, ErrInvalidCredentials) {
			t.Errorf("stored %q: %v", stored, err)
		}
	}
	// An over-long password is a refusal, not an error.
	if _, err := a.Authenticate(testContext(""), "u0", strings.Repeat("x", 5000)); !errors.Is(err, ErrInvalidCredentials) {
		t.Errorf("long password: %v", err)
	}
}

func TestNewAuthValidation(t *testing.T) {
	users := newTestUserManager(t, UserManagerConfig{})
	good := func() AuthConfig { return AuthConfig{Users: users, SecretKey: testSecret} }
	cases := []struct {
		field string
		edit  func(*AuthConfig)
	}{
		{"Users", func(c *AuthConfig) { c.Users = nil }},
		{"SecretKey", func(c *AuthConfig) { c.SecretKey = "" }},
		{"SecretKeyFallbacks[0]", func(c *AuthConfig) { c.SecretKeyFallbacks = []string{""} }},
		{"Backends", func(c *AuthConfig) { c.Backends = []Backend{} }},
		{"Backends[0]", func(c *AuthConfig) { c.Backends = []Backend{nil} }},
		{"Backends[1]", func(c *AuthConfig) {
			c.Backends = []Backend{&fixedBackend{name: "X"}, &fixedBackend{name: "X"}}
		}},
		{"Backends[0]", func(c *AuthConfig) { c.Backends = []Backend{&fixedBackend{name: "bad\nname"}} }},
		{"RequestAuthenticators[0]", func(c *AuthConfig) { c.RequestAuthenticators = []RequestAuthenticator{nil} }},
		{"LoginURL", func(c *AuthConfig) { c.LoginURL = "javascript:alert(1)" }},
		{"LoginURL", func(c *AuthConfig) { c.LoginURL = "//evil.example/login" }},
		{"LoginRedirectURL", func(c *AuthConfig) { c.LoginRedirectURL = "relative/path" }},
		{"LogoutRedirectURL", func(c *AuthConfig) { c.LogoutRedirectURL = "/a b" }},
		{"PasswordChangeDoneURL", func(c *AuthConfig) { c.PasswordChangeDoneURL = "/x\r\nSet-Cookie: a=b" }},
		{"RedirectFieldName", func(c *AuthConfig) { c.RedirectFieldName = "ne xt" }},
		{"AllowedRedirectHosts[0]", func(c *AuthConfig) { c.AllowedRedirectHosts = []string{"evil.com/path"} }},
		{"WWWAuthenticate", func(c *AuthConfig) { c.WWWAuthenticate = "Bearer\r\nX: y" }},
	}
	for _, tc := range cases {
		cfg := good()
		tc.edit(&cfg)
		_, err := NewAuth(cfg)
		if !errors.Is(err, ErrInvalidAuthConfig) {
			t.Errorf("%s: err = %v", tc.field, err)
			continue
		}
		if !strings.Contains(err.Error(), "AuthConfig."+tc.field+":") {
			t.Errorf("%s: the error does not name the setting: %v", tc.field, err)
		}
	}
	if _, err := NewAuth(good()); err != nil {
		t.Fatal(err)
	}

	gin.SetMode(gin.ReleaseMode)
	defer gin.SetMode(gin.TestMode)
	short := good()
	short.SecretKey = "too-short"
	if _, err := NewAuth(short); !errors.Is(err, ErrInvalidAuthConfig) || !strings.Contains(err.Error(), "release mode") {
		t.Fatalf("a short key in release mode: %v", err)
	}
	short = good()
	short.SecretKeyFallbacks = []string{"old"}
	if _, err := NewAuth(short); !errors.Is(err, ErrInvalidAuthConfig) {
		t.Fatalf("a short fallback in release mode: %v", err)
	}
}

// The JWT obtain endpoint wired with Auth.JWTConfig shares the login throttle with the login
// view (one count per attempt, 429 when locked), and a token then authenticates on every
// route through AddRequestAuthenticator; a password change revokes it like a session.
func TestJWTConfigSharesTheLoginState(t *testing.T) {
	throttle := mustThrottle(t, MemoryLoginThrottleConfig{UsernameFailures: 3})
	f := newFixture(t, fixtureConfig{auth: AuthConfig{Throttle: throttle, AuthVersions: NewMemoryAuthVersionStore()}})
	jwt, err := NewJWT(f.auth.JWTConfig(JWTConfig{}))
	if err != nil {
		t.Fatal(err)
	}
	f.auth.AddRequestAuthenticator(jwt)
	r := gin.New()
	r.POST("/api/token/", jwt.ObtainHandler)
	obtain := func(password string) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodPost, "/api/token/", strings.NewReader(`{"username":"`+testUsername+`","password":"`+password+`"}`))
		req.Header.Set("Content-Type", "application/json")
		r.ServeHTTP(rec, req)
		return rec
	}
	rec := obtain(testPassword)
	if rec.Code != http.StatusOK {
		t.Fatalf("obtain: %d %s", rec.Code, rec.Body.String())
	}
	var pair struct{ Access string }
	if err := jsonUnmarshal(rec.Body.String(), &pair); err != nil || pair.Access == "" {
		t.Fatalf("pair: %s", rec.Body.String())
	}
	c := f.client()
	bearer := http.Header{"Authorization": {"Bearer " + pair.Access}}
	if r := c.request(http.MethodGet, "/login_required/", nil, bearer); r.status != http.StatusOK {
		t.Fatalf("bearer on a LoginRequired route: %d", r.status)
	}

	// Two failures on the API and one on the form lock the username everywhere.
	for range 2 {
		if rec := obtain("wrong"); rec.Code != http.StatusUnauthorized {
			t.Fatalf("wrong password: %d", rec.Code)
		}
	}
	if r := c.login(testUsername, "wrong"); r.status != http.StatusOK {
		t.Fatalf("form failure: %d", r.status)
	}
	if rec := obtain(testPassword); rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") == "" {
		t.Fatalf("locked API obtain: %d %v", rec.Code, rec.Header())
	}
	if r := c.login(testUsername, testPassword); r.status != http.StatusTooManyRequests {
		t.Fatalf("locked form login: %d", r.status)
	}

	if _, err := f.auth.LogoutEverywhere(t.Context(), f.user.ID); err != nil {
		t.Fatal(err)
	}
	if r := c.request(http.MethodGet, "/login_required/", nil, bearer); r.status != http.StatusUnauthorized {
		t.Fatalf("the token survived LogoutEverywhere: %d", r.status)
	}
}

func TestJWTConfigKeepsExplicitFields(t *testing.T) {
	a := newAuthForTest(t, AuthConfig{SecretKeyFallbacks: []string{"an-old-secret-key-0123456789abcdef"}})
	own := func(*gin.Context, string, string) (*User, error) { return nil, nil }
	cfg := a.JWTConfig(JWTConfig{SecretKey: "jwt-specific-secret-0123456789abcdef", Authenticate: own})
	if cfg.SecretKey != "jwt-specific-secret-0123456789abcdef" || cfg.SecretKeyFallbacks != nil || cfg.Throttle != nil {
		t.Fatalf("explicit fields were overridden: %+v", cfg)
	}
	cfg = a.JWTConfig(JWTConfig{})
	if cfg.SecretKey != testSecret || len(cfg.SecretKeyFallbacks) != 1 || cfg.Users == nil || cfg.Authenticate == nil || cfg.Throttle == nil {
		t.Fatalf("fields were not filled: %+v", cfg)
	}
}
