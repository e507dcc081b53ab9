package main

import (
	"context"
	"fmt"
	"html/template"

	"github.com/gin-gonic/gin"

	"github.com/djin-go/djin/authx"
	"github.com/djin-go/djin/csrfx"
	"github.com/djin-go/djin/ginmw/messages"
	"github.com/djin-go/djin/ratelimit"
)

// authSettings is the settings file's "auth:" section: django.contrib.auth's settings.
//
//	auth:
//	  login_url: /login/
//	  lockout: {tiers: [{failures: 5, within: 15m}]}
type authSettings struct {
	LoginURL              string `yaml:"login_url"`                // Django: LOGIN_URL
	LoginRedirectURL      string `yaml:"login_redirect_url"`       // Django: LOGIN_REDIRECT_URL
	LogoutRedirectURL     string `yaml:"logout_redirect_url"`      // Django: LOGOUT_REDIRECT_URL
	PasswordChangeDoneURL string `yaml:"password_change_done_url"` // Django: PasswordChangeView.success_url

	// Lockout counts failed logins, of the login form and of the API's token endpoint alike,
	// per username and per client address (django-axes). Its store is "memory" or "redis"
	// (every instance counts together, under site.redis_prefix + "lockout:").
	Lockout struct {
		ratelimit.LockoutConfig `yaml:",inline"`
		Backend                 string `yaml:"store"`
	} `yaml:"lockout"`
}

// newAuth builds django.contrib.auth for the site: the Auth with its settings, the lockout,
// the example's login and password templates, and the flash messages Django projects add in
// signal receivers.
func (s *site) newAuth(tmpl *template.Template) (*authx.Auth, error) {
	var conf authSettings
	if err := s.settings.Section("auth", &conf); err != nil {
		return nil, err
	}
	store, err := limitStore(conf.Lockout.Backend, ratelimit.RedisStoreConfig{Prefix: s.conf.RedisPrefix + "lockout:"}, s.services(), s.log)
	if err != nil {
		return nil, fmt.Errorf("auth: lockout: %w", err)
	}
	conf.Lockout.Store, conf.Lockout.Now = store, s.now
	lockout, err := ratelimit.NewLockout(conf.Lockout.LockoutConfig)
	if err != nil {
		return nil, err
	}
	auth, err := authx.NewAuth(authx.AuthConfig{
		Users:                 s.users,
		SecretKey:             s.secret,
		SecretKeyFallbacks:    s.fallbacks,
		Throttle:              lockoutThrottle{lockout, s},
		LoginURL:              conf.LoginURL,
		LoginRedirectURL:      conf.LoginRedirectURL,
		LogoutRedirectURL:     conf.LogoutRedirectURL,
		PasswordChangeDoneURL: conf.PasswordChangeDoneURL,
		Templates:             tmpl, // login.html and password_change.html; the rest are authx's own
		Logger:                s.log,
	})
	if err != nil {
		return nil, err
	}
	// Django: @receiver(user_logged_in) def ...: messages.success(request, ...).
	sig := auth.Signals()
	sig.UserLoggedIn.Connect(func(e authx.LoginEvent) {
		s.flash(e.Context, "Welcome back, "+e.User.Username+".")
	})
	sig.UserLoggedOut.Connect(func(e authx.LogoutEvent) {
		s.flash(e.Context, "You have been logged out.")
	})
	sig.PasswordChanged.Connect(func(e authx.PasswordChangeEvent) {
		s.flash(e.Context, "Your password was changed. Your other sessions have been logged out; this one stays.")
	})
	return auth, nil
}

// lockoutThrottle puts ratelimit's Lockout behind authx's LoginThrottle: Authenticate asks
// it before every password check, and tells it how the check went.
type lockoutThrottle struct {
	l *ratelimit.Lockout
	s *site
}

// Begin reserves a failure for this attempt, or refuses it while the username or the
// address is locked out: the same answer whether the account exists or not.
func (t lockoutThrottle) Begin(c *gin.Context, username string) (func(bool), error) {
	attempt, err := t.l.BeginRequest(c, username)
	if err != nil {
		return nil, err // the lockout's store is down: the attempt is refused (503)
	}
	if attempt.Locked {
		return nil, &authx.LockedOutError{RetryAfter: attempt.RetryAfter}
	}
	ctx := context.WithoutCancel(c.Request.Context()) // give the reservation back even if the client left
	return func(succeeded bool) {
		if !succeeded {
			return // the reserved failure stays counted
		}
		if err := attempt.Succeeded(ctx); err != nil {
			t.s.log.WarnContext(ctx, "example: lockout: a success could not be recorded", "err", err)
		}
	}, nil
}

// frame is the layout's data for pages that authx renders (login, password change), whose
// own data has no title, user or messages: {{template "top" (frame .Context "Log in")}}.
// It gives them what ginmw.Render pages get from the context processors.
func (s *site) frame(c *gin.Context, title string) gin.H {
	data := gin.H{"title": title, "user": authx.CurrentUser(c)}
	if st, err := messages.StorageOf(c); err == nil {
		data["messages"] = st
	}
	if s.csrf != nil {
		data["csrf_token"] = pageToken{c}
	}
	return data
}

// pageToken is csrf_token for frame: {{.csrf_token.Input}}, as in ginmw.Render pages.
type pageToken struct{ c *gin.Context }

// Input returns the hidden form field with a fresh masked token.
func (t pageToken) Input() template.HTML { return csrfx.Input(t.c) }
