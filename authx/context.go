package authx

import (
	"context"
	"encoding/hex"
	"errors"
	"strconv"

	"github.com/gin-gonic/gin"
)

// The current user of a request. Django's AuthenticationMiddleware puts a lazy request.user
// on every request; djin keeps the same idea in the gin.Context: an authentication
// middleware (sessions, bearer tokens) installs a loader, and the user is loaded at most
// once, on first use.

// userKey is the gin.Context key of the request's user slot.
type userKey struct{}

// userSlot holds the request's user, or how to load it.
type userSlot struct {
	user    *User
	backend string
	loaded  bool
	err     error
	load    func(c *gin.Context) (*User, string, error)
}

// ErrNoAuthMiddleware is returned by CurrentUserErr when no authentication middleware ran
// for the request.
var ErrNoAuthMiddleware = errors.New("authx: no authentication middleware ran for this request")

// SetUser makes u the request's user (nil: anonymous), authenticated by the named backend
// ("session", "jwt", ...). Login calls it; authentication middlewares call it or
// SetUserLoader.
func SetUser(c *gin.Context, u *User, backend string) {
	c.Set(userKey{}, &userSlot{user: u, backend: backend, loaded: true})
}

// SetUserLoader installs a loader that resolves the request's user on first use, at most
// once per request: a page that never asks for the user costs no store read. The loader
// returns the user (nil: anonymous) and the backend that authenticated it.
func SetUserLoader(c *gin.Context, load func(c *gin.Context) (*User, string, error)) {
	c.Set(userKey{}, &userSlot{load: load})
}

func slotOf(c *gin.Context) *userSlot {
	v, ok := c.Get(userKey{})
	if !ok {
		return nil
	}
	s, _ := v.(*userSlot)
	return s
}

// CurrentUserErr returns the request's user, loading it if needed: nil means anonymous.
// The error is the loader's (a store outage, say), or ErrNoAuthMiddleware.
func CurrentUserErr(c *gin.Context) (*User, error) {
	s := slotOf(c)
	if s == nil {
		return nil, ErrNoAuthMiddleware
	}
	if !s.loaded {
		s.loaded = true
		s.user, s.backend, s.err = s.load(c)
		if s.err != nil {
			s.user = nil
		}
	}
	return s.user, s.err
}

// CurrentUser returns the request's user, or nil for an anonymous request (a nil *User
// answers IsAuthenticated() false, like Django's AnonymousUser). Django: request.user.
// A failure to load the user counts as anonymous here; use CurrentUserErr to see it.
func CurrentUser(c *gin.Context) *User {
	u, _ := CurrentUserErr(c)
	return u
}

// UserKey returns the current user's primary key in decimal, or "" for an anonymous
// request: the identifier to count a user by in a rate limit (ratelimit.ByUser, or the
// ratelimit.ServiceUser service for settings files), which DRF's UserRateThrottle takes
// from request.user.pk. A user who cannot be loaded counts as anonymous.
func UserKey(c *gin.Context) string {
	if u := CurrentUser(c); u != nil {
		return strconv.FormatInt(u.ID, 10)
	}
	return ""
}

// AuthBackend returns the name of the backend that authenticated the current user, or ""
// for an anonymous request. Django: the session's BACKEND_SESSION_KEY.
func AuthBackend(c *gin.Context) string {
	if CurrentUser(c) == nil {
		return ""
	}
	return slotOf(c).backend
}

// AuthVersionStore keeps a per-user counter that every session and token records at login:
// bumping it logs the user out everywhere ("log out everywhere") without a password change.
// Implementations must be safe for concurrent use.
type AuthVersionStore interface {
	// AuthVersion returns the user's current version; a user never bumped has version 0.
	AuthVersion(ctx context.Context, userID int64) (int64, error)
	// BumpAuthVersion increments the user's version and returns the new one.
	BumpAuthVersion(ctx context.Context, userID int64) (int64, error)
}

// RequestAuthenticator authenticates a request from something it carries other than the
// session, such as an Authorization: Bearer token. ok is false when the request carries no
// such credential, so the next authenticator (or the session) is tried; a credential that
// is present but invalid is an error, never a fallback to another method.
type RequestAuthenticator interface {
	AuthenticateRequest(c *gin.Context) (u *User, ok bool, err error)
}

// sessionAuthHashSalt is Django's key salt for get_session_auth_hash.
const sessionAuthHashSalt = "django.contrib.auth.models.AbstractBaseUser.get_session_auth_hash"

// SessionAuthHash is Django's get_session_auth_hash: an HMAC-SHA256 of the user's encoded
// password under secret, in hex. A session or token records it at login and is valid only
// while it still matches, so a password change logs the user out everywhere else.
func SessionAuthHash(u *User, secret string) (string, error) {
	if u == nil {
		return "", errors.New("authx: SessionAuthHash of no user")
	}
	mac, err := SaltedHMAC(sessionAuthHashSalt, u.Password, secret, "sha256")
	if err != nil {
		return "", err
	}
	return hex.EncodeToString(mac), nil
}
