package main

import (
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/djin-go/djin/authx"
	"github.com/djin-go/djin/ratelimit"
)

// The JSON API: djangorestframework-simplejwt's token endpoints and one resource.
//
//	POST /api/token/          {"username", "password"}  → {"access", "refresh"}
//	POST /api/token/refresh/  {"refresh"}               → a new pair; the old refresh token is spent
//	POST /api/token/revoke/   {"refresh"}               → the login's tokens stop working
//	GET  /api/me/             Authorization: Bearer <access>
//
// The routes are exempt from CSRF (csrfx.Exempt): a bearer token is sent by the client's
// code, never by the browser on its own, so a forged cross-site request cannot carry it.

// apiSettings is the settings file's "api:" section: simplejwt's SIMPLE_JWT (access_ttl,
// refresh_ttl, issuer, audience, leeway...) and DRF's throttle rate for users.
type apiSettings struct {
	authx.JWTConfig `yaml:",inline"`

	// Rate limits each user (each client IP before it has a token), as DRF's
	// UserRateThrottle; unset means 60/m.
	Rate ratelimit.Rate `yaml:"rate"`
	// Backend is where revoked tokens and the limit's counters live: "memory" or "redis"
	// (every instance shares them, under site.redis_prefix + "jwt:" and "api:").
	Backend string `yaml:"store"`
}

// newAPI builds the JWT (wired to auth: its users, secret key and login lockout) and
// the per-user limit, and makes bearer tokens a way to log in on every route.
func (s *site) newAPI(auth *authx.Auth) (*authx.JWT, gin.HandlerFunc, error) {
	var conf apiSettings
	if err := s.settings.Section("api", &conf); err != nil {
		return nil, nil, err
	}
	if conf.Rate.IsZero() {
		conf.Rate = ratelimit.PerMinute(60)
	}
	store, err := limitStore(conf.Backend, ratelimit.RedisStoreConfig{Prefix: s.conf.RedisPrefix + "api:"}, s.services(), s.log)
	if err != nil {
		return nil, nil, fmt.Errorf("api: %w", err)
	}
	cfg := conf.JWTConfig
	cfg.Logger, cfg.Now = s.log, s.now
	if conf.Backend == "redis" { // limitStore checked that there is a client
		if cfg.Revocations, err = authx.NewRedisRevocationStore(authx.RedisRevocationStoreConfig{
			Client: s.redis, Prefix: s.conf.RedisPrefix + "jwt:",
		}); err != nil {
			return nil, nil, err
		}
	}
	jwt, err := authx.NewJWT(auth.JWTConfig(cfg))
	if err != nil {
		return nil, nil, err
	}
	auth.AddRequestAuthenticator(jwt) // Authorization: Bearer, tried before the session
	limit, err := ratelimit.Middleware(ratelimit.Config{
		Policies: []ratelimit.Policy{{Name: "api", Rate: conf.Rate, Key: ratelimit.ByUser(authx.UserKey)}},
		Store:    store, Logger: s.log, Now: s.now,
	})
	return jwt, limit, err
}

// me is GET /api/me/: the user the bearer token (or the session) belongs to. The route
// needs a login (the login_required middleware); API clients without one get 401 and a
// WWW-Authenticate challenge instead of a redirect. The password hash is never encoded.
func me(c *gin.Context) {
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, authx.CurrentUser(c))
}
