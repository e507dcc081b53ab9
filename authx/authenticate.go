package authx

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"time"
	"unicode"

	"github.com/gin-gonic/gin"
)

// Errors of authentication and of the Auth configuration.
var (
	// ErrInvalidCredentials is Authenticate's one answer for an unknown username, a wrong
	// password, an unusable or unreadable stored hash and an inactive account alike, so
	// that nothing tells them apart. Django: authenticate() returning None.
	ErrInvalidCredentials = errors.New("authx: invalid username or password")
	// ErrBackendDenied is returned by a Backend that refuses the credentials outright: no
	// later backend is asked. Django: raising PermissionDenied in a backend.
	ErrBackendDenied = errors.New("authx: authentication denied by a backend")
	// ErrInvalidAuthConfig wraps every error of NewAuth.
	ErrInvalidAuthConfig = errors.New("authx: invalid auth configuration")
)

// MinSecretKeyLength is the shortest SecretKey (and fallback) NewAuth accepts in gin's
// release mode: 32 bytes, the HMAC-SHA256 block's worth of security. Django's check
// (security.W009) asks for 50 characters of a random key.
const MinSecretKeyLength = 32

// Defaults of AuthConfig, Django's values.
const (
	DefaultLoginURL              = "/accounts/login/"                // Django: LOGIN_URL
	DefaultLoginRedirectURL      = "/accounts/profile/"              // Django: LOGIN_REDIRECT_URL
	DefaultPasswordChangeDoneURL = "/accounts/password_change/done/" // Django: the password_change_done URL
	DefaultRedirectFieldName     = "next"                            // Django: REDIRECT_FIELD_NAME
	DefaultWWWAuthenticate       = `Bearer realm="api"`
)

// AuthConfig configures an Auth: django.contrib.auth's settings in one place. Users and
// SecretKey are required; the zero value of every other field is Django's default, with
// login throttling on.
type AuthConfig struct {
	// Users is the user manager: its store keeps the users, its hashers check passwords,
	// its validators vet new ones. Required.
	Users *UserManager

	// SecretKey keys the session-auth hash that ties a session to the user's password
	// (Django: SECRET_KEY). Required; at least MinSecretKeyLength bytes in gin's release
	// mode. Reuse Django's SECRET_KEY to keep sessions valid across a migration; any
	// change logs every user out unless the old key is listed in SecretKeyFallbacks.
	SecretKey string
	// SecretKeyFallbacks are previous secret keys, still accepted: a session hashed with one
	// is re-hashed with SecretKey on its next request (and its key cycled), so a key can
	// be rotated without logging anyone out. Remove old keys once every session has been
	// seen. Django: SECRET_KEY_FALLBACKS.
	SecretKeyFallbacks []string

	// AuthVersions keeps each user's auth version; LogoutEverywhere bumps it, which ends
	// every session (and, with the JWT integration, every token) of the user without a
	// password change. nil turns the feature off: LogoutEverywhere then fails with
	// ErrNoAuthVersionStore, and each request costs one store read less.
	AuthVersions AuthVersionStore

	// Backends authenticate credentials, in order. nil means one ModelBackend over Users.
	// Django: AUTHENTICATION_BACKENDS.
	Backends []Backend

	// RequestAuthenticators are asked, in order, before the session, whether the request
	// carries another credential (a bearer token). A credential that is present and
	// invalid makes the request anonymous, never a fall back to the session.
	RequestAuthenticators []RequestAuthenticator

	// Throttle counts failed logins in Authenticate. nil means a MemoryLoginThrottle with
	// its defaults; NoLoginThrottle turns throttling off.
	Throttle LoginThrottle

	// LoginURL is where LoginRequired sends anonymous visitors; "" means
	// "/accounts/login/". It may be absolute (another site) and carry a query string.
	// Django: LOGIN_URL.
	LoginURL string
	// RedirectFieldName is the query and form field carrying the page to go back to; ""
	// means "next". Django: REDIRECT_FIELD_NAME.
	RedirectFieldName string
	// LoginRedirectURL is where the login view goes when no safe next page was given; ""
	// means "/accounts/profile/". Django: LOGIN_REDIRECT_URL.
	LoginRedirectURL string
	// LogoutRedirectURL is where the logout view goes when no safe next page was given;
	// "" renders the logged_out.html template instead. Django: LOGOUT_REDIRECT_URL.
	LogoutRedirectURL string
	// PasswordChangeDoneURL is where the password change view goes after a change; ""
	// means "/accounts/password_change/done/". Django: PasswordChangeView.success_url.
	PasswordChangeDoneURL string
	// AllowedRedirectHosts are hosts, besides the request's own, that a next page may
	// point to. Django: LoginView.success_url_allowed_hosts.
	AllowedRedirectHosts []string
	// RedirectAuthenticatedUser makes the login view send users who are already logged in
	// straight to the next page. Django: LoginView.redirect_authenticated_user.
	RedirectAuthenticatedUser bool

	// Templates overrides the views' templates: any of "login.html", "logged_out.html",
	// "password_change.html" and "password_change_done.html" it defines replaces the
	// embedded one. The data are LoginPage, LoggedOutPage, PasswordChangePage and
	// PasswordChangeDonePage. nil keeps the embedded templates.
	Templates *template.Template

	// IsAPIRequest decides whether an unauthenticated request gets 401 (an API client)
	// or a redirect to the login page (a browser). nil means DefaultIsAPIRequest.
	IsAPIRequest func(c *gin.Context) bool
	// WWWAuthenticate is the challenge sent with 401 answers; "" means
	// `Bearer realm="api"`.
	WWWAuthenticate string

	// Logger receives warnings (unreadable session values, failed last-login updates);
	// nil means slog.Default(). Passwords, hashes and session keys are never logged.
	Logger *slog.Logger
	// Now is the clock of the default throttle; nil means time.Now.
	Now func() time.Time
}

// Auth is django.contrib.auth for one site: authentication, login state, access control and
// the ready views. Build it once with NewAuth; it is safe for concurrent use.
type Auth struct {
	users        *UserManager
	secret       *authHasher
	fallbacks    []*authHasher
	secretKey    string   // kept for JWTConfig
	fallbackKeys []string // kept for JWTConfig
	versions     AuthVersionStore
	backends     []Backend
	// requestAuths is swapped whole by AddRequestAuthenticator; requests read a snapshot.
	requestAuths atomic.Pointer[[]RequestAuthenticator]
	throttle     LoginThrottle

	loginURL, redirectField       string
	loginRedirect, logoutRedirect string
	passwordDone                  string
	allowedHosts                  []string
	redirectAuthenticated         bool
	isAPI                         func(*gin.Context) bool
	wwwAuthenticate               string

	pages   *pages
	log     *slog.Logger
	signals Signals
	// loader is a.loadUser, made once: a method value taken per request would allocate.
	loader func(*gin.Context) (*User, string, error)
}

// NewAuth validates cfg and returns the Auth, or an error naming the bad setting (wrapping
// ErrInvalidAuthConfig).
func NewAuth(cfg AuthConfig) (*Auth, error) {
	bad := func(field, format string, args ...any) error {
		return fmt.Errorf("%w: AuthConfig.%s: %s", ErrInvalidAuthConfig, field, fmt.Sprintf(format, args...))
	}
	if cfg.Users == nil {
		return nil, bad("Users", "required (an *authx.UserManager)")
	}
	a := &Auth{
		users:                 cfg.Users,
		versions:              cfg.AuthVersions,
		throttle:              cfg.Throttle,
		loginURL:              orDefault(cfg.LoginURL, DefaultLoginURL),
		redirectField:         orDefault(cfg.RedirectFieldName, DefaultRedirectFieldName),
		loginRedirect:         orDefault(cfg.LoginRedirectURL, DefaultLoginRedirectURL),
		logoutRedirect:        cfg.LogoutRedirectURL,
		passwordDone:          orDefault(cfg.PasswordChangeDoneURL, DefaultPasswordChangeDoneURL),
		allowedHosts:          slices.Clone(cfg.AllowedRedirectHosts),
		redirectAuthenticated: cfg.RedirectAuthenticatedUser,
		isAPI:                 cfg.IsAPIRequest,
		wwwAuthenticate:       orDefault(cfg.WWWAuthenticate, DefaultWWWAuthenticate),
		log:                   cfg.Logger,
	}
	if a.log == nil {
		a.log = slog.Default()
	}
	if a.isAPI == nil {
		a.isAPI = DefaultIsAPIRequest
	}

	if err := a.setSecrets(cfg.SecretKey, cfg.SecretKeyFallbacks); err != nil {
		return nil, err
	}

	a.backends = slices.Clone(cfg.Backends)
	if a.backends == nil {
		a.backends = []Backend{NewModelBackend(cfg.Users)}
	}
	if len(a.backends) == 0 {
		return nil, bad("Backends", "empty: leave it nil for a ModelBackend over Users")
	}
	seen := map[string]bool{}
	for i, b := range a.backends {
		if b == nil {
			return nil, bad(fmt.Sprintf("Backends[%d]", i), "nil")
		}
		name := b.Name()
		if name == "" || len(name) > 200 || strings.IndexFunc(name, unicode.IsControl) >= 0 {
			return nil, bad(fmt.Sprintf("Backends[%d]", i), "Name() must be 1 to 200 printable characters (got %q)", name)
		}
		if seen[name] {
			return nil, bad(fmt.Sprintf("Backends[%d]", i), "two backends are named %q", name)
		}
		seen[name] = true
	}
	for i, ra := range cfg.RequestAuthenticators {
		if ra == nil {
			return nil, bad(fmt.Sprintf("RequestAuthenticators[%d]", i), "nil")
		}
	}
	ras := slices.Clone(cfg.RequestAuthenticators)
	a.requestAuths.Store(&ras)

	if a.throttle == nil {
		t, err := NewMemoryLoginThrottle(MemoryLoginThrottleConfig{Now: cfg.Now})
		if err != nil {
			return nil, err
		}
		a.throttle = t
	}

	for _, u := range [...]struct {
		field, value string
		empty        bool
	}{
		{"LoginURL", a.loginURL, false},
		{"LoginRedirectURL", a.loginRedirect, false},
		{"LogoutRedirectURL", a.logoutRedirect, true},
		{"PasswordChangeDoneURL", a.passwordDone, false},
	} {
		if u.empty && u.value == "" {
			continue
		}
		if err := checkConfigURL(u.value); err != nil {
			return nil, bad(u.field, "%v (got %q)", err, u.value)
		}
	}
	if !validFieldName(a.redirectField) {
		return nil, bad("RedirectFieldName", "want ASCII letters, digits, '_' and '-' (got %q)", a.redirectField)
	}
	for i, h := range a.allowedHosts {
		if h == "" || strings.ContainsAny(h, "/\\?#@ \t\r\n") {
			return nil, bad(fmt.Sprintf("AllowedRedirectHosts[%d]", i), "want a host[:port] (got %q)", h)
		}
	}
	if strings.ContainsAny(a.wwwAuthenticate, "\r\n") {
		return nil, bad("WWWAuthenticate", "contains a line break")
	}

	p, err := loadPages(cfg.Templates)
	if err != nil {
		return nil, bad("Templates", "%v", err)
	}
	a.pages = p
	a.loader = a.loadUser
	return a, nil
}

func (a *Auth) setSecrets(key string, fallbacks []string) error {
	release := gin.Mode() == gin.ReleaseMode
	check := func(field, k string) error {
		switch {
		case k == "":
			return fmt.Errorf("%w: AuthConfig.%s: required (Django's SECRET_KEY; use 50 random characters)", ErrInvalidAuthConfig, field)
		case len(k) < MinSecretKeyLength && release:
			return fmt.Errorf("%w: AuthConfig.%s: %d bytes is too short in release mode; use at least %d random bytes",
				ErrInvalidAuthConfig, field, len(k), MinSecretKeyLength)
		case len(k) < MinSecretKeyLength:
			a.log.Warn("authx: the secret key is short; release mode will refuse it", "setting", "AuthConfig."+field,
				"bytes", len(k), "minimum", MinSecretKeyLength)
		}
		return nil
	}
	if err := check("SecretKey", key); err != nil {
		return err
	}
	a.secret, a.secretKey, a.fallbackKeys = newAuthHasher(key), key, slices.Clone(fallbacks)
	for i, f := range fallbacks {
		if err := check(fmt.Sprintf("SecretKeyFallbacks[%d]", i), f); err != nil {
			return err
		}
		a.fallbacks = append(a.fallbacks, newAuthHasher(f))
	}
	return nil
}

// checkConfigURL accepts a path or an absolute http(s) URL without control characters.
func checkConfigURL(s string) error {
	if strings.IndexFunc(s, unicode.IsControl) >= 0 || strings.ContainsAny(s, " \\") {
		return errors.New("contains spaces, backslashes or control characters")
	}
	u, err := url.Parse(s)
	if err != nil {
		return err
	}
	switch {
	case u.Scheme == "" && u.Host == "" && strings.HasPrefix(s, "/") && !strings.HasPrefix(s, "//"):
		return nil
	case u.Scheme == "http" || u.Scheme == "https":
		return nil
	}
	return errors.New(`want a path starting with "/" or an absolute http(s) URL`)
}

func validFieldName(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// AddRequestAuthenticator appends ra to the RequestAuthenticators. It exists for
// authenticators built from the Auth itself, such as the JWT made with Auth.JWTConfig:
//
//	jwt, err := authx.NewJWT(auth.JWTConfig(authx.JWTConfig{}))
//	auth.AddRequestAuthenticator(jwt) // bearer tokens now work on every route
//
// It is safe while requests are served; requests already running keep the old list.
func (a *Auth) AddRequestAuthenticator(ra RequestAuthenticator) {
	if ra == nil {
		return
	}
	for {
		old := a.requestAuths.Load()
		next := append(slices.Clone(*old), ra)
		if a.requestAuths.CompareAndSwap(old, &next) {
			return
		}
	}
}

// Users returns the user manager.
func (a *Auth) Users() *UserManager { return a.users }

// Signals returns the auth signals, to connect receivers to.
func (a *Auth) Signals() *Signals { return &a.signals }

// Throttle returns the login throttle Authenticate uses.
func (a *Auth) Throttle() LoginThrottle { return a.throttle }

// LoginURL returns the configured login URL.
func (a *Auth) LoginURL() string { return a.loginURL }

// Backend authenticates credentials and loads the users it authenticated, one entry of
// Django's AUTHENTICATION_BACKENDS.
type Backend interface {
	// Name identifies the backend in sessions (Django stores the backend's dotted path):
	// a session made by a backend that is no longer configured is anonymous.
	Name() string
	// Authenticate returns the user the credentials belong to, or (nil, nil) when they
	// are not valid here (the next backend is asked), or ErrBackendDenied to stop the
	// search, or another error when it cannot answer (a store outage). It must not tell
	// unknown users from wrong passwords by its timing or its answer.
	Authenticate(c *gin.Context, username, password string) (*User, error)
	// GetUser returns the user with that id, or (nil, nil) when there is none or it may
	// no longer log in (Django: get_user returning None), or an error when it cannot
	// answer.
	GetUser(ctx context.Context, id int64) (*User, error)
}

// ModelBackendName is the name ModelBackend stores in sessions.
const ModelBackendName = "ModelBackend"

// ModelBackend authenticates against the user store with the manager's password hashers.
// Django: django.contrib.auth.backends.ModelBackend.
type ModelBackend struct {
	users *UserManager
}

// NewModelBackend returns a ModelBackend over m's store and hashers.
func NewModelBackend(m *UserManager) *ModelBackend { return &ModelBackend{users: m} }

// Name returns ModelBackendName.
func (b *ModelBackend) Name() string { return ModelBackendName }

// Authenticate looks the username up exactly as given and checks the password. Django's
// timing defences hold: an unknown username costs one hash with the preferred hasher (the
// time a real check takes), and the password is checked before IsActive, so an inactive
// account costs the same as an active one. A correct password on an outdated hash
// upgrades the hash. Any refusal is (nil, nil).
//
// The username is not NFKC-normalised here, as in Django's ModelBackend: usernames are
// normalised when accounts are created, and a database migrated from Django may hold
// usernames from before Django normalised them, which an exact lookup still finds. The
// login view normalises what is typed, as Django's login form does.
func (b *ModelBackend) Authenticate(c *gin.Context, username, password string) (*User, error) {
	ctx := c.Request.Context()
	u, err := b.users.Store().GetUserByUsername(ctx, username)
	switch {
	case errors.Is(err, ErrUserNotFound):
		// Django #20760: hash once so that a missing account costs what a real one does.
		_ = b.users.Hashers().RunDummyContext(ctx, password)
		return nil, nil
	case err != nil:
		return nil, err
	}
	ok, err := b.users.CheckPassword(ctx, u, password)
	if err != nil {
		if errors.Is(err, ErrPasswordTooLong) {
			return nil, nil
		}
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return nil, err
		}
		// An unreadable stored hash (unknown algorithm, malformed, out of bounds) is a
		// data problem for the operator, and a plain refusal for the client.
		b.users.log.WarnContext(ctx, "authx: the stored password hash cannot be checked", "user_id", u.ID, "err", err)
		return nil, nil
	}
	if !ok || !u.IsActive {
		return nil, nil
	}
	return u, nil
}

// GetUser loads the user, or nil when it is missing or inactive (Django's
// user_can_authenticate: an account deactivated while logged in is logged out).
func (b *ModelBackend) GetUser(ctx context.Context, id int64) (*User, error) {
	u, err := b.users.Store().GetUser(ctx, id)
	switch {
	case errors.Is(err, ErrUserNotFound):
		return nil, nil
	case err != nil:
		return nil, err
	case !u.IsActive:
		return nil, nil
	}
	return u, nil
}

// authenticatedKey remembers, in the gin.Context, which backend Authenticate accepted a user
// with, so that Login can record it (Django sets user.backend).
type authenticatedKey struct{}

type authenticated struct {
	userID  int64
	backend string
}

// Authenticate checks a username and password with each backend in turn and returns the
// user, or ErrInvalidCredentials, the same answer for every kind of refusal, or an error
// matching ErrLockedOut when the throttle refuses the attempt before any password is
// checked, or a store error. Each refusal sends UserLoginFailed. Django: authenticate().
//
// Authenticate does not log the user in: pass the user to Login, which records the backend
// that accepted it.
func (a *Auth) Authenticate(c *gin.Context, username, password string) (*User, error) {
	done, err := a.throttle.Begin(c, username)
	if err != nil {
		if !errors.Is(err, ErrLockedOut) {
			a.log.ErrorContext(c.Request.Context(), "authx: the login throttle cannot decide; refusing the attempt", "err", err)
			err = fmt.Errorf("authx: login throttle: %w", err)
		}
		a.loginFailed(c, username, err)
		return nil, err
	}
	u, err := a.authenticateUnthrottled(c, username, password)
	done(err == nil)
	return u, err
}

func (a *Auth) tryBackends(c *gin.Context, username, password string) (*User, string, error) {
	for _, b := range a.backends {
		u, err := b.Authenticate(c, username, password)
		switch {
		case errors.Is(err, ErrBackendDenied):
			return nil, "", ErrInvalidCredentials
		case err != nil:
			return nil, "", fmt.Errorf("authx: backend %s: %w", b.Name(), err)
		case u != nil:
			return u, b.Name(), nil
		}
	}
	return nil, "", ErrInvalidCredentials
}

func (a *Auth) loginFailed(c *gin.Context, username string, err error) {
	a.signals.UserLoginFailed.send(LoginFailedEvent{Context: c, Username: username, Err: err})
}

// backend returns the configured backend of that name, or nil.
func (a *Auth) backend(name string) Backend {
	for _, b := range a.backends {
		if b.Name() == name {
			return b
		}
	}
	return nil
}

// JWTConfig returns cfg with the fields an Auth already knows filled in where cfg leaves
// them zero: Users, SecretKey, SecretKeyFallbacks, AuthVersions, and the password check of
// the obtain endpoint. Authenticate and Throttle come as a pair: the Auth's backends (with
// UserLoginFailed and the timing defences) and its LoginThrottle, counted once per attempt
// and shared with the login view, a lockout answered 429 with Retry-After.
//
//	jwt, err := authx.NewJWT(auth.JWTConfig(authx.JWTConfig{AccessTTL: 5 * time.Minute}))
func (a *Auth) JWTConfig(cfg JWTConfig) JWTConfig {
	if cfg.Users == nil {
		cfg.Users = a.users.Store()
	}
	if cfg.SecretKey == "" && cfg.SecretKeyFallbacks == nil {
		cfg.SecretKey, cfg.SecretKeyFallbacks = a.secretKey, slices.Clone(a.fallbackKeys)
	}
	if cfg.AuthVersions == nil {
		cfg.AuthVersions = a.versions
	}
	if cfg.Authenticate == nil && cfg.Throttle == nil {
		cfg.Authenticate = a.authenticateUnthrottled
		cfg.Throttle = a.jwtThrottle
	}
	return cfg
}

// authenticateUnthrottled is Authenticate without the throttle, for callers that run the
// throttle themselves (the JWT obtain endpoint).
func (a *Auth) authenticateUnthrottled(c *gin.Context, username, password string) (*User, error) {
	u, backend, err := a.tryBackends(c, username, password)
	if err != nil {
		a.loginFailed(c, username, err)
		return nil, err
	}
	c.Set(authenticatedKey{}, authenticated{userID: u.ID, backend: backend})
	return u, nil
}

// jwtThrottle is the LoginThrottle in the shape of JWTConfig.Throttle.
func (a *Auth) jwtThrottle(c *gin.Context, username string) (func(bool), error) {
	done, err := a.throttle.Begin(c, username)
	var locked *LockedOutError
	if errors.As(err, &locked) {
		a.loginFailed(c, username, err)
		return nil, &JWTThrottledError{RetryAfter: locked.RetryAfter}
	}
	return done, err
}
