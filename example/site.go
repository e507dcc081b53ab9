package main

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/redis/go-redis/v9"

	"github.com/djin-go/djin/authx"
	"github.com/djin-go/djin/csrfx"
	"github.com/djin-go/djin/ginmw"
	"github.com/djin-go/djin/ginmw/session"
	"github.com/djin-go/djin/ratelimit"
)

// assets are the templates and static files, built into the program: no build step, no
// files to deploy beside the binary.
//
//go:embed templates/*.html static/*
var assets embed.FS

// options are what the command line (or a test) decides about a site.
type options struct {
	Settings string              // the settings file; "" means the embedded settings.yaml
	DB       string              // the SQLite file, when the settings name no database
	Getenv   func(string) string // the environment; nil means os.Getenv
	Logger   *slog.Logger        // nil means slog.Default()
	Now      func() time.Time    // the clock of limits and tokens; nil means the system clock
}

// serviceClock names the clock among the services, for the example's own factories.
const serviceClock = "clock"

// site is the running application: Django's project, with its settings, database,
// middleware stack and URLs.
type site struct {
	settings  *ginmw.Settings
	conf      siteSettings
	log       *slog.Logger
	db        *sql.DB
	redis     *redis.Client // nil unless the settings name one
	userStore *authx.SQLStore
	users     *authx.UserManager
	secret    string
	fallbacks []string
	tmpl      *template.Template
	auth      *authx.Auth
	jwt       *authx.JWT
	apiLimit  gin.HandlerFunc
	csrf      *csrfx.Middleware // the stack's csrf middleware; nil when it is commented out
	limits    []ginmw.Named     // the stack's entries limited to some routes, checked against them
	router    *gin.Engine
	now       func() time.Time // nil: the system clock
	closers   []func()
}

// newSite reads the settings, opens the database (migrating it) and Redis, builds the
// middleware stack and the routes. Every problem is reported here, before the first
// request, with the setting it comes from.
func newSite(ctx context.Context, o options) (*site, error) {
	if o.Getenv == nil {
		o.Getenv = os.Getenv
	}
	s, err := openBase(ctx, o)
	if err != nil {
		return nil, err
	}
	if err := s.start(ctx, o); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// start does what the server needs beyond openBase.
func (s *site) start(ctx context.Context, o options) (err error) {
	// Django: DEBUG. Gin's mode is global: secure cookies and the csrf cookie's name follow it.
	if s.settings.Debug {
		gin.SetMode(gin.DebugMode)
	} else {
		gin.SetMode(gin.ReleaseMode)
	}
	if s.secret, s.fallbacks, err = secrets(o.Getenv, s.settings.Debug, s.log); err != nil {
		return err
	}
	if s.redis, err = openRedis(ctx, s.conf); err != nil {
		return err
	}
	if s.redis != nil {
		s.closers = append(s.closers, func() { s.redis.Close() })
	}
	if s.tmpl, err = s.templates(); err != nil {
		return err
	}
	if s.auth, err = s.newAuth(s.tmpl); err != nil {
		return err
	}
	if s.jwt, s.apiLimit, err = s.newAPI(s.auth); err != nil {
		return err
	}
	stack, err := s.stack()
	if err != nil {
		return err
	}
	s.router, err = s.routes(stack)
	return err
}

// openBase opens what the server and the manage.py-style commands share: the settings, the
// database and the user model, migrated (Django: migrate runs before runserver here).
func openBase(ctx context.Context, o options) (*site, error) {
	if o.Getenv == nil {
		o.Getenv = os.Getenv
	}
	s := &site{log: o.Logger, now: o.Now}
	var err error
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.settings, s.conf, err = loadSettings(o.Settings, o.Getenv); err != nil {
		return nil, err
	}
	if s.db, err = openDatabase(ctx, s.conf, o.DB); err != nil {
		return nil, err
	}
	s.closers = append(s.closers, func() { s.db.Close() })
	if s.userStore, s.users, err = openUsers(ctx, s.db, s.log); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// services are what the middlewares of the settings file may ask for by name
// (ginmw.Env.Services), as Django middlewares read settings.DATABASES or SECRET_KEY.
func (s *site) services() map[string]any {
	svc := map[string]any{
		session.ServiceDB:                 s.db,
		session.ServiceSecretKey:          s.secret,
		session.ServiceSecretKeyFallbacks: s.fallbacks,
		"users":                           s.userStore,
		ratelimit.ServiceUser:             authx.UserKey, // for "user" keys of the ratelimit entry
	}
	if s.auth != nil {
		svc[authx.ServiceAuth] = s.auth // for the auth and login_required entries
	}
	if s.redis != nil { // a nil *redis.Client in the map would look like a client
		svc[session.ServiceRedis] = s.redis
	}
	if s.now != nil {
		svc[serviceClock] = s.now
	}
	return svc
}

// stack builds the settings file's middleware list into one chain: Django's MIDDLEWARE.
// The /trace/ recorder goes on top of it, so that it sees every hook of the list.
func (s *site) stack() (gin.HandlerFunc, error) {
	env := ginmw.Env{Debug: s.settings.Debug, Logger: s.log, Services: s.services()}
	built, err := ginmw.Build(env, s.settings.Middleware...)
	if err != nil {
		return nil, err
	}
	for _, b := range built {
		named := b.(ginmw.Named)
		switch m := named.Middleware.(type) {
		case *routeLimit:
			s.limits = append(s.limits, named)
		case *csrfx.Middleware:
			s.csrf = m
		case *session.Middleware:
			if st, ok := m.Store().(interface{ Stop() }); ok { // the SQL store's cleanup goroutine
				s.closers = append(s.closers, st.Stop)
			}
		}
	}
	return ginmw.New(ginmw.Config{
		Middleware:   append([]any{traceRecorder{}}, built...),
		Debug:        s.settings.Debug,
		Logger:       s.log,
		ErrorHandler: s.errorPage,
		OnHook:       recordHook,
	})
}

// templates parses the page templates: one set for gin's renderer (ginmw.Render) and for
// authx's views, whose login.html and password_change.html it replaces. Django: the
// template loader.
func (s *site) templates() (*template.Template, error) {
	return template.New("").Funcs(template.FuncMap{"frame": s.frame}).ParseFS(assets, "templates/*.html")
}

// errorPage is the chain's ErrorHandler: the site's 404, 403, 400 and 500 pages.
// Django: handler404, handler500 and templates/404.html. API clients get problem+json.
func (s *site) errorPage(c *gin.Context, status int, err error) {
	if strings.HasPrefix(c.Request.URL.Path, "/api/") || ginmw.Negotiate(c.GetHeader("Accept"), pageTypes) != 0 {
		ginmw.DefaultErrorHandler(c, status, err)
		return
	}
	reason := reasonFor(status)
	if errors.Is(err, authx.ErrIllegalURL) {
		reason = "This is an illegal URL" // the tutorial's blacklist answer, in release mode too
	}
	data := gin.H{"title": fmt.Sprintf("%d %s", status, http.StatusText(status)), "reason": reason}
	if s.settings.Debug {
		data["detail"] = err.Error() // Django's technical pages, DEBUG only
	}
	c.HTML(status, "error.html", data)
}

func reasonFor(status int) string {
	switch status {
	case http.StatusNotFound:
		return "There is no page at this address."
	case http.StatusForbidden:
		return "You may not see this page."
	case http.StatusBadRequest:
		return "The request could not be understood."
	case http.StatusMethodNotAllowed:
		return "This page does not answer that method."
	}
	return "Something went wrong on our side; it has been logged."
}

// pageTypes are what an error page can be: HTML first, the default for browsers and for
// clients that say nothing.
var pageTypes = []string{"text/html", "application/json", "application/problem+json"}

// staticFile serves one embedded file, revalidated by the conditional_get middleware's ETag.
func staticFile(name, contentType string) gin.HandlerFunc {
	body, err := assets.ReadFile(name)
	if err != nil {
		panic(err) // a missing embedded file is a build mistake, caught by every test
	}
	return func(c *gin.Context) {
		c.Header("Cache-Control", "public, max-age=300")
		c.Data(http.StatusOK, contentType, body)
	}
}

// Close releases the database, Redis and background cleaners.
func (s *site) Close() {
	for i := len(s.closers) - 1; i >= 0; i-- {
		s.closers[i]()
	}
	s.closers = nil
}

// ServeHTTP makes the site an http.Handler.
func (s *site) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.router.ServeHTTP(w, r) }
