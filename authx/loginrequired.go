package authx

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/djin-go/djin/ginmw"
	"github.com/gin-gonic/gin"
)

// LoginNotRequired marks a route or group as open to anonymous visitors when the
// login-required middleware protects the whole site. It is a marker: it does nothing when
// the route runs, and the middleware finds it on the matched route, in any position.
// Django 5.1: @login_not_required.
//
//	r.GET("/about/", authx.LoginNotRequired, about)
//	public := r.Group("/public", authx.LoginNotRequired)
func LoginNotRequired(*gin.Context) {}

// ErrIllegalURL is the error of a request to a blacklisted route: 403, whoever asks. The
// text is the tutorial's.
var ErrIllegalURL = fmt.Errorf("%w: This is an illegal URL", ginmw.ErrPermissionDenied)

// LoginRequiredConfig configures the login-required middleware. The zero value requires a
// login on every route except those marked LoginNotRequired and the Auth's own login and
// logout views.
//
// Whitelist and Blacklist entries name routes as the router knows them, never raw request
// paths: "/users/:id" (the route template, any method), "GET /users/:id" (one method), or a
// handler's name, as gin reports it ("main.about"). A request for "/users/7" matches the
// template "/users/:id"; "/users/7/../admin" never matches anything by prefix, since the
// router has already resolved the route.
type LoginRequiredConfig struct {
	// Whitelist names routes open to anonymous visitors, like LoginNotRequired.
	Whitelist []string `yaml:"whitelist"`
	// Blacklist names routes refused to everyone, logged in or not, with 403 (the
	// tutorial's "This is an illegal URL"). It wins over the whitelist.
	Blacklist []string `yaml:"blacklist"`
	// LoginURL overrides AuthConfig.LoginURL for the redirect.
	LoginURL string `yaml:"login_url"`
}

// LoginRequiredMiddleware is Django 5.1's LoginRequiredMiddleware, and the tutorial's AuthMD
// done right: after routing (ProcessView), a request for a blacklisted route gets 403; a
// request for a whitelisted or LoginNotRequired route passes; any other request must be
// logged in, else it is answered as LoginRequired answers (a redirect to the login page
// with next, or 401 for API clients). Requests for no route (404) are not its business, as
// in Django.
//
// The tutorial lets logged-in users through before looking at the blacklist; here the
// blacklist holds for everyone, which is what a blacklist is for.
type LoginRequiredMiddleware struct {
	a               *Auth
	loginURL        string
	white, black    routeSet
	loginV, logoutV gin.HandlerFunc
}

// routeSet matches the route that served a request against route templates, method-bound
// templates and handler names.
type routeSet struct {
	templates map[string]bool // "/users/:id" and "GET /users/:id"
	handlers  map[string]bool // "main.about"
}

func newRouteSet(setting string, entries []string) (routeSet, error) {
	s := routeSet{templates: map[string]bool{}, handlers: map[string]bool{}}
	for i, e := range entries {
		e = strings.TrimSpace(e)
		method, path, hasMethod := strings.Cut(e, " ")
		switch {
		case e == "":
			return s, fmt.Errorf("authx: LoginRequiredConfig.%s[%d]: empty", setting, i)
		case hasMethod && (method != strings.ToUpper(method) || !strings.HasPrefix(strings.TrimSpace(path), "/")):
			return s, fmt.Errorf("authx: LoginRequiredConfig.%s[%d]: want \"/route\", \"METHOD /route\" or a handler name (got %q)", setting, i, e)
		case hasMethod:
			s.templates[method+" "+strings.TrimSpace(path)] = true
		case strings.HasPrefix(e, "/"):
			s.templates[e] = true
		default:
			s.handlers[e] = true
		}
	}
	return s, nil
}

func (s *routeSet) has(v ginmw.View) bool {
	if len(s.templates) > 0 {
		route := v.Route()
		if s.templates[route] || s.templates[v.Method()+" "+route] {
			return true
		}
	}
	return len(s.handlers) > 0 && s.handlers[v.HandlerName()]
}

// LoginRequiredMiddleware validates cfg and returns the global login-required middleware;
// use it in a chain below the auth middleware, or alone with its Handler.
//
//	lr, err := auth.LoginRequiredMiddleware(authx.LoginRequiredConfig{
//		Whitelist: []string{"/register/"},
//		Blacklist: []string{"/black/"},
//	})
//	router.Use(ginmw.Chain(sessions, csrf, auth, lr))
func (a *Auth) LoginRequiredMiddleware(cfg LoginRequiredConfig) (*LoginRequiredMiddleware, error) {
	m := &LoginRequiredMiddleware{a: a, loginURL: cfg.LoginURL}
	var err error
	if m.white, err = newRouteSet("Whitelist", cfg.Whitelist); err != nil {
		return nil, err
	}
	if m.black, err = newRouteSet("Blacklist", cfg.Blacklist); err != nil {
		return nil, err
	}
	if m.loginURL != "" {
		if err := checkConfigURL(m.loginURL); err != nil {
			return nil, fmt.Errorf("authx: LoginRequiredConfig.LoginURL: %v (got %q)", err, m.loginURL)
		}
	}
	// The views Django marks login_not_required: the login page must be reachable to log
	// in, and logging out must work for a session that just became anonymous.
	m.loginV, m.logoutV = a.LoginHandler, a.LogoutHandler
	return m, nil
}

// Name names the middleware "login_required" in traces.
func (m *LoginRequiredMiddleware) Name() string { return "login_required" }

// ProcessView applies the rules on the matched route.
func (m *LoginRequiredMiddleware) ProcessView(c *gin.Context, v ginmw.View) {
	if m.black.has(v) {
		// A hook raises: the chain's error handler answers 403 (Django's handler403).
		panic(ErrIllegalURL)
	}
	if m.white.has(v) || v.Has(LoginNotRequired) || v.Has(m.loginV) || v.Has(m.logoutV) {
		return
	}
	u, err := CurrentUserErr(c)
	if errors.Is(err, ErrNoAuthMiddleware) {
		panic(&ginmw.StatusError{Status: http.StatusInternalServerError,
			Err: errors.New("authx: login_required runs without the auth middleware above it")})
	}
	if u == nil {
		m.a.requireLogin(c, m.loginURL, "")
	}
}

// Handler returns the middleware as a gin handler that works alone (ginmw.Adapt).
func (m *LoginRequiredMiddleware) Handler() gin.HandlerFunc { return ginmw.Adapt(m) }

// loginRequiredFactory builds the settings entry "login_required" (Django:
// django.contrib.auth.middleware.LoginRequiredMiddleware). Its options are
// LoginRequiredConfig's; it needs "auth" above it and the "auth" service.
//
//	middleware:
//	  - sessions
//	  - auth
//	  - login_required:
//	      whitelist: ["/register/", "GET /index/"]
//	      blacklist: ["/black/"]
func loginRequiredFactory(fc *ginmw.FactoryContext) (any, error) {
	var cfg LoginRequiredConfig
	if err := fc.Decode(&cfg); err != nil {
		return nil, err
	}
	if err := fc.Require("auth"); err != nil {
		return nil, fmt.Errorf("authx: %w", err)
	}
	a, err := authService(fc)
	if err != nil {
		return nil, err
	}
	return a.LoginRequiredMiddleware(cfg)
}
